"""ONNX export: onnxruntime's outputs against the estimators' own.

Parity on held-out data for every estimator with a converter and for the
pipelines a user ships: labels identical, probabilities within 1e-5 (dense
networks) or 1e-4 (convolutional ones) of ``predict_proba``, transforms
within float32 rounding.
"""

import numpy as np
import pytest
from skimage import data
from sklearn.datasets import load_digits, load_iris
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skneuro import (
    FeatureGroupSelector,
    GoogLeNetClassifier,
    LocalPhaseQuantization,
    MLPClassifier,
    PoolInterpolate,
    PruningAutoencoder,
    PyramidHOG,
    SmallCNN,
    make_feature_table,
)
from skneuro.utils import all_estimators

ort = pytest.importorskip("onnxruntime", reason="needs the onnx extra")
skl2onnx = pytest.importorskip("skl2onnx", reason="needs the onnx extra")
skneuro_onnx = pytest.importorskip("skneuro.onnx", reason="needs the onnx extra")
to_onnx = skneuro_onnx.to_onnx


def _run(onnx_model, X):
    session = ort.InferenceSession(
        onnx_model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {"X": X})


def _assert_classifier_parity(model, X_train, X_test, atol):
    label, proba = _run(to_onnx(model, X_train[:1]), np.asarray(X_test))
    np.testing.assert_array_equal(label, model.predict(X_test))
    np.testing.assert_allclose(proba, model.predict_proba(X_test), rtol=0, atol=atol)
    return label, proba


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16).astype(np.float32), y


@pytest.fixture(scope="module")
def hao_table():
    """Hao's feature-table layout, labels as expression names."""
    table = make_feature_table(240, random_state=0)
    X = table.data.dropna()
    y = np.char.add("expression_", table.target[X.index].astype(str))
    return X, y


def test_mlp_pipeline_string_labels_two_hidden_layers(hao_table):
    X, y = hao_table
    pipe = make_pipeline(
        FeatureGroupSelector(select=["lpq", "phog"]),
        StandardScaler(),
        PCA(n_components=6),
        MLPClassifier(hidden_units=(16, 8), max_epochs=200, random_state=0),
    ).fit(X[:160], y[:160])
    label, _ = _assert_classifier_parity(pipe, X[:160], X[160:], atol=1e-5)
    assert label.dtype == object and set(label) <= set(y)


def test_mlp_integer_and_binary_labels():
    X, y = load_iris(return_X_y=True)
    X = X.astype(np.float32)
    for labels in (y + 10, (y == 2).astype(int), y == 2, y * 2.0):
        clf = MLPClassifier(hidden_units=4, max_epochs=60, random_state=0)
        clf.fit(X[::2], labels[::2])
        label, proba = _run(to_onnx(clf, X[:1]), X[1::2])
        assert label.dtype == np.int64
        np.testing.assert_array_equal(label, clf.predict(X[1::2]).astype(np.int64))
        np.testing.assert_allclose(proba, clf.predict_proba(X[1::2]), atol=1e-5)


def test_pool_interpolate_scaler_small_cnn(digits):
    X, y = digits
    pipe = make_pipeline(
        PoolInterpolate(pool_size=2),
        StandardScaler(),
        SmallCNN(image_shape=(8, 8), n_filters=4, dense_units=(16,), max_epochs=4),
    ).set_params(smallcnn__random_state=0)
    pipe.fit(X[:600], y[:600])
    _assert_classifier_parity(pipe, X[:600], X[600:], atol=1e-4)


@pytest.mark.parametrize("layout", ["channels_last", "3d"])
def test_small_cnn_image_layouts(digits, layout):
    X, y = digits
    images = X.reshape(-1, 1, 8, 8)
    if layout == "channels_last":
        images = images.transpose(0, 2, 3, 1).copy()
    elif layout == "3d":
        images = images[:, 0]
    cnn = SmallCNN(n_filters=4, dense_units=(8,), max_epochs=2, random_state=0)
    cnn.fit(images[:300], y[:300])
    _assert_classifier_parity(cnn, images[:300], images[300:500], atol=1e-4)


def test_googlenet_resizes_inside_the_graph(digits):
    """Images of 24x24 shrunk (antialiased) to the network's 16x16 input."""
    X, y = digits
    images = np.kron(X.reshape(-1, 8, 8), np.ones((3, 3), np.float32))
    clf = GoogLeNetClassifier(
        input_size=16, max_epochs=1, batch_size=64, random_state=0
    ).fit(images[:200], y[:200])
    _assert_classifier_parity(clf, images[:200], images[200:400], atol=1e-4)


