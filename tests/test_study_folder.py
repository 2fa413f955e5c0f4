"""The study folder contract: what ``--out`` may hold, what a resume checks.

skneuro writes only into a new or empty folder, or one it made; refuses a
folder holding other files, or a file it wrote that was changed since; resumes
only on the same settings and the same data (by content); checks every option
and the data before it writes anything; and gives its outputs the mode an
ordinary write gives. Every refusal is one ``skneuro: error:`` line, exit 2,
with the folder left as it was.
"""

import gzip
import json
import os
import shutil
import stat

import numpy as np
import pandas as pd
import pytest
from skimage.io import imsave

from skneuro.datasets import load_digits_images, make_feature_table
from skneuro.studies._cli import main
from skneuro.studies._folder import MANIFEST, StudyFolder, StudyFolderError
from skneuro.studies._results import ResultsTable

#: The cheapest real study: one pooling case, one split, one epoch.
ONE_RUN = ["--cases", "baseline", "--repeats", "1", "--epochs", "1", "--no-progress"]


def _write_idx(path, array):
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape
    )
    with gzip.open(path, "wb") as handle:
        handle.write(header + array.astype(np.uint8).tobytes())


def _mnist_folder(folder, n=60, offset=0):
    folder.mkdir(parents=True, exist_ok=True)
    digits = load_digits_images()
    images = np.kron(digits.images[offset : offset + n] * 15.9, np.ones((3, 3)))
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)))
    _write_idx(folder / "t10k-images-idx3-ubyte.gz", images)
    _write_idx(folder / "t10k-labels-idx1-ubyte.gz", digits.target[offset : offset + n])
    return folder


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A study folder holding one finished pool-interpolate run, and its data."""
    root = tmp_path_factory.mktemp("finished")
    data = _mnist_folder(root / "mnist")
    out = root / "out"
    assert (
        main(
            [
                "study",
                "pool-interpolate",
                "--data",
                str(data),
                "--out",
                str(out),
                *ONE_RUN,
            ]
        )
        == 0
    )
    return data, out


@pytest.fixture
def copy_of(tmp_path):
    """A fresh copy of a folder, to change without touching the original."""

    def copy(folder, name="copy"):
        target = tmp_path / name
        shutil.copytree(folder, target)
        return target

    return copy


def _snapshot(folder):
    """Every file's bytes and mode, to check a refusal changed nothing."""
    return {
        p.name: (p.read_bytes(), stat.S_IMODE(p.stat().st_mode))
        for p in sorted(folder.iterdir())
    }


def _refused(capsys, args, message):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("skneuro: error:") and err.count("\n") == 1, err
    assert message in err, err
    return err


# -- a resume checks the data -----------------------------------------------


def test_a_resume_on_other_data_under_the_same_path_is_refused(
    finished, copy_of, capsys, no_training
):
    """Issue: the settings kept --data as typed, so edited data resumed."""
    data, out = finished
    out = copy_of(out, "out")
    data = copy_of(data, "mnist")
    args = [
        "study",
        "pool-interpolate",
        "--data",
        str(data),
        "--out",
        str(out),
        *ONE_RUN,
    ]
    before = _snapshot(out)
    _mnist_folder(data, offset=60)  # other digits, same file names
    _refused(capsys, args, "is not the data the 'pool-interpolate' results")
    assert _snapshot(out) == before


def test_the_same_data_elsewhere_resumes(finished, copy_of, tmp_path, no_training):
    data, out = finished
    out = copy_of(out, "out")
    moved = tmp_path / "elsewhere" / "digits"
    shutil.copytree(data, moved)
    args = [
        "study",
        "pool-interpolate",
        "--data",
        str(moved),
        "--out",
        str(out),
        *ONE_RUN,
    ]
    csv = (out / "pool_interpolate.csv").read_bytes()
    assert main(args) == 0  # nothing to train: no_training would fail it
    assert (out / "pool_interpolate.csv").read_bytes() == csv


def test_the_settings_record_the_data_by_content(finished):
    data, out = finished
    settings = json.loads((out / "pool_interpolate.settings.json").read_text())
    assert settings["data"]["path"] == str(data.resolve())
    assert settings["data"]["fingerprint"].startswith("sha256:")


# -- --out holds skneuro's files only ----------------------------------------


