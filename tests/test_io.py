"""skneuro.io: model files that round-trip bit for bit and load without pickle."""

import io
import json
import pickle
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
import skops.io
import torch
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import Callback

from skneuro.datasets import load_digits_images
from skneuro.feature_extraction import make_hao_features
from skneuro.io import TRUSTED, ModelFileError, dump, load
from skneuro.neural_network import (
    DistinctivenessPruning,
    GoogLeNetClassifier,
    MLPClassifier,
    PruningAutoencoder,
    SmallCNN,
)
from skneuro.preprocessing import FeatureGroupSelector, PoolInterpolate
from skneuro.utils import all_estimators

# Small, fast settings of each estimator: (init parameters, data kind).
SETTINGS = {
    "FeatureGroupSelector": (
        {"groups": {"a": [0, 1], "b": [2, 3]}, "select": "b"},
        "iris",
    ),
    "GoogLeNetClassifier": (
        {"input_size": 16, "max_epochs": 1, "batch_size": 20, "random_state": 0},
        "digits",
    ),
    "LocalPhaseQuantization": ({}, "digits"),
    "MLPClassifier": ({"hidden_units": 8, "max_epochs": 5, "random_state": 0}, "iris"),
    "PoolInterpolate": ({}, "digits"),
    "PruningAutoencoder": (
        {"hidden_units": 4, "max_epochs": 10, "retrain_epochs": 2, "random_state": 0},
        "iris",
    ),
    "PyramidHOG": ({}, "digits"),
    "SmallCNN": (
        {"n_filters": 2, "dense_units": (8,), "max_epochs": 2, "random_state": 0},
        "digits",
    ),
}
METHODS = ("predict", "predict_proba", "transform", "inverse_transform")


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return X[::3], y[::3]


@pytest.fixture(scope="module")
def digits():
    data = load_digits_images()
    return data.images[:40] / 16.0, data.target[:40]


def _round_trip(model, tmp_path, **kwargs):
    path = tmp_path / "model.skneuro"
    dump(model, path)
    return load(path, **kwargs)


def _outputs(model, X):
    out = {}
    for method in METHODS[:3]:
        if hasattr(model, method):
            result = getattr(model, method)(X)
            if method == "transform" and hasattr(model, "inverse_transform"):
                out["inverse_transform"] = model.inverse_transform(result)
            out[method] = np.asarray(result)
    return out


def _assert_same_outputs(model, loaded, X):
    expected, got = _outputs(model, X), _outputs(loaded, X)
    assert expected and expected.keys() == got.keys()
    for method in expected:
        np.testing.assert_array_equal(got[method], expected[method], err_msg=method)


def test_allow_list_covers_every_estimator():
    names = {f"{cls.__module__}.{cls.__qualname__}" for _, cls in all_estimators()}
    assert names <= set(TRUSTED)
    assert isinstance(TRUSTED, tuple)


@pytest.mark.parametrize("name, Estimator", all_estimators())
def test_round_trip_is_bit_identical(name, Estimator, iris, digits, tmp_path):
    params, data = SETTINGS[name]
    X, y = iris if data == "iris" else digits
    model = Estimator(**params).fit(X, y)
    loaded = _round_trip(model, tmp_path)
    assert type(loaded) is Estimator
    assert loaded.get_params() == model.get_params()
    _assert_same_outputs(model, loaded, X)
    if hasattr(model, "net_"):
        assert loaded.history_ is loaded.net_.history
        assert list(loaded.history_) == list(model.history_)
        assert loaded.device_ == "cpu"


@pytest.mark.parametrize("name, Estimator", all_estimators())
def test_unfitted_round_trip(name, Estimator, tmp_path):
    model = Estimator(**SETTINGS[name][0])
    loaded = _round_trip(model, tmp_path)
    assert type(loaded) is Estimator
    assert loaded.get_params() == model.get_params()
    assert not hasattr(loaded, "n_features_in_")


def test_string_labels_and_floats(iris, tmp_path):
    X, y = iris
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    model = MLPClassifier(
        hidden_units=8, max_epochs=5, random_state=0, early_stopping=True
    ).fit(X, labels)
    model.extra_ = {
        np.float32(0.1): (np.float64(np.nan), float("-inf"), np.int8(-3)),
        (1, "a"): slice(1, None, 2),
        "dtype": np.dtype("float32"),
        "objects": np.array(["a", 1, 2.5, None], dtype=object),
    }
    loaded = _round_trip(model, tmp_path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.classes_, model.classes_)
    (key, value), *_ = loaded.extra_.items()
    assert type(key) is np.float32 and key == np.float32(0.1)
    assert np.isnan(value[0]) and type(value[0]) is np.float64
    assert value[1:] == (float("-inf"), np.int8(-3))
    assert loaded.extra_[(1, "a")] == slice(1, None, 2)
    assert loaded.extra_["dtype"] == np.float32
    assert loaded.extra_["objects"].tolist() == ["a", 1, 2.5, None]
    assert loaded.net_.validation_score is model.net_.validation_score


