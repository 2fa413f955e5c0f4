"""The studies command: runs, resumes, refuses bad data and changed settings."""

import gzip
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from skimage.io import imsave

from skneuro.datasets import load_digits_images
from skneuro.studies._cli import main
from skneuro.studies._folder import StudyFolder
from skneuro.studies._results import ResultsTable, SettingsMismatchError

DATA = Path(__file__).parent / "data"
#: Small settings: every pooling case once, one epoch.
TINY = ["--repeats", "1", "--epochs", "1", "--no-progress"]


def _write_idx(path, array):
    code = 0x08  # unsigned bytes
    header = bytes([0, 0, code, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape
    )
    with gzip.open(path, "wb") as handle:
        handle.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture(scope="module")
def mnist_test_folder(tmp_path_factory):
    """Only the official test files, as 120 digits enlarged to 28x28."""
    folder = tmp_path_factory.mktemp("mnist")
    digits = load_digits_images()
    images = np.kron(digits.images[:120] * 15.9, np.ones((3, 3)))
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)))
    _write_idx(folder / "t10k-images-idx3-ubyte.gz", images)
    _write_idx(folder / "t10k-labels-idx1-ubyte.gz", digits.target[:120])
    return folder


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory):
    """Two classes of small PNG images, one sub-folder each."""
    folder = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    for name, level in [("dark", 40), ("light", 200)]:
        (folder / name).mkdir()
        for i in range(20):
            image = np.clip(rng.normal(level, 30, (20, 20)), 0, 255).astype(np.uint8)
            imsave(folder / name / f"{i}.png", image, check_contrast=False)
    return folder


def test_results_table_resumes_and_refuses_other_settings(tmp_path):
    table = ResultsTable(StudyFolder(tmp_path), "demo", {"epochs": 2})
    table.add("a #0", [{"epoch": 1, "score": 0.5}, {"epoch": 2, "score": 0.6}])
    table.add("a #1", [{"epoch": 1, "score": 0.7}])
    again = ResultsTable(StudyFolder(tmp_path), "demo", {"epochs": 2})
    assert again.done() == {"a #0", "a #1"} and len(again.frame()) == 3
    with pytest.raises(ValueError, match="already"):
        again.add("a #1", [{"epoch": 1, "score": 0.1}])
    with pytest.raises(SettingsMismatchError, match=r"epochs: 2 -> 3"):
        ResultsTable(StudyFolder(tmp_path), "demo", {"epochs": 3})
    assert not list(tmp_path.glob(".skneuro-tmp-*"))


def test_pool_interpolate_study_writes_results_figures_and_report(tmp_path):
    out = tmp_path / "out"
    assert main(["study", "pool-interpolate", "--out", str(out), *TINY]) == 0
    frame = pd.read_csv(out / "pool_interpolate.csv")
    assert sorted(frame["case"].unique()) == sorted(
        ["baseline", "2x2/1", "2x2/2", "3x3/1", "3x3/2"]
    )
    assert frame.loc[frame["metric"] == "f1", "value"].between(0, 1).all()
    # One row per measurement: nothing encoded in a cell.
    assert (
        not frame.astype(str).apply(lambda c: c.str.startswith(("[", "{"))).any().any()
    )
    report = (out / "report.md").read_text()
    assert "Buell" in report and "| baseline |" in report
    for png in [
        "pool_interpolate_scores_by_epoch.png",
        "pool_interpolate_test_scores.png",
    ]:
        assert (out / png).stat().st_size > 10_000
        assert f"]({png})" in report
    # Same command: nothing to redo, the rows are those of the first run.
    assert main(["study", "pool-interpolate", "--out", str(out), *TINY]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(out / "pool_interpolate.csv"), frame)


def test_other_settings_into_the_same_out_are_refused(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["study", "pool-interpolate", "--out", str(out), *TINY]) == 0
    before = (out / "pool_interpolate.csv").read_bytes()
    code = main(
        [
            "study",
            "pool-interpolate",
            "--out",
            str(out),
            "--repeats",
            "1",
            "--epochs",
            "2",
            "--no-progress",
        ]
    )
    assert code == 2
    assert "epochs: 1 -> 2" in capsys.readouterr().err
    assert (out / "pool_interpolate.csv").read_bytes() == before


CASES_RUN = ["baseline", "2x2/2", "3x3/1"]


@pytest.mark.parametrize("n_jobs", ["1", "2"])
def test_a_killed_study_resumes_without_redoing_or_duplicating(tmp_path, n_jobs):
    """Killed after 2 runs, one after another or two at a time in workers."""
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "skneuro",
        "study",
        "pool-interpolate",
        "--out",
        str(out),
        "--repeats",
        "2",
        "--cases",
        *CASES_RUN,
        "--epochs",
        "2",
        "--n-jobs",
        n_jobs,
        "--no-progress",
    ]
    # A session of its own, so that the kill takes the workers with it.
    process = subprocess.Popen(
        command, stderr=subprocess.DEVNULL, start_new_session=True
    )
    csv = out / "pool_interpolate.csv"
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline:
            if csv.exists() and pd.read_csv(csv)["run"].nunique() >= 2:
                break
            assert process.poll() is None, "the study ended before it was killed"
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    killed = pd.read_csv(csv)
    assert 2 <= killed["run"].nunique() < 6
    subprocess.run(command, check=True, stderr=subprocess.DEVNULL)
    final = pd.read_csv(csv)
    # Every run once, its rows together, in the study's order, whatever order
    # the runs finished in,
    expected = [f"{case} #{r}" for r in range(2) for case in CASES_RUN]
    assert list(dict.fromkeys(final["run"])) == expected
    assert final.groupby("run").size().nunique() == 1  # as many rows each
    # and the runs finished before the kill were kept as they were.
    kept = final[final["run"].isin(set(killed["run"]))].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, killed)


