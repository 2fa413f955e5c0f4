"""Where a study keeps its results: one CSV row per finished run, resumable.

A study is a list of runs, each with a key (``"2x2/1 #3"``). When a run
finishes, its row is added and the whole CSV is rewritten to a temporary file
in the same folder and renamed over the old one (:func:`os.replace` is
atomic), so that a study killed at any moment leaves either the CSV before
the run or the CSV after it, never a partial row. Rerunning the same command
reads the CSV back and skips the runs it holds.

The settings a study ran with (data, epochs, repeats, seed...) are kept in a
JSON file beside the CSV. A rerun with other settings into the same folder
would mix incomparable runs, so it is refused with the differences spelled
out.
"""

import json
import os
import tempfile
from pathlib import Path

import pandas as pd


class SettingsMismatchError(ValueError):
    """The output folder holds a study run with other settings."""


def _atomic_write(path, write):
    """Write ``path`` through ``write(file)`` on a temporary file, then rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path, text):
    """Write ``text`` to ``path`` atomically (for reports and settings)."""
    _atomic_write(path, lambda file: file.write(text))


class ResultsTable:
    """The results CSV of one study in an output folder.

    Parameters
    ----------
    out : path-like
        The output folder (created when missing).
    name : str
        The study's name: the files are ``<name>.csv`` and
        ``<name>.settings.json``.
    settings : dict
        JSON-serialisable settings of this run of the study.

    Raises
    ------
    SettingsMismatchError
        When the folder holds results of this study run with other settings.

    Examples
    --------
    >>> import tempfile
    >>> from skneuro.studies._results import ResultsTable
    >>> out = tempfile.mkdtemp()
    >>> table = ResultsTable(out, "demo", {"epochs": 2})
    >>> table.add({"run": "a", "score": 0.5})
    >>> ResultsTable(out, "demo", {"epochs": 2}).done()
    {'a'}
    """

    def __init__(self, out, name, settings):
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.path = self.out / f"{name}.csv"
        self.settings_path = self.out / f"{name}.settings.json"
        self.name = name
        settings = json.loads(json.dumps(settings))  # as it reads back
        if self.settings_path.exists():
            kept = json.loads(self.settings_path.read_text(encoding="utf-8"))
            if kept != settings:
                keys = sorted(set(kept) | set(settings))
                changes = [
                    f"{k}: {kept.get(k)!r} -> {settings.get(k)!r}"
                    for k in keys
                    if kept.get(k) != settings.get(k)
                ]
                raise SettingsMismatchError(
                    f"{self.out} holds results of the {name!r} study run with other "
                    f"settings ({'; '.join(changes)}). Resuming would mix runs "
                    "that are not comparable: write into another output folder "
                    "(--out), or use the same settings to resume."
                )
        else:
            write_text_atomic(self.settings_path, json.dumps(settings, indent=2))
        self.settings = settings
        self.rows = (
            pd.read_csv(self.path).to_dict("records") if self.path.exists() else []
        )

    def done(self):
        """Keys of the finished runs."""
        return {str(row["run"]) for row in self.rows}

    def add(self, row, order=None):
        """Add the row of a finished run (its key in ``row["run"]``).

        With ``order`` (the study's run keys), rows are kept in that order
        whatever order the runs finished in; otherwise in the order added.
        """
        if str(row["run"]) in self.done():
            raise ValueError(f"run {row['run']!r} is already in {self.path}")
        self.rows.append(dict(row))
        if order is not None:
            position = {str(key): i for i, key in enumerate(order)}
            self.rows.sort(key=lambda r: position.get(str(r["run"]), len(position)))
        frame = pd.DataFrame(self.rows)
        _atomic_write(self.path, lambda file: frame.to_csv(file, index=False))

    def frame(self):
        """The results as a DataFrame."""
        return pd.DataFrame(self.rows)
