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


# --- tables that are not in the layout, and corrupt files -------------------


def _write_xlsx_rows(path, rows):
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(list(row))
    workbook.save(path)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_table_without_title_row_is_refused(tmp_path, suffix):
    # The first line is a sample, so its values would become the titles.
    lines = EXAMPLE_CSV.read_text().splitlines()[1:]
    path = tmp_path / f"headerless{suffix}"
    if suffix == ".csv":
        path.write_text("\n".join(lines) + "\n")
    else:
        rows = [line.split(",") for line in lines]
        rows = [
            [r[0], int(r[1])] + [float(v) if v else None for v in r[2:]] for r in rows
        ]
        _write_xlsx_rows(path, rows)
    with pytest.raises(ValueError, match=rf"headerless\{suffix}") as info:
        load_feature_table(path)
    message = str(info.value)
    assert "cell C1" in message
    assert "column A" in message and "column B" in message and "row 1" in message
    assert "(LPQ) features" in message


def test_numeric_string_title_is_refused(tmp_path):
    rows = [
        [None, "label", "A (LPQ)", None, "12.5", None],
        ["a", 1, 0.1, 0.2, 0.3, 0.4],
        ["b", 2, 0.5, 0.6, 0.7, 0.8],
    ]
    with pytest.raises(ValueError, match=r"t\.csv.*cell E1.*'12\.5'"):
        load_feature_table(_write_csv(tmp_path / "t.csv", rows))


def _corrupt_xlsx(kind, path):
    if kind == "random":
        path.write_bytes(np.random.default_rng(0).bytes(4000))
    elif kind == "renamed csv":
        path.write_bytes(EXAMPLE_CSV.read_bytes())
    elif kind == "truncated":
        data = EXAMPLE_XLSX.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif kind == "zip, not xlsx":
        import zipfile

        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("notes.txt", "not a workbook")
    elif kind == "empty":
        path.write_bytes(b"")
    return path


@pytest.mark.parametrize(
    "kind", ["random", "renamed csv", "truncated", "zip, not xlsx", "empty"]
)
def test_corrupt_xlsx_names_the_file(tmp_path, kind):
    pytest.importorskip("openpyxl")
    path = _corrupt_xlsx(kind, tmp_path / "broken.xlsx")
    with pytest.raises(ValueError, match=r"broken\.xlsx.*not a valid \.xlsx"):
        load_feature_table(path)


@pytest.mark.parametrize(
    "content, match",
    [
        (np.random.default_rng(0).bytes(4000), "not UTF-8 text"),
        (",label,Caf\xe9 (LPQ)\na,1,0.1\n".encode("latin-1"), "not UTF-8 text"),
        (",label,A (LPQ)\na,1,0.1\n".encode("utf-16"), "not UTF-8 text"),
        (b",label,A (LPQ)\na,1,0.1\x00\x00\nb,2,0.2\n", "binary"),
        (b"", "is empty"),
        (b"\n\n  \n", "is empty"),
        (b",label,A (LPQ)\na,1,0.1\nb,2,0.2,0.3,0.4\n", "line 3"),
    ],
    ids=["binary", "latin-1", "utf-16", "nul", "empty", "blank", "ragged"],
)
def test_corrupt_csv_names_the_file(tmp_path, content, match):
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=rf"broken\.csv.*{match}"):
        load_feature_table(path)


@pytest.mark.parametrize("sheet_name", [None, [0], 1.0, True, 3, "nope"])
def test_bad_sheet_name_is_refused(sheet_name):
    pytest.importorskip("openpyxl")
    with pytest.raises(ValueError, match="sheet_name"):
        load_feature_table(EXAMPLE_XLSX, sheet_name=sheet_name)


def test_dropna_must_be_a_bool():
    with pytest.raises(ValueError, match="dropna must be True or False; got 'no'"):
        load_feature_table(EXAMPLE_CSV, dropna="no")


