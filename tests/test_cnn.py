"""SmallCNN: Buell's network on images in the shapes users hold them."""

import pickle

import numpy as np
import pytest
import torch
from scipy import ndimage
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skneuro._engine import net as engine_net
from skneuro.datasets import load_digits_images
from skneuro.neural_network import SmallCNN
from skneuro.preprocessing import PoolInterpolate

#: A narrow network that trains in a fraction of a second.
SMALL = {"n_filters": 4, "dense_units": (8,), "max_epochs": 1, "random_state": 0}


@pytest.fixture(scope="module")
def digits():
    """The shipped 8x8 digits scaled to [0, 1], split 80/20 stratified."""
    bunch = load_digits_images()
    return train_test_split(
        bunch.images / 16.0,
        bunch.target,
        test_size=0.2,
        stratify=bunch.target,
        random_state=0,
    )


@pytest.fixture(scope="module")
def digits28():
    """400 digits enlarged to 28x28 (MNIST's size) and flattened."""
    bunch = load_digits_images()
    images = ndimage.zoom(bunch.images[:400] / 16.0, (1, 3.5, 3.5), order=1)
    assert images.shape[1:] == (28, 28)
    return images.reshape(400, -1), bunch.target[:400]


def _images(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 255, size=shape)
    return X.astype(dtype)


@pytest.mark.parametrize(
    ("shape", "dtype", "channels", "size"),
    [
        ((40, 784), np.float32, 1, (28, 28)),
        ((40, 28, 28), np.float64, 1, (28, 28)),
        ((40, 1, 28, 28), np.uint8, 1, (28, 28)),
        ((40, 3, 12, 10), np.float32, 3, (12, 10)),
    ],
)
def test_image_layouts_and_dtypes(shape, dtype, channels, size):
    X = _images(shape, dtype)
    y = np.arange(40) % 3
    cnn = SmallCNN(**SMALL).fit(X, y)
    assert cnn.n_channels_ == channels and cnn.image_shape_ == size
    proba = cnn.predict_proba(X)
    assert proba.shape == (40, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert set(cnn.predict(X)) <= {0, 1, 2}


def test_flat_images_take_their_shape_from_image_shape():
    X = _images((30, 20), np.float32)
    y = np.arange(30) % 2
    assert SmallCNN(image_shape=(4, -1), **SMALL).fit(X, y).image_shape_ == (4, 5)
    with pytest.raises(ValueError, match="image_shape"):
        SmallCNN(**SMALL).fit(X, y)  # 20 pixels are not a square


def test_predict_on_another_image_size_fails_clearly():
    y = np.arange(30) % 2
    cnn = SmallCNN(**SMALL).fit(_images((30, 8, 8), np.float32), y)
    with pytest.raises(ValueError, match=r"fitted on 1-channel images of 8x8"):
        cnn.predict(_images((5, 10, 10), np.float32))
    with pytest.raises(ValueError, match=r"got 3-channel images of 8x8"):
        cnn.predict(_images((5, 3, 8, 8), np.float32))


def test_valid_padding_on_small_images_fails_before_training(no_training):
    X, y = _images((30, 8, 8), np.float32), np.arange(30) % 2
    with pytest.raises(ValueError, match="at least 16 pixels a side.*8x8"):
        SmallCNN(padding="valid", **SMALL).fit(X, y)
    # 16x16 is the smallest image the paper's layout takes.
    with pytest.raises(AssertionError, match="training started"):
        SmallCNN(padding="valid", **SMALL).fit(_images((30, 16, 16), np.float32), y)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_cuda_fails_before_training(no_training):
    X, y = _images((30, 8, 8), np.float32), np.arange(30) % 2
    with pytest.raises(ValueError, match="CUDA is not available"):
        SmallCNN(device="cuda", **SMALL).fit(X, y)


def test_digits_accuracy_within_20_epochs(digits):
    """The issue's bar: 0.97 test accuracy on the shipped digits in 20 epochs."""
    X_train, X_test, y_train, y_test = digits
    cnn = SmallCNN(max_epochs=20, random_state=0).fit(X_train, y_train)
    assert cnn.n_epochs_ == 20
    assert cnn.score(X_test, y_test) >= 0.97


def test_buells_pipeline_in_cross_val_score(digits28):
    """Pool, restore, scale, classify: the paper's pipeline on flat pixels."""
    X, y = digits28
    pipe = Pipeline(
        [
            ("pool", PoolInterpolate(2, 2)),
            ("scale", StandardScaler()),
            ("cnn", SmallCNN(image_shape=(28, 28), max_epochs=8, batch_size=32)),
        ]
    )
    pipe.set_params(cnn__random_state=0)
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,)
    assert scores.mean() > 0.5  # chance is 0.1


