"""Tests of skneuro.datasets: the seed's feature tables and the image loaders."""

import gzip
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal
from pandas.testing import assert_frame_equal

from skneuro.datasets import (
    load_digits_images,
    load_feature_table,
    load_image_folder,
    load_lfw_faces,
    load_mnist,
    make_feature_table,
)

DATA = Path(__file__).parent / "data"
EXAMPLE_XLSX = DATA / "feature_table_example.xlsx"
EXAMPLE_CSV = DATA / "feature_table_example.csv"
EMOTIONS = ["Angry", "Disgust", "Fear", "Happy", "Neutral", "Sad", "Surprise"]
COLUMNS = [f"lpq_{i}" for i in range(1, 6)] + [f"phog_{i}" for i in range(1, 6)]


def _load_quietly(path, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return load_feature_table(path, **kwargs)


def assert_tables_equal(a, b):
    assert set(a) == set(b)
    assert_frame_equal(a.data, b.data)
    assert_frame_equal(a.frame, b.frame)
    assert_array_equal(a.target, b.target)
    assert a.target.dtype == b.target.dtype
    assert_array_equal(a.target_names, b.target_names)
    assert_array_equal(a.sample_names, b.sample_names)
    assert a.groups == b.groups
    assert a.group_titles == b.group_titles
    assert a.feature_names == b.feature_names
    assert a.DESCR == b.DESCR


@pytest.fixture(scope="module")
def example():
    pytest.importorskip("openpyxl")
    return _load_quietly(EXAMPLE_XLSX), _load_quietly(EXAMPLE_CSV)


# --- load_feature_table on the seed's example files -------------------------


def test_xlsx_and_csv_load_identically(example):
    assert_tables_equal(*example)


def test_example_content(example):
    table = example[1]
    assert table.data.shape == (83, 10)
    assert list(table.data.columns) == COLUMNS
    assert (table.data.dtypes == np.float64).all()
    assert table.groups == {"lpq": COLUMNS[:5], "phog": COLUMNS[5:]}
    assert "(LPQ)" in table.group_titles["lpq"]
    assert table.target.dtype == np.int64
    assert set(table.target) == set(range(1, 8))
    assert list(table.target_names) == EMOTIONS
    assert len(table.sample_names) == 83
    # First row of the file, and the dropped row with blank PHOG values.
    assert table.sample_names[0] == "Lantern_870761563_00000008.mat"
    assert table.target[0] == 2
    assert table.data.loc[0, "lpq_1"] == -0.0030443
    assert table.data.loc[0, "phog_5"] == 0.0046757
    assert "Meadow_798079308_00000003.mat" not in set(table.sample_names)
    assert list(table.frame.columns) == COLUMNS + ["label"]
    assert "83 samples" in table.DESCR


@pytest.mark.parametrize("path", [EXAMPLE_CSV, EXAMPLE_XLSX])
def test_warning_counts_dropped_rows(path):
    if path.suffix == ".xlsx":
        pytest.importorskip("openpyxl")
    with pytest.warns(UserWarning, match="1 row with missing values was dropped"):
        load_feature_table(str(path))


def test_dropna_false_keeps_incomplete_rows():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = load_feature_table(EXAMPLE_CSV, dropna=False)
    assert table.data.shape == (84, 10)
    row = list(table.sample_names).index("Meadow_798079308_00000003.mat")
    assert table.data.loc[row, "phog_1":"phog_5"].isna().all()
    assert table.data.loc[row, "lpq_1":"lpq_5"].notna().all()


@pytest.mark.parametrize("label_column", ["label", "LABEL", 1])
def test_label_column_by_title_or_position(example, label_column):
    assert_tables_equal(
        _load_quietly(EXAMPLE_CSV, label_column=label_column), example[1]
    )


# --- the layout's variants and its errors -----------------------------------


def _write_csv(path, rows):
    pd.DataFrame(rows, dtype=object).to_csv(path, header=False, index=False)
    return path


def test_title_repeated_over_block_and_slug_fallback(tmp_path):
    rows = [
        [None, "label", "Colour histogram", "Colour histogram", "HOG (hog)", None],
        ["a", 1, 0.1, 0.2, 0.3, 0.4],
        ["b", 7, 0.5, 0.6, 0.7, 0.8],
    ]
    table = load_feature_table(_write_csv(tmp_path / "t.csv", rows))
    assert table.groups == {
        "colour_histogram": ["colour_histogram_1", "colour_histogram_2"],
        "hog": ["hog_1", "hog_2"],
    }
    assert_array_equal(table.target, [1, 7])
    assert_array_equal(table.sample_names, ["a", "b"])


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        load_feature_table(tmp_path / "nope.csv")


def test_unsupported_extension(tmp_path):
    path = tmp_path / "table.txt"
    path.write_text(EXAMPLE_CSV.read_text())
    with pytest.raises(ValueError, match="Unsupported file extension '.txt'"):
        load_feature_table(path)


def test_missing_label_column(tmp_path):
    raw = pd.read_csv(EXAMPLE_CSV, header=None, dtype=object)
    path = _write_csv(tmp_path / "nolabel.csv", raw.drop(columns=1).to_numpy())
    with pytest.raises(ValueError, match="label column is missing"):
        load_feature_table(path)


def test_labels_outside_1_to_7(tmp_path):
    rows = [[None, "label", "A (LPQ)"], ["a", 0, 0.1], ["b", 8, 0.2]]
    with pytest.raises(ValueError, match=r"1\.\.7.*found 0, 8"):
        load_feature_table(_write_csv(tmp_path / "t.csv", rows))


def test_no_group_titles(tmp_path):
    rows = [[None, "label", None, None], ["a", 1, 0.1, 0.2], ["b", 2, 0.3, 0.4]]
    with pytest.raises(ValueError, match="no group titles"):
        load_feature_table(_write_csv(tmp_path / "t.csv", rows))


def test_feature_that_is_not_a_number(tmp_path):
    rows = [[None, "label", "A (LPQ)"], ["a", 1, 0.1], ["b", 2, "oops"]]
    with pytest.raises(ValueError, match="not a number in row 3: 'oops'"):
        load_feature_table(_write_csv(tmp_path / "t.csv", rows))


def test_xlsx_without_openpyxl_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(ImportError, match=r"pip install skneuro\[xlsx\]"):
        load_feature_table(EXAMPLE_XLSX)


# --- make_feature_table -----------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_make_feature_table_round_trip(tmp_path, suffix):
    if suffix == ".xlsx":
        pytest.importorskip("openpyxl")
    path = tmp_path / f"synthetic{suffix}"
    made = make_feature_table(60, n_missing=2, random_state=0, path=path)
    with pytest.warns(UserWarning, match="2 rows with missing values were dropped"):
        loaded = load_feature_table(path)
    assert_tables_equal(made, loaded)
    assert made.data.shape == (60, 10)


def test_make_feature_table_xlsx_merges_titles(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "synthetic.xlsx"
    make_feature_table(20, random_state=0, path=path)
    sheet = openpyxl.load_workbook(path).active
    assert {str(r) for r in sheet.merged_cells.ranges} == {"C1:G1", "H1:L1"}
    assert sheet["C1"].value.endswith("(LPQ) features")
    assert sheet["B1"].value == "label"


def test_make_feature_table_defaults_and_signal():
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    table = make_feature_table(random_state=0)
    assert table.data.shape == (675, 10)
    assert list(table.data.columns) == COLUMNS
    assert set(table.target) == set(range(1, 8))
    assert list(table.target_names) == EMOTIONS
    assert not table.data.isna().any().any()
    assert len(set(table.sample_names)) == 675
    score = cross_val_score(LogisticRegression(), table.data, table.target, cv=3)
    assert score.mean() > 0.4  # chance is 1/7


def test_make_feature_table_is_reproducible():
    a = make_feature_table(30, random_state=1)
    assert_tables_equal(a, make_feature_table(30, random_state=1))
    assert not a.data.equals(make_feature_table(30, random_state=2).data)


def test_make_feature_table_custom_groups(tmp_path):
    groups = {"hog": 3, "lbp_top": 2}
    path = tmp_path / "custom.csv"
    table = make_feature_table(
        40, groups=groups, n_classes=3, scale=0.004, random_state=0, path=path
    )
    assert table.groups == {
        "hog": ["hog_1", "hog_2", "hog_3"],
        "lbp_top": ["lbp_top_1", "lbp_top_2"],
    }
    assert set(table.target) == {1, 2, 3}
    assert table.data.abs().max().max() < 0.1
    assert_tables_equal(table, _load_quietly(path))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"path": "t.txt"}, "Unsupported file extension"),
        ({"groups": [("LPQ", 5)]}, "lower-case"),
        ({"groups": [("lpq", 0)]}, "positive"),
        ({"n_classes": 8}, "n_classes"),
        ({"n_missing": -1}, "n_missing"),
    ],
)
def test_make_feature_table_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_feature_table(20, **kwargs)