def test_bool_cells_are_not_numbers(tmp_path):
    rows = [[None, "label", "A (LPQ)"], ["a", 1, 0.1], ["b", 2, True]]
    path = _write_xlsx_rows(tmp_path / "t.xlsx", rows)
    with pytest.raises(ValueError, match="not a number in row 3: True"):
        load_feature_table(path)
    rows = [[None, "label", "A (LPQ)"], ["a", 1, 0.1], ["b", True, 0.2]]
    path = _write_xlsx_rows(tmp_path / "t.xlsx", rows)
    with pytest.raises(ValueError, match="integer labels 1..7.*True"):
        load_feature_table(path)


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


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_missing": True}, "n_missing .* got True"),
        ({"n_missing": 1.5}, r"n_missing .* got 1\.5"),
        ({"groups": [("lpq", True)]}, "'lpq' .* got True"),
        ({"groups": [("lpq", 2.0)]}, r"'lpq' .* got 2\.0"),
        ({"n_classes": 3.0}, r"n_classes .* got 3\.0"),
        ({"class_sep": "1"}, "class_sep .* got '1'"),
        ({"scale": float("nan")}, "scale .* got nan"),
        ({"scale": True}, "scale .* got True"),
    ],
)
def test_make_feature_table_refuses_non_integers(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_feature_table(20, **kwargs)
    with pytest.raises(ValueError, match=r"n_samples .* got 20\.7"):
        make_feature_table(20.7)
    with pytest.raises(ValueError, match="n_samples .* got True"):
        make_feature_table(True, n_classes=2)


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

_IDX_CODES = {
    np.dtype(np.uint8): 0x08,
    np.dtype(np.int32): 0x0C,
    np.dtype(np.float32): 0x0D,
    np.dtype(np.float64): 0x0E,
}


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


def _peak_memory(function, *args):
    """Peak of traced memory while ``function(*args)`` runs, and its ValueError."""
    import tracemalloc

    tracemalloc.start()
    try:
        try:
            function(*args)
        except ValueError as exc:
            error = exc
        else:
            error = None
        return tracemalloc.get_traced_memory()[1], error
    finally:
        tracemalloc.stop()


def test_load_mnist_junk_gzip_is_refused_after_its_magic(tmp_path):
    # 200 gzip members of 1 MiB of zeros: 200 KB that decompress to 200 MiB.
    member = gzip.compress(bytes(2**20))
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(member * 200)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(2, np.uint8))
    peak, error = _peak_memory(load_mnist, tmp_path)
    assert error is not None
    assert "train-images-idx3-ubyte.gz is not an IDX file" in str(error)
    assert "bad magic number 0x00000000" in str(error)
    assert peak < 4 * 2**20


def test_load_mnist_huge_header_is_refused_before_reading(tmp_path):
    # The header announces 2**40 bytes of images; the file holds 16 MiB.
    header = bytes([0, 0, 8, 3]) + np.array([2**16, 2**12, 2**12], ">u4").tobytes()
    file = tmp_path / "train-images-idx3-ubyte"
    with open(file, "wb") as handle:
        handle.write(header)
        handle.truncate(16 + 2**24)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(2**16, np.uint8))
    peak, error = _peak_memory(load_mnist, tmp_path)
    assert error is not None
    message = str(error)
    assert "train-images-idx3-ubyte holds 16777232 bytes" in message
    assert f"{16 + 2**40} bytes" in message and "truncated" in message
    assert peak < 2 * 2**20


def test_load_mnist_huge_header_in_gzip_fails_fast(tmp_path):
    header = bytes([0, 0, 8, 3]) + np.array([2**16, 2**12, 2**12], ">u4").tobytes()
    with gzip.open(tmp_path / "train-images-idx3-ubyte.gz", "wb") as handle:
        handle.write(header + bytes(1000))
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(2**16, np.uint8))
    with pytest.raises(ValueError, match="truncated") as info:
        load_mnist(tmp_path)
    assert "holds 1016 bytes once decompressed" in str(info.value)
    assert f"{16 + 2**40} bytes" in str(info.value)


@pytest.mark.parametrize("gz", ["", ".gz"])
def test_load_mnist_bytes_beyond_the_header_size(tmp_path, gz):
    images, labels = fake_mnist(2)
    file = tmp_path / f"train-images-idx3-ubyte{gz}"
    write_idx(file, images)
    data = gzip.decompress(file.read_bytes()) if gz else file.read_bytes()
    file.write_bytes(gzip.compress(data + b"\x00") if gz else data + b"\x00")
    write_idx(tmp_path / f"train-labels-idx1-ubyte{gz}", labels)
    with pytest.raises(ValueError, match=r"idx3-ubyte.* more than the 1584 bytes"):
        load_mnist(tmp_path)