def test_same_seed_same_model_and_pickle_round_trip(digits):
    X_train, X_test, y_train, _ = digits
    first = SmallCNN(max_epochs=2, random_state=3).fit(X_train, y_train)
    again = SmallCNN(max_epochs=2, random_state=3).fit(X_train, y_train)
    other = SmallCNN(max_epochs=2, random_state=4).fit(X_train, y_train)
    proba = first.predict_proba(X_test)
    np.testing.assert_array_equal(again.predict_proba(X_test), proba)
    assert not np.allclose(other.predict_proba(X_test), proba)
    restored = pickle.loads(pickle.dumps(first))
    np.testing.assert_array_equal(restored.predict_proba(X_test), proba)
    assert restored.image_shape_ == (8, 8)


def test_a_cuda_pickled_cnn_loads_on_the_cpu(digits, check_cuda_pickle_loads_on_cpu):
    X_train, X_test, y_train, _ = digits
    cnn = SmallCNN(**SMALL).fit(X_train, y_train)
    check_cuda_pickle_loads_on_cpu(cnn, X_test)


def test_convolutions_stay_channels_last_through_training(digits):
    """The flat parameter buffer keeps the NHWC strides oneDNN is fast on."""
    X_train, _, y_train, _ = digits
    seen = []
    cnn = SmallCNN(**SMALL)
    cnn.fit(X_train, y_train)
    convs = [m for m in cnn.net_.module_.modules() if isinstance(m, torch.nn.Conv2d)]
    hook = convs[-1].register_forward_hook(
        lambda module, inputs, output: seen.append(
            module.weight.is_contiguous(memory_format=torch.channels_last)
        )
    )
    cnn.set_params(warm_start=True).fit(X_train, y_train)  # packed while training
    hook.remove()
    assert seen and all(seen)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_mixed_precision_step(digits, monkeypatch, dtype):
    """The autocast step in either 16-bit precision, run on the CPU by
    making the engine train every call in it (float16 is refused on the CPU
    otherwise, being CUDA's), whatever the estimator resolved.

    float16 also goes through the gradient scaler. The convolutions compute
    in the reduced precision and the network still learns. (float16 is slow
    on CPUs, hence the narrow network and the 300 images.)
    """
    X_train, X_test, y_train, y_test = digits
    X_train, y_train = X_train[:300], y_train[:300]
    monkeypatch.setattr(engine_net, "autocast_dtype", lambda precision: dtype)
    seen = []
    cnn = SmallCNN(n_filters=8, batch_size=32, max_epochs=1, random_state=0)
    cnn.fit(X_train, y_train)
    conv = next(m for m in cnn.net_.module_.modules() if isinstance(m, torch.nn.Conv2d))
    conv.register_forward_hook(lambda module, inputs, output: seen.append(output.dtype))
    cnn.set_params(warm_start=True, max_epochs=10).fit(X_train, y_train)
    assert dtype in seen
    assert (cnn.net_.grad_scaler_ is not None) == (dtype == torch.float16)
    assert cnn.score(X_test, y_test) > 0.6


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_fit_under_autocast_matches_cpu_accuracy(digits):
    X_train, X_test, y_train, y_test = digits
    gpu = SmallCNN(max_epochs=20, device="cuda", random_state=0)
    gpu.fit(X_train, y_train)
    assert gpu.device_.startswith("cuda")
    assert gpu.net_.autocast_dtype_ in (torch.bfloat16, torch.float16)
    assert gpu.precision_ in ("bfloat16", "float16")
    cpu = SmallCNN(max_epochs=20, device="cpu", precision="float32", random_state=0)
    cpu.fit(X_train, y_train)
    assert abs(gpu.score(X_test, y_test) - cpu.score(X_test, y_test)) < 0.03
    assert gpu.score(X_test, y_test) >= 0.97
    restored = pickle.loads(pickle.dumps(gpu))
    np.testing.assert_array_equal(restored.predict(X_test), gpu.predict(X_test))