# --- shipped image data sets ------------------------------------------------


def test_load_digits_images():
    digits = load_digits_images()
    assert digits.images.shape == (1797, 8, 8)
    assert_array_equal(digits.data, digits.images.reshape(1797, 64))
    assert set(digits.target) == set(range(10))
    images, target = load_digits_images(return_X_y=True)
    assert_array_equal(images, digits.images)
    assert_array_equal(target, digits.target)


def test_load_lfw_faces_ships_with_skimage():
    import skimage.data

    assert (Path(skimage.data.__file__).parent / "lfw_subset.npy").is_file()
    faces = load_lfw_faces()
    assert faces.images.shape == (200, 25, 25)
    assert faces.data.shape == (200, 625)
    assert 0.0 <= faces.images.min() and faces.images.max() <= 1.0
    assert_array_equal(faces.target, [1] * 100 + [0] * 100)
    assert list(faces.target_names) == ["non-face", "face"]
    images, target = load_lfw_faces(return_X_y=True)
    assert_array_equal(images, faces.images)
    assert_array_equal(target, faces.target)


# --- load_mnist -------------------------------------------------------------

_IDX_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int32): 0x0C}


def write_idx(path, array, magic=None):
    array = np.asarray(array)
    if magic is None:
        magic = bytes([0, 0, _IDX_CODES[array.dtype], array.ndim])
    payload = (
        magic
        + np.array(array.shape, dtype=">u4").tobytes()
        + array.astype(array.dtype.newbyteorder(">")).tobytes()
    )
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as handle:
        handle.write(payload)
    return path