def test_float32_scalars_round_trip_exactly(tmp_path):
    values = np.random.default_rng(0).normal(size=50)
    model = FeatureGroupSelector()
    model.values_ = [np.float32(v) for v in values] + [np.float64(v) for v in values]
    loaded = _round_trip(model, tmp_path)
    for a, b in zip(loaded.values_, model.values_, strict=True):
        assert type(a) is type(b) and a.tobytes() == b.tobytes()


def test_feature_group_pipeline_with_string_labels(iris, tmp_path):
    X, y = iris
    labels = np.array(["a", "b", "c"])[y]
    pipeline = make_pipeline(
        FeatureGroupSelector(groups={"x": [0, 1], "y": [2, 3]}, select=["x", "y"]),
        StandardScaler(),
        PCA(3),
        MLPClassifier(hidden_units=(16, 8), max_epochs=5, random_state=0),
    ).fit(X, labels)
    loaded = _round_trip(pipeline, tmp_path)
    np.testing.assert_array_equal(loaded.predict(X), pipeline.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), pipeline.predict_proba(X))


def test_pool_interpolate_cnn_pipeline(digits, tmp_path):
    X, y = digits
    X = X.reshape(len(X), -1)
    pipeline = make_pipeline(
        PoolInterpolate(image_shape=(8, 8)),
        StandardScaler(),
        SmallCNN(
            image_shape=(8, 8),
            n_filters=2,
            dense_units=(8,),
            max_epochs=2,
            random_state=0,
        ),
    ).fit(X, y)
    loaded = _round_trip(pipeline, tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), pipeline.predict_proba(X))
    # Both axes share the (read-only) matrices of 8 pixels: one member.
    first, second = (m[np.dtype(np.float32)]["full"] for m in loaded[0]._matrices)
    assert first is second and not first.flags.writeable


def test_googlenet_resizes_after_load(digits, tmp_path):
    X, y = digits
    model = GoogLeNetClassifier(
        input_size=20, max_epochs=1, batch_size=20, random_state=0
    ).fit(X, y)
    loaded = _round_trip(model, tmp_path)
    assert loaded.net_.module__weights is None
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_hao_features(digits, tmp_path):
    X, _ = digits
    features = make_hao_features(n_components=3).fit(X[:20])
    loaded = _round_trip(features, tmp_path)
    expected = features.transform(X)
    got = loaded.transform(X)
    assert list(got.columns) == list(expected.columns)
    np.testing.assert_array_equal(got.to_numpy(), expected.to_numpy())


def test_pruned_autoencoder(iris, tmp_path):
    X, _ = iris
    model = PruningAutoencoder(
        hidden_units=6,
        loss_threshold=2.0,
        max_epochs=20,
        retrain_epochs=2,
        lr=0.05,
        random_state=0,
    ).fit(X)
    assert len(model.networks_) > 1
    loaded = _round_trip(model, tmp_path)
    assert sorted(loaded.networks_) == sorted(model.networks_)
    for width, layer in model.networks_.items():
        assert type(loaded.networks_[width]) is type(layer)
        for a, b in zip(loaded.networks_[width], layer, strict=True):
            np.testing.assert_array_equal(a, b)
    assert loaded.net_.module__hidden_units == model.n_hidden_units_
    _assert_same_outputs(model, loaded, X)
    other = min(model.networks_)
    np.testing.assert_array_equal(
        loaded.set_params(n_components=other).transform(X),
        model.set_params(n_components=other).transform(X),
    )


def test_distinctiveness_pruned_mlp(iris, tmp_path):
    X, y = iris
    model = MLPClassifier(
        hidden_units=20,
        max_epochs=6,
        random_state=0,
        callbacks=[DistinctivenessPruning(every=3, similar_angle=60)],
    ).fit(X, y)
    loaded = _round_trip(model, tmp_path)
    assert loaded.callbacks[0].get_params() == model.callbacks[0].get_params()
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize("how", ["partial_fit", "warm_start"])
def test_training_continues_from_the_loaded_model(how, iris, tmp_path):
    X, y = iris
    model = MLPClassifier(hidden_units=8, max_epochs=3, random_state=0).fit(X, y)
    loaded = _round_trip(model, tmp_path)
    for estimator in (model, loaded):
        if how == "partial_fit":
            estimator.partial_fit(X, y)
        else:
            estimator.set_params(warm_start=True).fit(X, y)
    assert loaded.n_epochs_ == model.n_epochs_
    np.testing.assert_allclose(
        loaded.predict_proba(X), model.predict_proba(X), rtol=0, atol=1e-6
    )


def test_cuda_trained_model_loads_on_cpu(iris, tmp_path):
    if torch.cuda.is_available():
        pytest.skip("needs a machine without CUDA")
    X, y = iris
    model = MLPClassifier(hidden_units=8, max_epochs=3, random_state=0).fit(X, y)
    expected = model.predict_proba(X)
    model.net_.device = "cuda"
    model.device_ = "cuda"
    loaded = _round_trip(model, tmp_path)
    assert loaded.device_ == "cpu" and loaded.net_.device == "cpu"
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)