def test_load_mnist_corrupt_gzip_stream(tmp_path):
    images, labels = fake_mnist(2)
    file = write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros_like(images))
    data = bytearray(gzip.compress(file.read_bytes(), mtime=0))
    file.unlink()
    data[10] ^= 0x55  # the first byte of the deflate stream: zlib.error
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(bytes(data))
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", labels)
    with pytest.raises(ValueError, match=r"Cannot read .*idx3-ubyte\.gz"):
        load_mnist(tmp_path)


def test_load_mnist_idx_float_labels(tmp_path):
    images, _ = fake_mnist(3)
    write_idx(tmp_path / "train-images-idx3-ubyte", images)
    labels = tmp_path / "train-labels-idx1-ubyte"
    write_idx(labels, np.array([7.0, 1.5, 2.0], np.float32))
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte.*such as 1\.5"):
        load_mnist(tmp_path)
    write_idx(labels, np.array([7.0, np.nan, 2.0]))
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte.*such as nan"):
        load_mnist(tmp_path)
    write_idx(labels, np.array([7.0, 3.0, -2.0]))  # integral floats are fine
    target = load_mnist(tmp_path).target
    assert target.dtype == np.int64
    assert_array_equal(target, [7, 3, -2])


@pytest.mark.parametrize(
    "y, match",
    [
        (np.array([1.5, 2.0]), r"y_train .*such as 1\.5"),
        (np.array([np.inf, 2.0]), "y_train .*such as inf"),
        (np.array(["7", "3"]), "y_train .*integer labels.*<U1"),
        (np.array([1 + 1j, 2]), "y_train .*integer labels.*complex"),
        (np.array([2**63, 1], np.uint64), "y_train .*such as 9223372036854775808"),
    ],
    ids=["half", "inf", "text", "complex", "uint64"],
)
def test_load_mnist_npz_labels_must_be_integers(tmp_path, y, match):
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=fake_mnist(2)[0], y_train=y, x_test=0, y_test=0)
    with pytest.raises(ValueError, match=rf"mnist\.npz.*{match}"):
        load_mnist(path)


def test_load_mnist_npz_images_must_be_numbers(tmp_path):
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=np.full((2, 3, 3), "a"), y_train=[1, 2])
    with pytest.raises(ValueError, match=r"mnist\.npz.*x_train .*numbers.*<U1"):
        load_mnist(path)


def _huge_npy():
    import io

    buffer = io.BytesIO()
    header = {"descr": "|u1", "fortran_order": False, "shape": (2**20, 2**10, 2**10)}
    np.lib.format.write_array_header_1_0(buffer, header)
    buffer.write(bytes(1000))
    return buffer.getvalue()


def _corrupt_npz(kind, path):
    import io
    import zipfile

    if kind == "random":
        path.write_bytes(np.random.default_rng(0).bytes(1000))
    elif kind == "bad zip":
        path.write_bytes(b"PK\x03\x04" + bytes(100))
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "npy":
        with open(path, "wb") as handle:
            np.save(handle, np.zeros(3))
    elif kind == "object":
        x = np.empty(2, dtype=object)
        np.savez(path, x_train=x, y_train=np.zeros(2))
    elif kind in ("junk member", "huge member"):
        with zipfile.ZipFile(path, "w") as archive:
            buffer = io.BytesIO()
            np.save(buffer, np.zeros(2))
            archive.writestr("y_train.npy", buffer.getvalue())
            archive.writestr(
                "x_train.npy", _huge_npy() if kind == "huge member" else b"junk"
            )
    return path


@pytest.mark.parametrize(
    "kind, match",
    [
        ("random", "not an .npz"),
        ("bad zip", "not an .npz"),
        ("empty", "not an .npz"),
        ("npy", "not an .npz"),
        ("object", "x_train .*pickle"),
        ("junk member", "x_train"),
        ("huge member", f"x_train .*truncated.*{2**40} bytes"),
    ],
)
def test_load_mnist_corrupt_npz_names_the_file(tmp_path, kind, match):
    path = _corrupt_npz(kind, tmp_path / "mnist.npz")
    with pytest.raises(ValueError, match=rf"mnist\.npz.*{match}"):
        load_mnist(path)


