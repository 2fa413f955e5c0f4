"""GoogLeNetClassifier: torchvision's GoogLeNet on raw images, weights local."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.model_selection import train_test_split
from torchvision.models import GoogLeNet

from skneuro.datasets import load_lfw_faces
from skneuro.neural_network import GoogLeNetClassifier
from skneuro.neural_network._modules import GoogLeNetModule, SmallCNNModule
from skneuro.neural_network._modules.googlenet import TRUNK

#: The smallest network input, one epoch: a fit takes well under a second.
QUICK = {"input_size": 16, "max_epochs": 1, "random_state": 0}


@pytest.fixture(scope="module")
def faces():
    """scikit-image's 25x25 faces and non-faces, split 80/20 stratified."""
    bunch = load_lfw_faces()
    return train_test_split(
        bunch.images,
        bunch.target,
        test_size=0.2,
        stratify=bunch.target,
        random_state=0,
    )


@pytest.fixture(scope="module")
def imagenet_like_weights(tmp_path_factory):
    """A state dict in the layout of torchvision's pretrained GoogLeNet
    (1000 classes, auxiliary heads), with random values: nothing downloads."""
    torch.manual_seed(0)
    net = GoogLeNet(num_classes=1000, aux_logits=True, init_weights=False)
    path = tmp_path_factory.mktemp("weights") / "googlenet.pt"
    torch.save(net.state_dict(), path)
    return path, net.state_dict()


def _trunk(module):
    return {
        k: v.detach().clone()
        for k, v in module.net.state_dict().items()
        if k.split(".", 1)[0] in TRUNK
    }


def test_trunk_names_cover_torchvisions_googlenet():
    """TRUNK must name every parameterised child but the classifier heads."""
    net = GoogLeNet(aux_logits=True, init_weights=False)
    with_params = {
        name
        for name, child in net.named_children()
        if next(child.parameters(), None) is not None
    }
    assert with_params - set(TRUNK) == {"aux1", "aux2", "fc"}
    assert set(TRUNK) <= with_params


@pytest.mark.parametrize(
    ("shape", "dtype", "channels"),
    [
        ((24, 625), np.float64, 1),
        ((24, 25, 25), np.float32, 1),
        ((24, 1, 25, 25), np.uint8, 1),
        ((24, 3, 20, 30), np.float32, 3),
    ],
)
def test_image_layouts_and_dtypes(shape, dtype, channels):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 255, size=shape).astype(dtype)
    y = np.arange(24) % 2
    clf = GoogLeNetClassifier(**QUICK).fit(X, y)
    assert clf.n_channels_ == channels
    assert clf.predict_proba(X).shape == (24, 2)
    # Normalisation learnt from the training images, per channel.
    images = X.reshape(24, channels, -1).astype(np.float64)
    np.testing.assert_allclose(clf.input_mean_[0], images[:, 0].mean(), rtol=1e-6)
    np.testing.assert_allclose(clf.input_std_[0], images[:, 0].std(), rtol=1e-6)


def test_accuracy_on_the_shipped_faces(faces):
    X_train, X_test, y_train, y_test = faces
    clf = GoogLeNetClassifier(input_size=32, max_epochs=10, random_state=0)
    clf.fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.85


def test_bad_input_fails_before_training(faces, tmp_path, no_training):
    X, _, y, _ = faces
    with pytest.raises(FileNotFoundError, match="weights=.*no such file"):
        GoogLeNetClassifier(weights=tmp_path / "missing.pt").fit(X, y)
    garbage = tmp_path / "garbage.pt"
    garbage.write_text("not a tensor file")
    with pytest.raises(ValueError, match="not a PyTorch state-dict file"):
        GoogLeNetClassifier(weights=garbage).fit(X, y)
    other = tmp_path / "small_cnn.pt"
    torch.save(SmallCNNModule(1, (8, 8), 2).state_dict(), other)
    with pytest.raises(ValueError, match="does not fit torchvision's GoogLeNet"):
        GoogLeNetClassifier(weights=str(other)).fit(X, y)
    with pytest.raises(ValueError, match="freeze=True .* weights=None"):
        GoogLeNetClassifier(freeze=True).fit(X, y)
    with pytest.raises(ValueError, match="got 4 channels"):
        GoogLeNetClassifier().fit(np.zeros((10, 4, 8, 8)), np.arange(10) % 2)
    with pytest.raises(ValueError, match="input_size"):
        GoogLeNetClassifier(input_size=8).fit(X, y)