@pytest.mark.parametrize(
    "name", ["feature_table_example.xlsx", "feature_table_example.csv"]
)
def test_feature_studies_on_a_feature_table(tmp_path, name):
    out = tmp_path / "out"
    args = [
        "--data",
        str(DATA / name),
        "--out",
        str(out),
        "--quick",
        "--epochs",
        "50",
        "--no-progress",
    ]
    assert main(["study", "feature-groups", *args]) == 0
    frame = pd.read_csv(out / "feature_groups.csv")
    assert set(frame["group"]) >= {"all"} and len(frame) >= 3
    assert "logistic regression" in (out / "report.md").read_text()


def test_pool_interpolate_on_mnist_test_files(tmp_path, mnist_test_folder):
    out = tmp_path / "out"
    args = ["--data", str(mnist_test_folder), "--out", str(out), *TINY]
    assert main(["study", "pool-interpolate", *args]) == 0
    assert "MNIST-format data (test): 120 images" in (out / "report.md").read_text()


def test_images_study_on_an_image_folder(tmp_path, image_folder):
    out = tmp_path / "out"
    args = [
        "--data",
        str(image_folder),
        "--out",
        str(out),
        "--quick",
        "--epochs",
        "2",
        "--no-progress",
    ]
    assert main(["study", "images", *args]) == 0
    report = (out / "report.md").read_text()
    assert "| dark |" in report and "| light |" in report
    assert (out / "images_by_epoch.png").exists()


@pytest.mark.parametrize(
    ("make", "study", "message"),
    [
        (lambda p: p / "missing", "pool-interpolate", "no such file"),
        (lambda p: p, "pool-interpolate", "the folder is empty"),
        (lambda p: _write(p / "notes.txt", "hello"), "images", "a file must be"),
        (lambda p: _write(p / "bad.csv", "a,b\n1,2\n"), "feature-groups", "bad.csv:"),
        (lambda p: DATA / "feature_table_example.csv", "images", "feature table"),
    ],
)
def test_bad_data_fails_before_training_and_writes_nothing(
    tmp_path, capsys, no_training, make, study, message
):
    data = make(_empty(tmp_path))
    out = tmp_path / "out"
    assert main(["study", study, "--data", str(data), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("skneuro: error:") and message in err
    assert not out.exists()


def _empty(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


def _write(path, text):
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "args, message",
    [
        (["--n-jobs", "0"], "--n-jobs 0: give a positive count"),
        (["--scheduler", "tcp://127.0.0.1:1"], "no Dask scheduler answered there"),
    ],
)
def test_bad_parallel_options_fail_before_training_and_write_nothing(
    tmp_path, capsys, monkeypatch, no_training, args, message
):
    pytest.importorskip("distributed")
    monkeypatch.setattr("skneuro.studies._runs.CONNECT_TIMEOUT", "1s")
    out = tmp_path / "out"
    assert main(["study", "pool-interpolate", "--out", str(out), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("skneuro: error:") and message in err
    assert not out.exists()


def _toy_run(value, epochs):
    return [{"epoch": e, "value": float(value) * e} for e in range(1, epochs + 1)]


def _toy_report(folder, frame):
    return f"## Toy study\n\n{len(frame)} measurements.\n"


def _plan_toy(
    *, data=None, epochs=2, seed=0, device="auto", n_jobs=1, show_progress=True
):
    from skneuro.studies._runs import StudyPlan

    settings = {
        "study": "toy",
        "data": {"path": "none", "fingerprint": "none"},
        "epochs": epochs,
        "seed": seed,
    }
    runs = [(f"#{i}", {"value": i, "epochs": epochs}) for i in range(3)]
    return StudyPlan("toy", settings, runs, _toy_run, _toy_report, n_jobs)


@pytest.fixture
def registry():
    """The study registry, put back as it was after the test."""
    from skneuro.studies import _registry

    before = dict(_registry.STUDIES)
    yield _registry
    _registry.STUDIES.clear()
    _registry.STUDIES.update(before)


def test_a_study_registered_once_runs_through_the_command_line(tmp_path, registry):
    """Registering is the one step: the CLI's choices and options, the
    report and the docs' table read the registry."""
    _registry = registry
    _registry.register(
        _registry.Study(
            name="toy",
            paper="nobody",
            summary="three runs of a few numbers",
            plan=_plan_toy,
            data_kinds=frozenset(),
            quick={"epochs": 1},
            options=(_registry.EPOCHS,),
        )
    )
    out = tmp_path / "out"
    assert main(["study", "toy", "--out", str(out), "--epochs", "3"]) == 0
    frame = pd.read_csv(out / "toy.csv")
    assert frame.groupby("run").size().tolist() == [3, 3, 3]
    assert "## Toy study" in (out / "report.md").read_text()
    assert "| `toy` | nobody |" in _registry.markdown_table()
    with pytest.raises(ValueError, match="already registered"):
        _registry.register(_registry.STUDIES["toy"])


def test_an_option_a_study_does_not_take_is_refused(tmp_path, capsys, no_training):
    out = tmp_path / "out"
    assert (
        main(["study", "feature-groups", "--cases", "baseline", "--out", str(out)]) == 2
    )
    assert "--cases applies to the pool-interpolate study" in capsys.readouterr().err
    assert not out.exists()


def test_the_readme_shows_the_registrys_table():
    from skneuro.studies._registry import markdown_table

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    assert markdown_table() in readme
