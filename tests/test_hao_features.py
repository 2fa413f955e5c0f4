"""Hao's features from images: make_hao_features, and the feature studies run
from an image folder."""

import json

import numpy as np
import pandas as pd
import pytest
from skimage.io import imsave
from sklearn.decomposition import PCA
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skneuro.datasets import load_lfw_faces
from skneuro.feature_extraction import (
    LocalPhaseQuantization,
    PyramidHOG,
    make_hao_features,
)
from skneuro.neural_network import MLPClassifier
from skneuro.preprocessing import FeatureGroupSelector
from skneuro.studies._cli import main


@pytest.fixture(scope="module")
def faces():
    return load_lfw_faces()


@pytest.fixture(scope="module")
def face_folder(tmp_path_factory, faces):
    """60 of the shipped faces and 60 non-faces as PNG files, a sub-folder each."""
    folder = tmp_path_factory.mktemp("faces")
    for label, name in enumerate(faces.target_names):
        (folder / name).mkdir()
        chosen = np.flatnonzero(faces.target == label)[:60]
        for i in chosen:
            pixels = (faces.images[i] * 255).round().astype(np.uint8)
            imsave(folder / name / f"{i}.png", pixels, check_contrast=False)
    return folder


def test_the_features_are_the_components_of_each_descriptor(faces):
    X = faces.images
    features = make_hao_features(n_components=3).fit(X)
    out = features.transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == [f"lpq_{i}" for i in (1, 2, 3)] + [
        f"phog_{i}" for i in (1, 2, 3)
    ]
    # The same as each descriptor, then PCA, by hand.
    for name, Descriptor in (("lpq", LocalPhaseQuantization), ("phog", PyramidHOG)):
        by_hand = PCA(3, svd_solver="full").fit_transform(Descriptor().fit_transform(X))
        np.testing.assert_allclose(
            out[[f"{name}_{i}" for i in (1, 2, 3)]].to_numpy(), by_hand, atol=1e-10
        )
    # The groups a selector reads from the names.
    selected = FeatureGroupSelector(select="phog").fit(out).get_feature_names_out()
    assert list(selected) == ["phog_1", "phog_2", "phog_3"]


def test_the_components_are_fitted_on_the_training_fold_only(faces):
    X = faces.images
    on_half = make_hao_features(n_components=2).fit(X[::2])
    on_all = make_hao_features(n_components=2).fit(X)
    assert not np.allclose(on_half.transform(X), on_all.transform(X))


def test_hao_features_classify_the_faces_better_than_chance(faces):
    pipe = make_pipeline(
        make_hao_features(n_components=5),
        StandardScaler(),
        MLPClassifier(hidden_units=5, max_epochs=300, random_state=0),
    )
    scores = cross_val_score(pipe, faces.images, faces.target, cv=3)
    assert scores.mean() >= 0.8


def _run(study, folder, out, *extra):
    args = ["--data", str(folder), "--out", str(out), "--no-progress", *extra]
    return main(["study", study, *args])


def test_the_feature_groups_study_runs_from_an_image_folder(tmp_path, face_folder):
    out = tmp_path / "out"
    assert _run("feature-groups", face_folder, out, "--quick", "--epochs", "30") == 0
    frame = pd.read_csv(out / "feature_groups.csv")
    assert set(frame["group"]) == {"lpq", "phog", "all"}
    report = (out / "report.md").read_text()
    assert "LocalPhaseQuantization(" in report and "PyramidHOG(" in report
    assert "inside each training fold" in report
    settings = json.loads((out / "feature_groups.settings.json").read_text())
    features = settings["features"]
    assert features["n_components"] == 5 and features["lpq"]["window_size"] == 3


def test_the_compression_study_runs_from_an_image_folder(tmp_path, face_folder):
    out = tmp_path / "out"
    args = ["--quick", "--epochs", "30"]
    assert _run("compression", face_folder, out, *args) == 0
    frame = pd.read_csv(out / "compression.csv")
    assert set(frame["group"]) == {"lpq", "phog"}
    assert frame.groupby("group")["features"].first().tolist() == [5, 5]
    assert "PyramidHOG(" in (out / "report.md").read_text()


@pytest.mark.parametrize(
    ("study", "per_class", "message"),
    [
        ("compression", 2, "4 images; Hao"),
        # 8 images in 3 folds: 5 to fit 5 components on.
        ("feature-groups", 4, "8 images, 5 in a training fold of 3; Hao"),
    ],
)
def test_too_few_images_for_the_components_are_refused(
    tmp_path, capsys, no_training, faces, study, per_class, message
):
    folder = tmp_path / "few"
    for name in ("a", "b"):
        (folder / name).mkdir(parents=True)
        for i in range(per_class):
            imsave(folder / name / f"{i}.png", (faces.images[i] * 255).astype(np.uint8))
    out = tmp_path / "out"
    assert _run(study, folder, out, "--quick") == 2
    err = capsys.readouterr().err
    assert err.startswith("skneuro: error:") and message in err
    assert not out.exists()