def fake_mnist(n, offset=0):
    rng = np.random.default_rng(offset)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    images[:, 0, 0] = np.arange(n) + offset  # a known pixel per image
    labels = (np.arange(n) + offset) % 10
    return images, labels.astype(np.uint8)


@pytest.fixture(params=["", ".gz"], ids=["plain", "gzip"])
def mnist_folder(tmp_path, request):
    gz = request.param
    for prefix, n, offset in [("train", 5, 0), ("t10k", 3, 100)]:
        images, labels = fake_mnist(n, offset)
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte{gz}", images)
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte{gz}", labels)
    return tmp_path


def test_load_mnist_idx(mnist_folder):
    train = load_mnist(mnist_folder)
    images, labels = fake_mnist(5, 0)
    assert train.images.dtype == np.uint8
    assert_array_equal(train.images, images)
    assert train.data.shape == (5, 784)
    assert np.shares_memory(train.data, train.images)
    assert train.target.dtype == np.int64
    assert_array_equal(train.target, labels)
    assert len(train.filenames) == 2

    test_images, test_target = load_mnist(
        str(mnist_folder), kind="test", return_X_y=True
    )
    assert_array_equal(test_images, fake_mnist(3, 100)[0])
    assert_array_equal(test_target, [0, 1, 2])

    everything = load_mnist(mnist_folder, kind="all")
    assert everything.images.shape == (8, 28, 28)
    assert_array_equal(everything.target, [0, 1, 2, 3, 4, 0, 1, 2])


def test_load_mnist_idx_other_dtype(tmp_path):
    # Labels stored as big-endian int32 (type code 0x0C) come back native int64.
    images, _ = fake_mnist(2)
    write_idx(tmp_path / "train-images.idx3-ubyte", images)
    write_idx(tmp_path / "train-labels.idx1-ubyte", np.array([300, -1], np.int32))
    assert_array_equal(load_mnist(tmp_path).target, [300, -1])


@pytest.mark.parametrize("as_folder", [False, True])
def test_load_mnist_npz(tmp_path, as_folder):
    (x_train, y_train), (x_test, y_test) = fake_mnist(4), fake_mnist(2, 50)
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    source = tmp_path if as_folder else path
    train = load_mnist(source)
    assert_array_equal(train.images, x_train)
    assert_array_equal(train.target, y_train)
    assert_array_equal(load_mnist(source, kind="test").images, x_test)