def test_autoencoder_transform_and_inverse_transform():
    X, _ = load_iris(return_X_y=True)
    ae = PruningAutoencoder(
        hidden_units=4, max_epochs=20, retrain_epochs=2, lr=0.05, random_state=0
    ).fit(X[::2])
    codes = _run(to_onnx(ae, X[:1]), X[1::2])[0]
    np.testing.assert_allclose(codes, ae.transform(X[1::2]), rtol=0, atol=1e-6)
    assert codes.shape[1] == ae.n_hidden_units_
    restored = _run(to_onnx(ae, codes[:1], method="inverse_transform"), codes)[0]
    np.testing.assert_allclose(
        restored, ae.inverse_transform(codes), rtol=0, atol=1e-5
    )
    with pytest.raises(TypeError, match="PruningAutoencoder's decoder"):
        to_onnx(MLPClassifier().fit(X, X[:, 0] > 5), X[:1], method="inverse_transform")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(64,), (8, 8), (2, 8, 8), (8, 8, 2)])
def test_pool_interpolate(digits, dtype, shape):
    X = np.resize(digits[0][:40], (40, *shape)).astype(dtype)
    pool = PoolInterpolate(pool_size=2, image_shape=(8, 8) if len(shape) == 1 else None)
    pool.fit(X)
    (out,) = _run(to_onnx(pool, X[:1]), X)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, pool.transform(X), rtol=1e-6, atol=1e-6)


def test_feature_group_selector(hao_table):
    X = hao_table[0]
    selector = FeatureGroupSelector(select="phog").fit(X)
    (out,) = _run(to_onnx(selector, X[:1]), X.to_numpy())
    np.testing.assert_array_equal(out, np.asarray(selector.transform(X)))


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"window_size": 5, "grid": (2, 3)},
        {"window_size": 7, "decorrelate": False, "frequency_estimation": "gaussian"},
    ],
)
def test_lpq_histograms_are_bit_identical(params):
    camera = data.camera()[::8, ::8].astype(np.float64)
    noise = np.random.RandomState(0).rand(64, 64) * 255
    images = np.stack([camera, camera.T, noise, np.zeros((64, 64))])
    lpq = LocalPhaseQuantization(**params).fit(images)
    (out,) = _run(to_onnx(lpq, images[:1]), images)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, lpq.transform(images))
    rgb = np.stack([images, images / 2, images[:, ::-1]], axis=-1)
    rgb = (rgb / 255).astype(np.float32)
    lpq = LocalPhaseQuantization(**params).fit(rgb)
    (out,) = _run(to_onnx(lpq, rgb[:1]), rgb)
    assert out.dtype == np.float32  # computed in float64, given as the input
    np.testing.assert_array_equal(out, lpq.transform(rgb).astype(np.float32))


def test_images_to_labels_through_lpq(digits):
    """Raw images in, labels out: LPQ, scaling, PCA and the MLP in one graph."""
    X, y = digits
    pipe = make_pipeline(
        LocalPhaseQuantization(image_shape=(8, 8)),
        StandardScaler(),
        PCA(n_components=10),
        MLPClassifier(hidden_units=16, max_epochs=100, random_state=0),
    ).fit(X[:500], y[:500])
    _assert_classifier_parity(pipe, X[:500], X[500:900], atol=1e-5)


def test_skl2onnx_converts_skneuro_pipelines_once_imported(hao_table):
    """The converters are registered: skl2onnx's own entry point works, with
    its default ZipMap of probabilities."""
    X, y = hao_table
    pipe = make_pipeline(
        StandardScaler(), MLPClassifier(hidden_units=4, max_epochs=30)
    ).fit(X, y)
    onnx_model = skl2onnx.to_onnx(pipe, X.to_numpy()[:1])
    session = ort.InferenceSession(onnx_model.SerializeToString())
    label, proba = session.run(None, {session.get_inputs()[0].name: X.to_numpy()})
    np.testing.assert_array_equal(label, pipe.predict(X))
    assert proba[0].keys() == set(pipe.classes_)


def test_what_cannot_be_exported_is_refused_by_name(digits):
    X = digits[0][:20].reshape(-1, 8, 8)
    pipe = make_pipeline(
        PyramidHOG(levels=1), MLPClassifier(max_epochs=2)
    ).fit(X, np.arange(20) % 2)
    with pytest.raises(TypeError, match="PyramidHOG cannot be exported.*hysteresis"):
        to_onnx(pipe, X[:1])


def test_refuses_unfitted_models_and_bad_samples(digits):
    with pytest.raises(NotFittedError):
        to_onnx(MLPClassifier(), digits[0][:1])
    fitted = PoolInterpolate(image_shape=(8, 8)).fit(digits[0])
    with pytest.raises(ValueError, match="X_sample must hold at least one sample"):
        to_onnx(fitted, digits[0][:0])
    with pytest.raises(ValueError, match="X has 128 features"):
        # Read as 8x8 images, 128 columns would be two images a row.
        to_onnx(fitted, np.hstack([digits[0][:1]] * 2))
    with pytest.raises(ValueError, match="method must be one of"):
        to_onnx(fitted, digits[0][:1], method="score")


def test_every_estimator_is_exported_or_says_why():
    from skneuro.onnx._converters import CONVERTERS

    names = {cls.__name__ for cls in CONVERTERS}
    for name, _ in all_estimators():
        assert (name in names) != (name in skneuro_onnx.NOT_EXPORTABLE), name