def test_mnist_files(tmp_path):
    from skneuro.datasets._images import mnist_files

    assert mnist_files(tmp_path) == []
    assert mnist_files(tmp_path / "absent") == []
    # An image folder with "idx" in some names is not an MNIST folder.
    (tmp_path / "happy").mkdir()
    (tmp_path / "notes-idx.txt").write_text("")
    (tmp_path / "train-images-idx3-ubyte.zip").write_bytes(b"")
    assert mnist_files(tmp_path) == []
    images, labels = fake_mnist(2)
    files = [
        write_idx(tmp_path / "train-images-idx3-ubyte.gz", images),
        write_idx(tmp_path / "train-labels.idx1-ubyte", labels),
        write_idx(tmp_path / "t10k-labels-idx1-ubyte", labels),
    ]
    np.savez(tmp_path / "mnist.npz", x_test=images, y_test=labels)
    assert mnist_files(tmp_path) == files + [tmp_path / "mnist.npz"]
    assert mnist_files(tmp_path / "mnist.npz") == [tmp_path / "mnist.npz"]
    # load_mnist reads the files mnist_files lists.
    assert load_mnist(tmp_path).filenames == [str(f) for f in files[:2]]
    assert load_mnist(tmp_path, kind="test").filenames == [str(tmp_path / "mnist.npz")]


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
    faces = load_image_folder(str(image_folder), image_size=(4, 5), color="rgb")
    # Channels first, as skneuro's image estimators read 4-D arrays.
    assert faces.images.shape == (3, 3, 4, 5)
    assert faces.images.flags.c_contiguous
    assert faces.data.shape == (3, 3 * 4 * 5)
    assert np.shares_memory(faces.data, faces.images)
    # The red file: the red plane is ones, the others zeros (channel-planar data).
    np.testing.assert_allclose(faces.images[1, 0], 1.0, atol=1e-6)
    np.testing.assert_allclose(faces.images[1, 1:], 0.0, atol=1e-6)
    np.testing.assert_allclose(faces.data[1, :20], 1.0, atol=1e-6)
    np.testing.assert_allclose(faces.data[1, 20:], 0.0, atol=1e-6)
    # A greyscale file becomes three equal channels.
    assert_array_equal(faces.images[0, 0], faces.images[0, 2])
    # np.moveaxis gives the channels-last layout of matplotlib and scikit-image.
    assert np.moveaxis(faces.images, 1, -1).shape == (3, 4, 5, 3)


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


@pytest.mark.parametrize(
    "image_size",
    [(2.9, 3.7), (8.0, 6), (True, 4), ("8", "6"), "86", (8,), (8, 6, 1), 8, (0, 6)],
)
def test_load_image_folder_image_size_must_be_integers(image_folder, image_size):
    with pytest.raises(ValueError, match="image_size") as info:
        load_image_folder(image_folder, image_size=image_size)
    assert repr(image_size) in str(info.value)


def test_load_image_folder_numpy_integer_sizes(image_folder):
    sizes = [(np.int64(4), np.int32(3)), np.array([4, 3])]
    for image_size in sizes:
        images = load_image_folder(image_folder, image_size=image_size).images
        assert images.shape == (3, 4, 3)


def test_load_image_folder_extensions_must_be_text(image_folder):
    with pytest.raises(ValueError, match=r"extensions .*got 3"):
        load_image_folder(image_folder, extensions=[".png", 3])


# --- bad input: paths, mixed image sizes, infinities, label values ----------


def _write_table(path, cell):
    """A two-sample CSV table with ``cell`` as the second sample's feature."""
    path.write_text(f",label,T (A)\ns1,1,0.5\ns2,2,{cell}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "load",
    [load_mnist, load_feature_table, load_image_folder],
    ids=["load_mnist", "load_feature_table", "load_image_folder"],
)
@pytest.mark.parametrize("path", [3, 2.5, None, b"folder", ["a"]])
def test_loaders_refuse_a_path_that_is_not_a_path(load, path):
    with pytest.raises(TypeError, match=r"^path must be a str or path-like") as info:
        load(path)
    assert type(path).__name__ in str(info.value)


class _EmptyPathLike:
    def __fspath__(self):
        return ""


@pytest.mark.parametrize(
    "load",
    [load_mnist, load_feature_table, load_image_folder],
    ids=["load_mnist", "load_feature_table", "load_image_folder"],
)
@pytest.mark.parametrize("path", ["", _EmptyPathLike()], ids=["str", "PathLike"])
def test_loaders_refuse_an_empty_path(load, path, tmp_path, monkeypatch):
    # pathlib reads "" as "."; an empty path must not mean the current folder.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "class").mkdir()
    with pytest.raises(ValueError, match=r"^path is an empty string"):
        load(path)


def test_make_feature_table_refuses_a_bad_path(tmp_path, monkeypatch):
    with pytest.raises(TypeError, match=r"^path must be a str or path-like.*int"):
        make_feature_table(20, path=3)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=r"^path is an empty string"):
        make_feature_table(20, path="")
    assert list(tmp_path.iterdir()) == []