def test_load_mnist_bad_magic(tmp_path):
    images, labels = fake_mnist(2)
    write_idx(tmp_path / "train-images-idx3-ubyte", images, magic=b"\x12\x34\x08\x03")
    write_idx(tmp_path / "train-labels-idx1-ubyte", labels)
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte.*bad magic number"):
        load_mnist(tmp_path)


def test_load_mnist_truncated_and_mismatched(tmp_path):
    images, labels = fake_mnist(3)
    file = write_idx(tmp_path / "train-images-idx3-ubyte", images)
    write_idx(tmp_path / "train-labels-idx1-ubyte", labels[:2])
    with pytest.raises(ValueError, match="3 images but .* 2 labels"):
        load_mnist(tmp_path)
    file.write_bytes(file.read_bytes()[:-10])
    with pytest.raises(ValueError, match="train-images-idx3-ubyte holds .* bytes"):
        load_mnist(tmp_path)


def test_load_mnist_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_mnist(tmp_path / "absent")
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        load_mnist(tmp_path)
    with pytest.raises(ValueError, match="kind"):
        load_mnist(tmp_path, kind="validation")


# --- load_image_folder ------------------------------------------------------


@pytest.fixture
def image_folder(tmp_path):
    from skimage.io import imsave

    happy, sad = tmp_path / "happy", tmp_path / "sad"
    happy.mkdir()
    sad.mkdir()
    white = np.full((20, 30), 255, dtype=np.uint8)
    imsave(happy / "grey.png", white, check_contrast=False)
    rgb = np.zeros((12, 12, 3), dtype=np.uint8)
    rgb[..., 0] = 255
    imsave(happy / "red.PNG", rgb, check_contrast=False)
    rgba = np.zeros((10, 10, 4), dtype=np.uint8)  # fully transparent black
    imsave(sad / "clear.png", rgba, check_contrast=False)
    (sad / "notes.txt").write_text("not an image")
    (sad / ".hidden.png").write_bytes(b"")
    return tmp_path


def test_load_image_folder_grey(image_folder):
    faces = load_image_folder(image_folder, image_size=(8, 6))
    assert faces.images.shape == (3, 8, 6)
    assert faces.images.dtype == np.float32
    assert faces.data.shape == (3, 48)
    assert_array_equal(faces.target_names, ["happy", "sad"])
    assert_array_equal(faces.target, [0, 0, 1])
    assert [Path(f).name for f in faces.filenames] == [
        "grey.png",
        "red.PNG",
        "clear.png",
    ]
    np.testing.assert_allclose(faces.images[0], 1.0, atol=1e-6)
    np.testing.assert_allclose(faces.images[1], 0.2125, atol=1e-3)  # red's luminance
    np.testing.assert_allclose(faces.images[2], 1.0, atol=1e-6)  # alpha onto white


def test_load_image_folder_rgb(image_folder):
    faces = load_image_folder(str(image_folder), image_size=(4, 4), color="rgb")
    assert faces.images.shape == (3, 4, 4, 3)
    np.testing.assert_allclose(faces.images[1].reshape(-1, 3)[0], [1, 0, 0], atol=1e-6)
    # A greyscale file becomes three equal channels.
    assert_array_equal(faces.images[0][..., 0], faces.images[0][..., 2])


# imageio tries its deprecated DICOM plugin on the unreadable file.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_load_image_folder_errors(tmp_path, image_folder):
    with pytest.raises(FileNotFoundError):
        load_image_folder(tmp_path / "absent")
    with pytest.raises(ValueError, match="color"):
        load_image_folder(image_folder, color="cmyk")
    with pytest.raises(ValueError, match="differ in size"):
        load_image_folder(image_folder, image_size=None)
    (image_folder / "empty").mkdir()
    with pytest.raises(ValueError, match="empty holds no image"):
        load_image_folder(image_folder)
    (image_folder / "empty" / "broken.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match="Cannot read .*broken.png"):
        load_image_folder(image_folder)
    flat = tmp_path / "flat"
    flat.mkdir()
    with pytest.raises(ValueError, match="no sub-folders"):
        load_image_folder(flat)
