"""Where a study keeps its results: one CSV row per finished run, resumable.

A study is a list of runs, each with a key (``"2x2/1 #3"``). When a run
finishes, its rows are added, one per measurement (an epoch's score, a
width's loss: a tidy table that opens in pandas as it is, with no list
encoded in a cell), and the whole CSV is rewritten through the study
folder (:class:`~skneuro.studies._folder.StudyFolder`: a temporary file
renamed over the old one), so that a study killed at any moment leaves the
CSV before the run or the CSV after it, never a partial row. Rerunning the
same command reads the CSV back and skips the runs it holds.

The settings a study ran with (the data's identity, epochs, repeats,
seed...) are kept in a JSON file beside the CSV, written with the first
row. A rerun with other settings, or on other data, into the same folder
would mix incomparable runs, so it is refused with the differences spelled
out, before anything runs or is written.
"""

import io
import json
import math
import numbers

import pandas as pd


class SettingsMismatchError(ValueError):
    """The output folder holds a study run with other settings or data."""


def _describe_data(data):
    if isinstance(data, dict):
        return f"{data.get('path')} (fingerprint {str(data.get('fingerprint'))[:19]})"
    return repr(data)


class ResultsTable:
    """The results CSV of one study in a study folder.

    Parameters
    ----------
    folder : StudyFolder
        The output folder, already checked.
    name : str
        The study's file stem: the files are ``<name>.csv`` and
        ``<name>.settings.json``.
    settings : dict
        JSON-serialisable settings of this run of the study; its ``"data"``
        entry, a dict with ``"path"`` and ``"fingerprint"``, identifies the
        data by content.

    Raises
    ------
    SettingsMismatchError
        When the folder holds results of this study run with other settings
        or on other data. Nothing is written then, nor when the table is
        only created: the settings are written with the first row.

    Examples
    --------
    >>> import tempfile
    >>> from skneuro.studies._folder import StudyFolder
    >>> from skneuro.studies._results import ResultsTable
    >>> folder = StudyFolder(tempfile.mkdtemp())
    >>> table = ResultsTable(folder, "demo", {"epochs": 2})
    >>> table.add("a", [{"epoch": 1, "score": 0.5}, {"epoch": 2, "score": 0.7}])
    >>> again = ResultsTable(folder, "demo", {"epochs": 2})
    >>> again.done(), len(again.frame())
    ({'a'}, 2)
    """

    def __init__(self, folder, name, settings):
        self.folder = folder
        self.name = name
        self.csv_name = f"{name}.csv"
        self.settings_name = f"{name}.settings.json"
        settings = json.loads(json.dumps(settings))  # as it reads back
        self.settings = settings
        self.rows = []
        if folder.owns(self.csv_name) and not folder.owns(self.settings_name):
            raise SettingsMismatchError(
                f"{folder.path} holds {self.csv_name} without "
                f"{self.settings_name}, so what its runs were computed with is "
                "unknown: put the settings file back, or write into another --out."
            )
        if folder.owns(self.settings_name):
            kept = json.loads(folder.read_text(self.settings_name))
            self._check_same(kept, settings)
            if folder.owns(self.csv_name):
                self.rows = pd.read_csv(
                    io.StringIO(folder.read_text(self.csv_name))
                ).to_dict("records")

    def _check_same(self, kept, settings):
        where = self.folder.path
        old, new = kept.get("data"), settings.get("data")
        if isinstance(old, dict) and isinstance(new, dict):
            if old.get("fingerprint") != new.get("fingerprint"):
                raise SettingsMismatchError(
                    f"--data {new.get('path')} is not the data the "
                    f"{self.name.replace('_', '-')!r} results in {where} were "
                    f"computed on: that was {_describe_data(old)}, this is "
                    f"{_describe_data(new)}. Resuming would mix runs on two data "
                    "sets: write into another --out, or give the same data."
                )
            # The same content at another path is the same data.
            kept = {**kept, "data": new}
        if kept != settings:
            keys = sorted(set(kept) | set(settings))
            changes = [
                f"{k}: {kept.get(k)!r} -> {settings.get(k)!r}"
                for k in keys
                if kept.get(k) != settings.get(k)
            ]
            raise SettingsMismatchError(
                f"{where} holds results of the {self.name.replace('_', '-')!r} "
                f"study run with other settings ({'; '.join(changes)}). Resuming "
                "would mix runs that are not comparable: write into another "
                "output folder (--out), or use the same settings to resume."
            )

    def done(self):
        """Keys of the finished runs."""
        return {str(row["run"]) for row in self.rows}

    def add(self, key, rows, order=None):
        """Add the rows of the finished run ``key`` (one per measurement).

        The rows get a ``run`` column holding ``key``. With ``order`` (the
        study's run keys), runs are kept in that order whatever order they
        finished in; otherwise in the order added.

        Raises
        ------
        ValueError
            When the run is already in the table, it brought no row, or a
            value of a row is a non-finite number: a study records
            measurements, and NaN is none. Nothing is written then.
        """
        key = str(key)
        if key in self.done():
            raise ValueError(f"run {key!r} is already in {self.csv_name}")
        rows = [{"run": key, **row} for row in rows]
        if not rows:
            raise ValueError(f"run {key!r} gave no results for {self.csv_name}")
        for row in rows:
            for column, value in row.items():
                if isinstance(value, numbers.Real) and not math.isfinite(value):
                    raise ValueError(
                        f"run {key!r} gave {column}={value}, which is not a "
                        f"measurement; nothing was written to {self.csv_name}."
                    )
        if not self.rows:
            self.folder.write_text(
                self.settings_name, json.dumps(self.settings, indent=2) + "\n"
            )
        self.rows.extend(rows)
        if order is not None:
            position = {str(k): i for i, k in enumerate(order)}
            # Stable: a run's rows keep their order.
            self.rows.sort(key=lambda r: position.get(str(r["run"]), len(position)))
        frame = pd.DataFrame(self.rows)
        self.folder.write_text(self.csv_name, frame.to_csv(index=False))

    def frame(self):
        """The results as a DataFrame."""
        return pd.DataFrame(self.rows)