def test_a_folder_with_a_users_file_is_refused_and_left_alone(
    tmp_path, capsys, no_training
):
    """Issue: a report.md the user kept in --out was replaced."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.md").write_text("my own notes\n")
    os.chmod(out / "report.md", 0o640)
    before = _snapshot(out)
    _refused(
        capsys,
        ["study", "pool-interpolate", "--out", str(out), *ONE_RUN],
        "holds files that skneuro did not write (report.md)",
    )
    assert _snapshot(out) == before


def test_a_foreign_results_csv_is_not_adopted(finished, copy_of, capsys, no_training):
    """Issue: a compression.csv with a run column was taken as finished runs."""
    _, out = finished
    out = copy_of(out, "out")
    pd.DataFrame({"run": ["lpq", "phog"], "loss": [0.1, 0.2]}).to_csv(
        out / "compression.csv", index=False
    )
    before = _snapshot(out)
    _refused(
        capsys,
        ["study", "compression", "--out", str(out), "--quick", "--no-progress"],
        "did not write (compression.csv)",
    )
    assert _snapshot(out) == before


def test_a_results_csv_changed_since_skneuro_wrote_it_is_refused(
    finished, copy_of, capsys, no_training
):
    data, out = finished
    out = copy_of(out, "out")
    csv = out / "pool_interpolate.csv"
    csv.write_text(csv.read_text().replace("baseline", "forged"))
    before = _snapshot(out)
    _refused(
        capsys,
        ["study", "pool-interpolate", "--data", str(data), "--out", str(out), *ONE_RUN],
        "pool_interpolate.csv was changed or replaced since skneuro wrote it",
    )
    assert _snapshot(out) == before


def test_out_that_is_a_file_or_lies_below_one_is_one_line(tmp_path, capsys):
    """Issue: FileExistsError and NotADirectoryError tracebacks."""
    file = tmp_path / "results.txt"
    file.write_text("x")
    _refused(capsys, ["study", "pool-interpolate", "--out", str(file)], "is a file")
    _refused(
        capsys,
        ["study", "pool-interpolate", "--out", str(file / "sub")],
        f"lies below the file {file}",
    )
    assert file.read_text() == "x"


def test_an_unreadable_manifest_is_refused(tmp_path):
    (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(StudyFolderError, match="not a manifest skneuro can read"):
        StudyFolder(tmp_path)
    (tmp_path / MANIFEST).write_text(json.dumps({"format": 99, "files": {}}))
    with pytest.raises(StudyFolderError, match="format 99"):
        StudyFolder(tmp_path)


def test_a_killed_write_leaves_the_old_file_and_is_cleaned_up(tmp_path, monkeypatch):
    folder = StudyFolder(tmp_path / "out")
    folder.write_text("a.md", "first\n")

    def killed(tmp, target):
        raise KeyboardInterrupt  # as if killed between writing and renaming

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        folder.write_text("a.md", "second\n")
    monkeypatch.undo()
    assert (tmp_path / "out" / "a.md").read_text() == "first\n"
    again = StudyFolder(tmp_path / "out")  # both versions were acceptable
    again.write_text("b.md", "b\n")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "a.md",
        "b.md",
        MANIFEST,
    ]


# -- modes --------------------------------------------------------------------


def test_outputs_get_the_mode_of_an_ordinary_write(finished, copy_of):
    """Issue: CSV, markdown and settings were 0600, the PNGs the umask's."""
    _, out = finished
    umask = os.umask(0)
    os.umask(umask)
    expected = 0o666 & ~umask
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()}
    assert {
        "pool_interpolate.csv",
        "report.md",
        "pool_interpolate.settings.json",
    } <= set(modes)
    assert any(name.endswith(".png") for name in modes)
    assert set(modes.values()) == {expected}, modes
    # A file replaced keeps the mode it was given, as an ordinary write does.
    out = copy_of(out, "out")
    os.chmod(out / "report.md", 0o600)
    folder = StudyFolder(out)
    folder.write_text("report.md", "# again\n")
    assert stat.S_IMODE((out / "report.md").stat().st_mode) == 0o600


# -- every option and the data are checked before anything is written -------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--device", "cuda:7"], "device='cuda:7'"),
        (["--device", "tpu"], "device='tpu'"),
        (["--seed", "-1"], "--seed must be at least 0"),
        (["--repeats", "0"], "--repeats must be at least 1"),
        (["--epochs", "0"], "--epochs must be at least 1"),
        (["--cases", "baseline", "baseline"], "--cases names baseline more than once"),
        (["--n-jobs", "-2"], "--n-jobs -2"),
    ],
)
def test_a_bad_option_writes_nothing_and_the_next_command_runs(
    tmp_path, capsys, args, message
):
    """Issue: a bad --device was found after the settings were written, so
    the next, correct command was refused as "other settings"."""
    out = tmp_path / "out"
    _refused(capsys, ["study", "pool-interpolate", "--out", str(out), *args], message)
    assert not out.exists()


def test_after_a_refused_command_the_right_one_runs(finished, tmp_path, capsys):
    data, _ = finished
    out = tmp_path / "out"
    args = ["study", "pool-interpolate", "--data", str(data), "--out", str(out)]
    _refused(capsys, [*args, "--device", "cuda:7", *ONE_RUN], "cuda:7")
    assert main([*args, *ONE_RUN]) == 0


def test_all_checks_every_study_before_the_first_writes(
    rare_table, tmp_path, capsys, no_training
):
    """feature-groups' table fails: pool-interpolate, first, must not start."""
    out = tmp_path / "out"
    _refused(
        capsys,
        ["study", "all", "--data", str(rare_table), "--out", str(out), "--quick"],
        "class 'Fear' (label 3) has 2 samples",
    )
    assert not out.exists()


# -- no NaN as if it were a measurement ---------------------------------------