def test_weights_of_another_shape_are_named(tmp_path, no_training, faces):
    X, _, y, _ = faces
    state = GoogLeNet(aux_logits=False, init_weights=False).state_dict()
    state["conv1.conv.weight"] = torch.zeros(64, 1, 7, 7)
    path = tmp_path / "one_channel.pt"
    torch.save(state, path)
    with pytest.raises(ValueError, match=r"conv1\.conv\.weight.*\(64, 1, 7, 7\)"):
        GoogLeNetClassifier(weights=path).fit(X, y)


def test_pretrained_trunk_is_loaded_and_frozen(faces, imagenet_like_weights):
    X_train, _, y_train, _ = faces
    path, state = imagenet_like_weights
    clf = GoogLeNetClassifier(weights=path, freeze=True, **QUICK)
    clf.fit(X_train, y_train)
    module = clf.net_.module_
    assert (clf.input_mean_, clf.input_std_) == ((0.5,) * 3, (0.5,) * 3)
    # The trunk is the file's, untouched by training (batch-norm statistics
    # included); the new two-class classifier trained.
    for key, value in _trunk(module).items():
        torch.testing.assert_close(value, state[key], msg=key)
    assert not any(
        p.requires_grad
        for name in TRUNK
        for p in getattr(module.net, name).parameters()
    )
    assert module.net.fc.out_features == 2
    assert clf.loss_curve_[0] > 0


def test_trunk_trained_at_a_fraction_of_the_rate(faces, imagenet_like_weights):
    X_train, _, y_train, _ = faces
    path, state = imagenet_like_weights
    clf = GoogLeNetClassifier(weights=path, freeze=0.1, lr=1e-3, **QUICK)
    clf.fit(X_train, y_train)
    rates = sorted({g["lr"] for g in clf.net_.optimizer_.param_groups})
    assert rates == pytest.approx([1e-4, 1e-3])
    trunk = _trunk(clf.net_.module_)
    assert not torch.equal(trunk["conv1.conv.weight"], state["conv1.conv.weight"])


def test_a_fitted_module_state_dict_starts_a_new_network(faces, tmp_path):
    """Keys of a GoogLeNetModule ("net." first) load, the classifier too when
    the classes agree."""
    X_train, X_test, y_train, _ = faces
    clf = GoogLeNetClassifier(**QUICK).fit(X_train, y_train)
    path = tmp_path / "fitted.pt"
    torch.save(clf.net_.module_.state_dict(), path)
    module = GoogLeNetModule(1, 2, input_size=16, weights=path)
    for key, value in clf.net_.module_.net.state_dict().items():
        torch.testing.assert_close(module.net.state_dict()[key], value, msg=key)


def test_auxiliary_losses_weigh_in_training(faces):
    X_train, X_test, y_train, _ = faces
    module = GoogLeNetModule(1, 2, input_size=32, aux_logits=True).train()
    X = torch.as_tensor(X_train[:8, None], dtype=torch.float32)
    y = torch.as_tensor(y_train[:8])
    logits, aux2, aux1 = module(X)
    criterion = torch.nn.CrossEntropyLoss()
    expected = criterion(logits, y) + 0.3 * (criterion(aux1, y) + criterion(aux2, y))
    torch.testing.assert_close(
        module.training_loss((logits, aux2, aux1), y, criterion), expected
    )
    clf = GoogLeNetClassifier(aux_logits=True, **QUICK).fit(X_train, y_train)
    assert clf.predict_proba(X_test).shape == (len(X_test), 2)


def test_same_seed_same_model_and_pickle_round_trip(faces):
    X_train, X_test, y_train, _ = faces
    first = GoogLeNetClassifier(**QUICK).fit(X_train, y_train)
    again = GoogLeNetClassifier(**QUICK).fit(X_train, y_train)
    proba = first.predict_proba(X_test)
    np.testing.assert_array_equal(again.predict_proba(X_test), proba)
    restored = pickle.loads(pickle.dumps(first))
    np.testing.assert_array_equal(restored.predict_proba(X_test), proba)