# -- hostile files ------------------------------------------------------------
class _Touch:
    """Pickles to a call that creates ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (Path(self.marker).touch, ())


@pytest.fixture
def model_file(iris, tmp_path):
    X, y = iris
    pipeline = make_pipeline(
        StandardScaler(), MLPClassifier(hidden_units=4, max_epochs=2, random_state=0)
    ).fit(X, y)
    path = tmp_path / "good.skneuro"
    dump(pipeline, path)
    return path


def _rewrite(path, change):
    """Rewrite the archive at ``path``: ``change(members)`` edits a dict."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    change(members)
    bad = path.with_name("bad.skneuro")
    with zipfile.ZipFile(bad, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return bad


def _edit_json(members, edit):
    document = json.loads(members["model.json"])
    edit(document)
    members["model.json"] = json.dumps(document)


def _pickled_object_array(marker):
    buffer = io.BytesIO()
    np.save(buffer, np.array([_Touch(marker)], dtype=object), allow_pickle=True)
    return buffer.getvalue()


def _name_function(document):
    document["root"] = {"__function__": "os.system"}


def _name_object(document):
    document["root"] = {"__object__": "subprocess.Popen", "state": []}


def _name_net_as_object(document):
    # Nets are rebuilt through their constructor only: skorch's
    # __setstate__ would unpickle.
    document["root"] = {"__object__": "skneuro._engine.net.TrainingNet", "state": []}


def _skops_untrusted(members):
    members["skops/0.skops"] = skops.io.dumps(_Touch("unused"))


HOSTILE = {
    "extra pickle member": (
        lambda m, marker: m.update({"evil.pkl": pickle.dumps(_Touch(marker))}),
        "evil.pkl",
    ),
    "pickled object array": (
        lambda m, marker: m.update({"arrays/0.npy": _pickled_object_array(marker)}),
        "arrays/0.npy",
    ),
    "function off the list": (
        lambda m, marker: _edit_json(m, _name_function),
        "os.system",
    ),
    "class off the list": (
        lambda m, marker: _edit_json(m, _name_object),
        "subprocess.Popen",
    ),
    "net built from state": (
        lambda m, marker: _edit_json(m, _name_net_as_object),
        "TrainingNet",
    ),
    "untrusted skops type": (lambda m, marker: _skops_untrusted(m), "_Touch"),
    "newer format": (
        lambda m, marker: _edit_json(m, lambda d: d.update(format_version=2)),
        "format version 2",
    ),
    "malformed json": (
        lambda m, marker: m.update({"model.json": b"{not json"}),
        "not valid JSON",
    ),
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_files_are_refused(kind, model_file, tmp_path):
    marker = tmp_path / "marker"
    change, culprit = HOSTILE[kind]
    bad = _rewrite(model_file, lambda members: change(members, marker))
    with pytest.raises(ModelFileError, match=culprit):
        load(bad)
    assert not marker.exists()


def test_pickle_renamed_is_refused(tmp_path):
    marker = tmp_path / "marker"
    path = tmp_path / "model.skneuro"
    path.write_bytes(pickle.dumps(_Touch(marker)))
    with pytest.raises(ModelFileError, match="not a skneuro model file"):
        load(path)
    assert not marker.exists()
    assert issubclass(ModelFileError, ValueError)


def test_good_file_loads(model_file):
    assert load(model_file)[-1].n_epochs_ == 2


# -- dump's guarantees ----------------------------------------------------------
class MyCallback(Callback):
    pass


def test_dump_refuses_an_existing_file(iris, tmp_path):
    path = tmp_path / "model.skneuro"
    path.write_bytes(b"keep me")
    model = FeatureGroupSelector()
    with pytest.raises(FileExistsError, match="overwrite=True"):
        dump(model, path)
    assert path.read_bytes() == b"keep me"
    dump(model, path, overwrite=True)
    assert isinstance(load(path), FeatureGroupSelector)


def test_failed_dump_writes_nothing(iris, tmp_path):
    X, y = iris
    model = MLPClassifier(max_epochs=1, callbacks=[MyCallback()]).fit(X, y)
    path = tmp_path / "model.skneuro"
    with pytest.raises(TypeError, match=r"MLPClassifier\.callbacks\[0\].*MyCallback"):
        dump(model, path)
    assert list(tmp_path.iterdir()) == []
    path.write_bytes(b"old")
    with pytest.raises(TypeError):
        dump(model, path, overwrite=True)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.skneuro"]


def test_unsupported_objects_are_named(iris, tmp_path):
    X, y = iris
    model = MLPClassifier(max_epochs=1).fit(X, y)
    model.note_ = {"when": time}  # a module object
    with pytest.raises(TypeError, match=r"MLPClassifier\.note_\['when'\]"):
        dump(model, tmp_path / "a.skneuro")
    search = GridSearchCV(clone(model), {"lr": [0.01]}, cv=2)
    with pytest.raises(TypeError, match="best_estimator_"):
        dump(search, tmp_path / "b.skneuro")
    assert list(tmp_path.iterdir()) == []


def test_a_device_this_machine_lacks_is_refused_before_reading(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("needs a machine without CUDA")
    with pytest.raises(ValueError, match="device='cuda'"):
        load(tmp_path / "never-read.skneuro", device="cuda")