def test_prediction_runs_in_cache_sized_chunks(digits):
    """Convolutional activations dwarf the input: at most 128 images a chunk
    on the CPU, whatever the input's size in bytes."""
    X_train, X_test, y_train, _ = digits
    cnn = SmallCNN(**SMALL).fit(X_train, y_train)
    sizes = []
    cnn.net_.module_.register_forward_hook(
        lambda module, inputs, output: sizes.append(len(inputs[0]))
    )
    expected = cnn.predict_proba(X_test)
    assert sizes == [128, 128, 104]
    np.testing.assert_allclose(
        expected[:5], cnn.predict_proba(X_test[:5]), rtol=1e-5, atol=1e-7
    )


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_module_computes_buells_layer_order(padding):
    """Pooling before the second ReLU of a block is the paper's network:
    same outputs, same gradients, as conv-ReLU-conv-ReLU-pool."""
    from skneuro.neural_network._modules import SmallCNNModule

    torch.manual_seed(0)
    module = SmallCNNModule(1, (20, 20), 3, n_filters=4, padding=padding)
    convs = [m for m in module.layers if isinstance(m, torch.nn.Conv2d)]
    linears = [m for m in module.layers if isinstance(m, torch.nn.Linear)]
    ceil = padding == "same"
    paper = []
    for first, second in (convs[:2], convs[2:]):
        paper += [first, torch.nn.ReLU(), second, torch.nn.ReLU()]
        paper.append(torch.nn.MaxPool2d(2, ceil_mode=ceil))
    paper.append(torch.nn.Flatten())
    for linear in linears[:-1]:
        paper += [linear, torch.nn.ReLU()]
    paper = torch.nn.Sequential(*paper, linears[-1])
    X = torch.randn(6, 1, 20, 20)
    grads = []
    for net in (module, paper):
        net.zero_grad()
        out = net(X)
        out.square().sum().backward()
        grads.append([p.grad.clone() for p in module.parameters()])
        if net is module:
            expected = out.detach()
    torch.testing.assert_close(paper(X), expected)
    for ours, theirs in zip(*grads, strict=True):
        torch.testing.assert_close(ours, theirs)


def test_ctrl_c_mid_epoch_keeps_the_model_of_the_last_finished_epoch(digits):
    """A real SIGINT mid-epoch: KeyboardInterrupt, and the model of the last
    finished epoch, as fitted and usable."""
    import signal

    from test_neural_base import InterruptAt, RecordWeights

    X_train, X_test, y_train, _ = digits
    clf = SmallCNN(
        **{**SMALL, "max_epochs": 3},
        batch_size=256,  # six batches an epoch
        n_threads=1,
        callbacks=[RecordWeights(), InterruptAt(epoch=3, batch=2)],
    )
    # As in an interactive session (a shell starts background jobs with
    # SIGINT ignored).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            clf.fit(X_train, y_train)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert clf.n_epochs_ == len(clf.history_) == len(clf.loss_curve_) == 2
    assert all("train_loss" in row for row in clf.history_)
    kept = dict(clf.net_.callbacks_)["RecordWeights"].per_epoch[-1]
    for p, expected in zip(clf.net_.module_.parameters(), kept, strict=True):
        torch.testing.assert_close(p.detach(), expected, rtol=0, atol=0)
    assert clf.predict(X_test).shape == (len(X_test),)


@pytest.mark.parametrize("dense_units", [(2.5,), (64, 32.0), np.array([8.0]), [True]])
def test_dense_units_must_be_integers(no_training, dense_units):
    """Issue: dense_units=(2.5,) silently became 2."""
    X = np.zeros((4, 8, 8), dtype=np.float32)
    with pytest.raises(ValueError, match="dense_units must hold positive ints"):
        SmallCNN(dense_units=dense_units).fit(X, [0, 1, 0, 1])