def test_load_mnist_all_names_the_files_whose_sizes_differ(tmp_path):
    idx = tmp_path / "idx"
    idx.mkdir()
    write_idx(idx / "train-images-idx3-ubyte", np.zeros((2, 4, 4), np.uint8))
    write_idx(idx / "train-labels-idx1-ubyte", np.array([1, 2], np.uint8))
    write_idx(idx / "t10k-images-idx3-ubyte.gz", np.zeros((2, 5, 6), np.uint8))
    write_idx(idx / "t10k-labels-idx1-ubyte.gz", np.array([1, 2], np.uint8))
    with pytest.raises(ValueError) as info:
        load_mnist(idx, kind="all")
    message = str(info.value)
    assert str(idx / "train-images-idx3-ubyte") in message
    assert str(idx / "t10k-images-idx3-ubyte.gz") in message
    assert "4x4" in message and "5x6" in message
    assert "kind='train'" in message
    npz = tmp_path / "sizes.npz"
    np.savez(
        npz,
        x_train=np.zeros((2, 4, 4)),
        y_train=[1, 2],
        x_test=np.zeros((2, 7, 7)),
        y_test=[1, 2],
    )
    with pytest.raises(ValueError, match=r"sizes\.npz, x_train.*4x4.*x_test.*7x7"):
        load_mnist(npz, kind="all")


@pytest.mark.parametrize(
    "cell, value",
    [
        ("1e400", "'1e400'"),
        ("-1e400", "'-1e400'"),
        ("inf", "'inf'"),
        ("-inf", "'-inf'"),
        ("Infinity", "'Infinity'"),
    ],
)
def test_feature_table_refuses_infinite_features(tmp_path, cell, value):
    path = _write_table(tmp_path / "inf.csv", cell)
    with pytest.raises(ValueError) as info:
        load_feature_table(path)
    message = str(info.value)
    assert "inf.csv" in message and "C3" in message and "row 3" in message
    assert value in message and "finite" in message


def test_feature_table_nan_text_is_still_a_missing_value(tmp_path):
    path = _write_table(tmp_path / "nan.csv", "nan")
    with pytest.warns(UserWarning, match="1 row with missing values"):
        assert load_feature_table(path).data.shape == (1, 1)
    assert np.isnan(load_feature_table(path, dropna=False).data.iloc[1, 0])


def test_make_feature_table_refuses_a_scale_that_overflows():
    with pytest.raises(ValueError, match=r"scale=1e\+308 .*overflow"):
        make_feature_table(20, scale=1e308, random_state=0)


@pytest.mark.parametrize(
    "label, shown",
    [("1.5", "1.5"), ("happy", "'happy'"), ("1e400", "inf"), ("-2.25", "-2.25")],
)
def test_a_bad_label_is_shown_plainly_with_its_row(tmp_path, label, shown):
    path = tmp_path / "l.csv"
    path.write_text(f",label,T (A)\ns1,1,0.5\ns2,{label},0.2\n", encoding="utf-8")
    with pytest.raises(ValueError) as info:
        load_feature_table(path)
    message = str(info.value)
    assert not message.startswith("The label column is missing")
    assert "column B of l.csv should hold integer labels 1..7" in message
    assert f"row 3 holds {shown} " in message and "np.float64" not in message


def test_a_column_without_any_label_is_still_reported_missing(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text(",T (A)\ns1,0.5\ns2,0.25\n", encoding="utf-8")
    with pytest.raises(ValueError, match="^The label column is missing") as info:
        load_feature_table(path)
    assert "0.5" in str(info.value) and "np.float64" not in str(info.value)


def test_load_mnist_all_refuses_splits_of_two_dtypes(tmp_path):
    """uint8 training pixels and float test pixels were joined as float64,
    0..255 and 0..1 side by side."""
    np.savez(
        tmp_path / "mnist.npz",
        x_train=np.zeros((2, 4, 4), np.uint8),
        y_train=np.array([0, 1]),
        x_test=np.zeros((2, 4, 4), np.float64),
        y_test=np.array([0, 1]),
    )
    with pytest.raises(ValueError, match=r"differ in dtype: .*x_train holds uint8"):
        load_mnist(tmp_path, kind="all")
    assert load_mnist(tmp_path, kind="test").images.dtype == np.float64