@pytest.fixture
def rare_table(tmp_path):
    """A feature table where class 3 ("Fear") has only 2 samples."""
    path = tmp_path / "rare.csv"
    make_feature_table(60, n_missing=0, random_state=0, path=path)
    frame = pd.read_csv(path, header=None, dtype=object)
    labels = frame.iloc[1:, 1].astype(int)
    frame.drop(index=labels[labels == 3].index[2:]).to_csv(
        path, header=False, index=False
    )
    return path


def test_a_class_rarer_than_the_folds_is_refused_before_any_run(
    rare_table, tmp_path, capsys, no_training
):
    """Issue: feature-groups wrote NaN losses and exited 0."""
    out = tmp_path / "out"
    _refused(
        capsys,
        ["study", "feature-groups", "--data", str(rare_table), "--out", str(out)],
        "class 'Fear' (label 3) has 2 samples in --data",
    )
    assert not out.exists()


def test_a_results_row_with_nan_is_refused(tmp_path):
    table = ResultsTable(StudyFolder(tmp_path / "out"), "demo", {"epochs": 1})
    with pytest.raises(ValueError, match="loss=nan, which is not a measurement"):
        table.add("a", [{"epoch": 1, "loss": 0.5}, {"epoch": 2, "loss": float("nan")}])
    assert (
        not (tmp_path / "out").exists() or not (tmp_path / "out" / "demo.csv").exists()
    )


# -- data kinds ----------------------------------------------------------------


def test_an_image_folder_with_idx_in_a_file_name_is_an_image_folder(tmp_path):
    """Issue: any file name holding "idx" made a folder MNIST."""
    from skneuro.studies._data import data_kind

    data = tmp_path / "faces"
    for name in ("happy", "sad"):
        (data / name).mkdir(parents=True)
        imsave(
            data / name / "img.png", np.zeros((8, 8), np.uint8), check_contrast=False
        )
    (data / "index_idx.txt").write_text("a list of files")
    assert data_kind(data) == "image-folder"
    _mnist_folder(tmp_path / "mnist", n=10)
    assert data_kind(tmp_path / "mnist") == "mnist"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("table.xlsx", b"not a zip at all", "is not a valid .xlsx workbook"),
        ("mnist.npz", b"PK\x03\x04junk", "mnist.npz"),
        ("table.csv", "1,2,0.5,0.5\n3,4,0.1,0.2\n", "where a group title belongs"),
    ],
)
def test_corrupt_data_files_are_one_line(
    tmp_path, capsys, no_training, name, content, message
):
    """Issue: BadZipFile tracebacks from a corrupt .xlsx or .npz."""
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    study = "images" if name.endswith(".npz") else "feature-groups"
    out = tmp_path / "out"
    _refused(capsys, ["study", study, "--data", str(path), "--out", str(out)], message)
    assert not out.exists()


def _write_many(out, tag, n):
    folder = StudyFolder(out)
    for i in range(n):
        folder.write_text(f"{tag}_{i}.md", f"{tag} {i}\n")


def test_two_commands_writing_at_once_keep_one_manifest(tmp_path):
    """Two studies into one --out at once: neither's files go unlisted."""
    import multiprocessing

    out = tmp_path / "out"
    StudyFolder(out).claim()
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_write_many, args=(out, t, 15)) for t in "ab"]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
        assert writer.exitcode == 0
    folder = StudyFolder(out)  # would refuse a file the manifest lost
    assert all(folder.owns(f"{t}_{i}.md") for t in "ab" for i in range(15))


def test_ctrl_c_in_a_study_is_one_line_and_keeps_what_finished(
    finished, copy_of, capsys, monkeypatch
):
    data, out = finished
    out = copy_of(out, "out")
    before = _snapshot(out)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("skneuro.studies._cli.run_plan", interrupted)
    args = ["study", "pool-interpolate", "--data", str(data), "--out", str(out)]
    assert main([*args, *ONE_RUN]) == 130
    err = capsys.readouterr().err
    assert err.startswith("skneuro: interrupted;") and "rerun the same command" in err
    assert _snapshot(out) == before


@pytest.mark.parametrize("kind", ["mnist", "table"])
def test_a_relative_data_path_works_and_resumes(tmp_path, monkeypatch, kind):
    """The fingerprint compared relative file names with a resolved root."""
    monkeypatch.chdir(tmp_path)
    if kind == "mnist":
        _mnist_folder(tmp_path / "digits")
        args = ["study", "pool-interpolate", "--data", "digits", "--out", "out"]
        args += ONE_RUN
    else:
        make_feature_table(60, n_missing=0, random_state=0, path=tmp_path / "t.csv")
        args = ["study", "compression", "--data", "t.csv", "--out", "out"]
        args += ["--epochs", "2", "--no-progress"]
    assert main(args) == 0
    settings = json.loads(next((tmp_path / "out").glob("*.settings.json")).read_text())
    assert settings["data"]["path"].startswith(str(tmp_path.resolve()))
    assert main(args) == 0  # resumes


def test_an_empty_data_path_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["study", "images", "--data", "", "--out", "out"]
    _refused(capsys, args, "--data is empty")