def test_a_cuda_pickled_googlenet_loads_on_the_cpu(
    faces, check_cuda_pickle_loads_on_cpu
):
    X_train, X_test, y_train, _ = faces
    clf = GoogLeNetClassifier(**QUICK).fit(X_train, y_train)
    check_cuda_pickle_loads_on_cpu(clf, X_test)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_fit_under_autocast(faces):
    X_train, X_test, y_train, y_test = faces
    clf = GoogLeNetClassifier(
        input_size=32, max_epochs=10, device="cuda", random_state=0
    ).fit(X_train, y_train)
    assert clf.net_.autocast_dtype_ in (torch.bfloat16, torch.float16)
    assert clf.score(X_test, y_test) >= 0.85
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict(X_test), clf.predict(X_test))


def test_batch_norm_statistics_are_those_of_the_final_weights(faces):
    """After training, evaluation mode normalises with statistics computed
    over the training data with the weights training ended with."""
    X_train, _, y_train, _ = faces
    clf = GoogLeNetClassifier(**QUICK).fit(X_train, y_train)
    module = clf.net_.module_.eval()
    outputs = []
    hook = module.net.conv1.conv.register_forward_hook(
        lambda layer, inputs, output: outputs.append(output)
    )
    with torch.no_grad():
        module(torch.as_tensor(X_train[:, None], dtype=torch.float32))
    hook.remove()
    torch.testing.assert_close(
        module.net.conv1.bn.running_mean,
        outputs[0].mean(dim=(0, 2, 3)),
        rtol=1e-4,
        atol=1e-5,
    )
    assert module.net.conv1.bn.momentum is not None  # training settings back


def test_pretrained_weights_warn_about_pixels_beyond_0_1(faces, imagenet_like_weights):
    """Issue: ImageNet's normalisation silently applied to 0..255 pixels."""
    X_train, X_test, y_train, _ = faces
    X_train, X_test, y_train = X_train[::4], X_test[::4], y_train[::4]
    path, _ = imagenet_like_weights
    clf = GoogLeNetClassifier(weights=path, freeze=True, **QUICK)
    with pytest.warns(UserWarning, match=r"values from 0 to 2\d\d.*X / 255"):
        clf.fit(np.round(X_train * 255), y_train)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.fit(X_train, y_train)  # [0, 1]: no warning
        clf.predict(X_test)
    with pytest.warns(UserWarning, match="pretrained network expects"):
        clf.predict(X_test * 255)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # Without weights the training images' own statistics normalise.
        GoogLeNetClassifier(**QUICK).fit(X_train * 255, y_train)


#: 64 training faces in four batches an epoch, one thread: quick.
CTRL_C = {**QUICK, "max_epochs": 3, "batch_size": 16, "n_threads": 1}


def _interrupted_googlenet(faces):
    """A fit on 64 faces stopped by a real SIGINT at the second batch of its
    second epoch; its ``RecordWeights`` holds each finished epoch's weights."""
    import signal

    from test_neural_base import InterruptAt, RecordWeights

    X_train, _, y_train, _ = faces
    clf = GoogLeNetClassifier(
        **CTRL_C, callbacks=[RecordWeights(), InterruptAt(epoch=2, batch=2)]
    )
    # As in an interactive session (a shell starts background jobs with
    # SIGINT ignored).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            clf.fit(X_train[:64], y_train[:64])
    finally:
        signal.signal(signal.SIGINT, previous)
    return clf


def test_ctrl_c_mid_epoch_keeps_the_model_of_the_last_finished_epoch(faces):
    clf = _interrupted_googlenet(faces)
    assert clf.n_epochs_ == len(clf.history_) == len(clf.loss_curve_) == 1
    kept = dict(clf.net_.callbacks_)["RecordWeights"].per_epoch[-1]
    for p, expected in zip(clf.net_.module_.parameters(), kept, strict=True):
        torch.testing.assert_close(p.detach(), expected, rtol=0, atol=0)
    X_test = faces[1]
    assert clf.predict(X_test).shape == (len(X_test),)


def test_ctrl_c_keeps_the_batch_norm_statistics_of_an_uninterrupted_fit(faces):
    """The model kept after a Ctrl-C predicts as a fit of as many epochs."""
    clf = _interrupted_googlenet(faces)
    X_train, X_test, y_train, _ = faces
    reference = GoogLeNetClassifier(**{**CTRL_C, "max_epochs": 1})
    reference.fit(X_train[:64], y_train[:64])
    for p, expected in zip(
        clf.net_.module_.parameters(), reference.net_.module_.parameters(), strict=True
    ):
        torch.testing.assert_close(p.detach(), expected.detach(), rtol=0, atol=0)
    np.testing.assert_allclose(
        clf.predict_proba(X_test), reference.predict_proba(X_test), atol=1e-5
    )
