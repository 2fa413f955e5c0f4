"""Feature tables in Hao's feature spreadsheet layout.

The layout of the LPQ and PHOG feature spreadsheet of Hao, "Use Neural Network
to Classify and Compress Images" (see ``tests/data/feature_table_example.xlsx``
and ``.csv``)::

    row 1      | (blank)     | label | Title of group 1 (LPQ) | ... | Title (PHOG) | ...
    row 2...   | sample name | 1..7  | feature values ...           | ...

Row 1 holds a title over each block of feature columns. In ``.xlsx`` files the
title is usually merged across its block; in ``.csv`` files it stands over the
block's first column and the rest of the block is blank. A title repeated over
every column of its block is read the same way. Column A holds the sample
names, column B the integer emotion labels 1..7.
"""

import math
import re
import warnings

import numpy as np
import pandas as pd
from sklearn.utils import Bunch, check_random_state

from skneuro.datasets._images import _check_path

__all__ = ["load_feature_table", "make_feature_table"]

#: Emotion names; label ``i`` (1-based, as in the tables) is ``EMOTIONS[i - 1]``.
EMOTIONS = ("Angry", "Disgust", "Fear", "Happy", "Neutral", "Sad", "Surprise")

_CSV_SUFFIXES = (".csv",)
_XLSX_SUFFIXES = (".xlsx", ".xlsm")
_LABEL_HEADER = "label"

# Titles of the two groups in Hao's spreadsheet, reused by make_feature_table.
_HAO_TITLES = {
    "lpq": "First {n} Principal Components of Local Phase Quantization (LPQ) features",
    "phog": (
        "First {n} Principal Components of Pyramid of Histogram of Gradients "
        "(PHOG) features"
    ),
}

_ACRONYM = re.compile(r"\(\s*([A-Za-z][A-Za-z0-9_\-]*)\s*\)")
_GROUP_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _import_openpyxl():
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Reading or writing .xlsx files needs the optional dependency "
            "openpyxl. Install it with: pip install skneuro[xlsx]"
        ) from exc
    return openpyxl


def _column_letter(position):
    """Spreadsheet letter of a 0-based column position (0 -> 'A', 26 -> 'AA')."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _is_blank(value):
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _is_bool(value):
    return isinstance(value, bool | np.bool_)


def _is_integer(value):
    """A Python or numpy integer, not a bool."""
    return isinstance(value, int | np.integer) and not _is_bool(value)


def _is_number_like(value):
    """A finite number, or text that reads as one (``"0.25"``), not a bool."""
    if _is_bool(value) or _is_blank(value):
        return False
    if isinstance(value, str):
        try:
            return math.isfinite(float(value))
        except ValueError:
            return False
    return isinstance(value, int | float | np.number)


def _clean_cell(value):
    """Strip text cells; blank text becomes missing."""
    if isinstance(value, str):
        return value.strip() or np.nan
    return value


def _group_name(title):
    """``"... (LPQ) features"`` -> ``"lpq"``; otherwise a slug of the title."""
    matches = _ACRONYM.findall(title)
    if matches:
        name = matches[-1]
    else:
        name = title
    name = re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_").lower()
    if not name:
        raise ValueError(f"Cannot make a group name from the title {title!r}.")
    if name[0].isdigit():
        name = "g_" + name
    return name


def _read_raw(path, sheet_name):
    """Read the whole table, header row included, as an object DataFrame."""
    suffix = path.suffix.lower()
    if suffix in _CSV_SUFFIXES:
        return _read_csv(path)
    if suffix in _XLSX_SUFFIXES:
        return _read_xlsx(path, sheet_name)
    raise ValueError(
        f"Unsupported file extension {path.suffix!r} for {path.name}: "
        "load_feature_table reads .csv and .xlsx files."
    )


def _read_csv(path):
    """Read a CSV table, refusing binary, non-UTF-8 and malformed files."""
    save_as = (
        "load_feature_table reads CSV text in UTF-8 (in Excel: Save As, "
        "'CSV UTF-8') and .xlsx workbooks."
    )
    with open(path, "rb") as handle:
        start = handle.read(2**16)
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError(
            f"{path.name} is not UTF-8 text: it starts with a UTF-16 byte-order "
            f"mark. {save_as}"
        )
    nul = start.find(b"\x00")
    if nul >= 0:
        zipped = (
            " (it looks like a zip archive, such as an .xlsx workbook renamed .csv)"
            if start.startswith(b"PK\x03\x04")
            else ""
        )
        raise ValueError(
            f"{path.name} is not UTF-8 text: it holds binary data, a NUL byte at "
            f"position {nul}{zipped}. {save_as}"
        )
    try:
        return pd.read_csv(
            path, header=None, dtype=object, encoding="utf-8-sig", na_values=[""]
        )
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{path.name} is not UTF-8 text ({exc}): it is binary, or text in "
            f"another encoding. {save_as}"
        ) from None
    except pd.errors.EmptyDataError:
        raise ValueError(
            f"{path.name} is empty: expected a title row (a title over each "
            "block of features) and one row per sample."
        ) from None
    except pd.errors.ParserError as exc:
        detail = str(exc).strip().removeprefix("Error tokenizing data. C error: ")
        raise ValueError(
            f"{path.name} is not a well-formed CSV table: {detail}. Every row "
            "should have as many cells as the title row; look for stray commas "
            "or unbalanced quotes there."
        ) from None


def _read_xlsx(path, sheet_name):
    """Read one worksheet, refusing corrupt workbooks and unknown sheets."""
    _import_openpyxl()
    if not _is_integer(sheet_name) and not isinstance(sheet_name, str):
        raise ValueError(
            f"sheet_name must be a worksheet name (str) or a 0-based position "
            f"(int) of a worksheet of {path.name}; got {sheet_name!r}."
        )

    def corrupt(exc):
        return ValueError(
            f"{path.name} is not a valid .xlsx workbook "
            f"({type(exc).__name__}: {exc}). It may be truncated, or another "
            "kind of file renamed .xlsx; save it again from Excel or "
            "LibreOffice, or as CSV UTF-8."
        )

    try:
        workbook = pd.ExcelFile(path, engine="openpyxl")
    except (ImportError, MemoryError):
        raise
    except Exception as exc:  # openpyxl raises many types on corrupt files
        raise corrupt(exc) from exc
    with workbook:
        sheets = list(workbook.sheet_names)
        listing = f"its worksheets are {', '.join(repr(n) for n in sheets)}"
        if isinstance(sheet_name, str) and sheet_name not in sheets:
            raise ValueError(
                f"sheet_name={sheet_name!r}: {path.name} has no worksheet of "
                f"that name; {listing}."
            )
        if _is_integer(sheet_name) and not 0 <= sheet_name < len(sheets):
            raise ValueError(
                f"sheet_name={sheet_name!r} is out of range: {path.name} has "
                f"{len(sheets)} worksheet(s), at positions 0..{len(sheets) - 1}; "
                f"{listing}."
            )
        try:
            sheet = sheet_name if isinstance(sheet_name, str) else int(sheet_name)
            return pd.read_excel(workbook, sheet_name=sheet, header=None, dtype=object)
        except (ImportError, MemoryError):
            raise
        except Exception as exc:
            raise corrupt(exc) from exc


def _clean_raw(raw, source):
    """Cells by column position, text stripped; empty columns and rows dropped.

    Returns the title row, the data rows and the data rows' numbers in the
    file (row 1 is the title row).
    """
    raw = pd.DataFrame(raw)
    # Columns by position; text cells stripped, blank text missing.
    raw = pd.DataFrame(
        {i: raw.iloc[:, i].map(_clean_cell) for i in range(raw.shape[1])},
        dtype=object,
    )
    # Trailing empty columns (stray commas) and fully empty rows carry nothing.
    while raw.shape[1] and raw.iloc[:, -1].isna().all():
        raw = raw.iloc[:, :-1]
    if raw.shape[0] == 0:
        raise ValueError(f"{source} is empty.")
    header = raw.iloc[0]
    body = raw.iloc[1:]
    excel_rows = np.arange(2, raw.shape[0] + 1)
    keep = ~body.isna().all(axis=1).to_numpy()
    body, excel_rows = body[keep], excel_rows[keep]
    if body.shape[0] == 0:
        raise ValueError(f"{source} has no data rows below its titles.")
    return header, body, excel_rows


def _label_position(header, label_column, source):
    """The 0-based position of the label column that ``label_column`` names."""
    n_columns = len(header)
    if label_column is None:
        label_pos = 1
    elif isinstance(label_column, str):
        titles = [str(v).strip().lower() if not _is_blank(v) else None for v in header]
        if label_column.strip().lower() not in titles:
            raise ValueError(
                f"The label column is missing: no column of {source} has the "
                f"title {label_column!r} in row 1."
            )
        label_pos = titles.index(label_column.strip().lower())
    elif isinstance(label_column, int | np.integer) and not isinstance(
        label_column, bool
    ):
        label_pos = int(label_column)
    else:
        raise TypeError(
            "label_column must be None, a column title (str) or a 0-based column "
            f"position (int); got {label_column!r}."
        )
    if label_pos < 1 or label_pos >= n_columns:
        raise ValueError(
            f"The label column is missing: {source} has {n_columns} column(s); "
            "expected the sample names in column A, the integer labels 1..7 in "
            "column B and feature columns after them."
        )
    return label_pos


def _check_title_row(header, label_pos, source):
    """Refuse a number where a group title belongs in row 1."""
    # A number where a title belongs: the table lacks its title row, and its
    # first sample would be read as the titles.
    for p in range(1, len(header)):
        if p != label_pos and _is_number_like(header[p]):
            raise ValueError(
                f"{source} has a number in cell {_column_letter(p)}1 "
                f"({header[p]!r}) where a group title belongs: the table seems "
                "to lack its title row. Expected layout: sample names in column "
                "A, integer labels 1..7 in column B, and in row 1 a title over "
                "each block of feature columns, such as 'First 5 Principal "
                "Components of Local Phase Quantization (LPQ) features'; the "
                "samples start in row 2."
            )


def _parse_labels(raw_labels, label_letter, excel_rows, source):
    """The label column as numbers, NaN where blank; refuse anything but 1..7."""
    labels = pd.to_numeric(raw_labels, errors="coerce")
    not_numbers = raw_labels.notna() & (labels.isna() | raw_labels.map(_is_bool))
    # inf % 1 is NaN, so infinities count as non-integers too.
    not_integers = (not_numbers | (labels.notna() & (labels % 1 != 0))).to_numpy()
    present = labels.dropna().to_numpy(dtype=float)
    expected = f"integer labels 1..{len(EMOTIONS)} ({', '.join(EMOTIONS)})"
    layout = (
        "Expected layout: sample names in column A, labels in column B, "
        "feature blocks with a title in row 1 after them."
    )
    if present.size == 0 and not not_numbers.any():
        raise ValueError(
            f"The label column is missing: column {label_letter} of {source} "
            f"should hold {expected}, but it is blank in every row. {layout}"
        )
    if not_integers.any():
        first = np.flatnonzero(not_integers)[0]
        value = raw_labels.iloc[first]
        if not not_numbers.iloc[first]:
            value = float(labels.iloc[first])  # 1.5, not np.float64(1.5)
        value = value.item() if isinstance(value, np.generic) else value
        shown = repr(value)
        valid = (present == np.round(present)) & (present >= 1)
        valid &= present <= len(EMOTIONS)
        if not valid.any():
            # Not one label in the column: it is not the label column.
            raise ValueError(
                f"The label column is missing: column {label_letter} of "
                f"{source} should hold {expected}, but it holds values such "
                f"as {shown} (row {excel_rows[first]}) and no label. {layout} "
                "If the labels are in another column, pass label_column=."
            )
        raise ValueError(
            f"The label column {label_letter} of {source} should hold "
            f"{expected}, but row {excel_rows[first]} holds {shown} "
            f"({int(not_integers.sum())} cell(s) of the column hold no integer "
            "label). Fix the cell, or blank it to drop the row."
        )
    bad = np.unique(present[(present < 1) | (present > len(EMOTIONS))])
    if bad.size:
        raise ValueError(
            f"Labels in column {label_letter} of {source} must be integers "
            f"1..{len(EMOTIONS)} ({', '.join(EMOTIONS)}); found "
            f"{', '.join(str(int(b)) for b in bad[:10])}."
        )
    return labels


def _title_blocks(header, label_pos, source):
    """The blocks of feature columns of row 1, as ``(title, positions)`` pairs.

    A block starts at a title and runs over the blank cells after it, or over
    cells repeating its title.
    """
    feature_pos = [p for p in range(1, len(header)) if p != label_pos]
    if not feature_pos:
        raise ValueError(f"{source} has no feature columns after the label column.")
    if all(_is_blank(header[p]) for p in feature_pos):
        raise ValueError(
            f"{source} has no group titles: row 1 should hold a title over each "
            "block of feature columns, such as 'First 5 Principal Components of "
            "Local Phase Quantization (LPQ) features'."
        )
    blocks = []  # (title, [positions])
    for p in feature_pos:
        title = header[p]
        if _is_blank(title):
            if not blocks:
                raise ValueError(
                    f"Column {_column_letter(p)} of {source} has no group title: "
                    "row 1 should hold a title over the first column of each "
                    "block of features."
                )
            blocks[-1][1].append(p)
        elif blocks and str(title).strip() == blocks[-1][0]:
            # The same title repeated over every column of its block.
            blocks[-1][1].append(p)
        else:
            blocks.append((str(title).strip(), [p]))
    return blocks


def _name_groups(blocks, source):
    """Name each block's group and columns; refuse two blocks of one name.

    Returns the groups (name -> column names), their titles (name -> title),
    and the names and positions of all feature columns, in file order.
    """
    groups, titles, columns, positions = {}, {}, [], []
    for title, block in blocks:
        name = _group_name(title)
        if name in groups:
            raise ValueError(
                f"Two blocks of {source} give the same group name {name!r} "
                f"(titles {titles[name]!r} and {title!r}); rename one of them."
            )
        names = [f"{name}_{i}" for i in range(1, len(block) + 1)]
        groups[name], titles[name] = names, title
        columns.extend(names)
        positions.extend(block)
    return groups, titles, columns, positions


def _feature_column(cells, name, p, excel_rows, source):
    """One feature column as float64, NaN where blank; refuse text and inf."""
    numbers = pd.to_numeric(cells, errors="coerce")
    wrong = cells.notna() & (numbers.isna() | cells.map(_is_bool))
    if wrong.any():
        row = excel_rows[np.flatnonzero(wrong.to_numpy())[0]]
        raise ValueError(
            f"Column {_column_letter(p)} ({name}) of {source} holds a value "
            f"that is not a number in row {row}: {cells[wrong].iloc[0]!r}."
        )
    numbers = numbers.to_numpy(dtype=np.float64)
    infinite = np.isinf(numbers)
    if infinite.any():
        first = np.flatnonzero(infinite)[0]
        row = excel_rows[first]
        cell = _plain(cells.iloc[first])
        letter = _column_letter(p)
        raise ValueError(
            f"Column {letter} ({name}) of {source} holds a value that is "
            f"not a finite number in row {row} (cell {letter}{row}): "
            f"{cell!r}, read as {numbers[first]}. Feature values must be "
            "finite numbers (float64 ends near 1.8e308); fix the cell, or "
            f"blank it to mark a missing value ({int(infinite.sum())} such "
            "cell(s) in the column)."
        )
    return numbers


def _feature_values(body, columns, positions, excel_rows, source):
    """The feature columns at ``positions`` as a float64 DataFrame."""
    values = {
        name: _feature_column(body[p], name, p, excel_rows, source)
        for name, p in zip(columns, positions, strict=True)
    }
    return pd.DataFrame(values, columns=columns)


def _sample_names(cells, excel_rows):
    """Column A as text; ``row_<n>`` where it is blank."""
    return np.array(
        [
            f"row_{row}" if _is_blank(v) else str(v).strip()
            for v, row in zip(cells, excel_rows, strict=True)
        ],
        dtype=object,
    )


def _drop_missing(data, labels, sample_names, dropna, source):
    """Drop the rows without a label and, with ``dropna``, the incomplete ones.

    Returns the data, target and sample names kept, and the names dropped.
    """
    label_missing = labels.isna().to_numpy()
    missing = label_missing | data.isna().any(axis=1).to_numpy()
    drop = missing if dropna else label_missing
    dropped = list(sample_names[drop])
    data = data[~drop].reset_index(drop=True)
    target = labels.to_numpy()[~drop].astype(np.int64)
    sample_names = sample_names[~drop]
    if data.shape[0] == 0:
        raise ValueError(f"{source} has no complete rows.")
    return data, target, sample_names, dropped


def _parse_table(raw, *, label_column=None, dropna=True, source="the table"):
    """Turn a raw table in Hao's layout into the Bunch load_feature_table returns.

    Returns the Bunch and the list of dropped sample names.
    """
    header, body, excel_rows = _clean_raw(raw, source)
    label_pos = _label_position(header, label_column, source)
    _check_title_row(header, label_pos, source)
    labels = _parse_labels(
        body[label_pos], _column_letter(label_pos), excel_rows, source
    )
    blocks = _title_blocks(header, label_pos, source)
    groups, titles, columns, positions = _name_groups(blocks, source)
    data = _feature_values(body, columns, positions, excel_rows, source)
    sample_names = _sample_names(body[0], excel_rows)
    data, target, sample_names, dropped = _drop_missing(
        data, labels, sample_names, dropna, source
    )

    frame = data.copy()
    frame[_LABEL_HEADER] = target
    bunch = Bunch(
        data=data,
        target=target,
        target_names=np.array(EMOTIONS),
        groups=groups,
        group_titles=titles,
        feature_names=list(columns),
        sample_names=sample_names,
        frame=frame,
        DESCR=_describe(data, target, groups, titles),
    )
    return bunch, dropped


def _describe(data, target, groups, titles):
    counts = np.bincount(target, minlength=len(EMOTIONS) + 1)[1:]
    lines = [
        "Feature table",
        "=============",
        "",
        f"{data.shape[0]} samples, {data.shape[1]} features in "
        f"{len(groups)} group(s), labels 1..{len(EMOTIONS)}.",
        "",
        "Groups (name: columns, title):",
    ]
    for name, cols in groups.items():
        lines.append(f"  {name}: {cols[0]}..{cols[-1]} ({len(cols)}), {titles[name]}")
    lines += ["", "Samples per class (label name: count):"]
    for i, (emotion, count) in enumerate(zip(EMOTIONS, counts, strict=True)):
        lines.append(f"  {i + 1} {emotion}: {count}")
    lines += [
        "",
        "target holds the labels as in the file (1..7); target_names[i] names "
        "label i + 1.",
    ]
    return "\n".join(lines) + "\n"


def _warn_dropped(dropped, source):
    n = len(dropped)
    if not n:
        return
    shown = ", ".join(repr(s) for s in dropped[:5]) + (", ..." if n > 5 else "")
    warnings.warn(
        f"{n} row{'s' if n != 1 else ''} with missing values "
        f"{'was' if n == 1 else 'were'} dropped from {source} ({shown}).",
        UserWarning,
        stacklevel=3,
    )


def load_feature_table(path, *, label_column=None, sheet_name=0, dropna=True):
    """Load a feature table in Hao's feature spreadsheet layout.

    This is the layout of the LPQ and PHOG features of facial-expression images
    in Hao, "Use Neural Network to Classify and Compress Images". Row 1 holds
    a title over each block of feature columns (in ``.xlsx`` files usually
    merged across the block, in ``.csv`` files over the block's first column
    with the rest blank). Column A holds the sample names and column B the
    integer labels 1..7 (Angry, Disgust, Fear, Happy, Neutral, Sad, Surprise).
    Each block becomes a group named after the acronym in parentheses in its
    title (``"... (LPQ) features"`` -> ``"lpq"``, or a lower-case slug of the
    title when there is none), and its columns are named ``lpq_1, lpq_2, ...``.

    Parameters
    ----------
    path : str or path-like
        A ``.csv`` or ``.xlsx`` file. Reading ``.xlsx`` needs openpyxl
        (``pip install skneuro[xlsx]``).
    label_column : str or int, default=None
        Where the labels are: ``None`` for column B, a title from row 1
        (matched without regard to case), or a 0-based column position. The
        sample names are always in column A; every other column is a feature.
    sheet_name : str or int, default=0
        The worksheet of an ``.xlsx`` file, by name or 0-based position (one
        worksheet: lists and ``None`` are refused). Ignored for ``.csv``
        files.
    dropna : bool, default=True
        Drop the rows with a missing value, with a :class:`UserWarning` that
        counts them. With ``dropna=False`` such rows stay, with NaN in
        ``data``; rows without a label are dropped either way.

    Returns
    -------
    table : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : pandas.DataFrame of shape (n_samples, n_features)
            The features, as float64, with columns ``lpq_1 ... phog_5``.
        target : ndarray of shape (n_samples,), dtype int64
            The labels as written in the file, 1..7.
        target_names : ndarray of shape (7,)
            The emotion names; ``target_names[i]`` names label ``i + 1``.
        groups : dict of str to list of str
            Group name -> its column names, in file order, e.g.
            ``{"lpq": ["lpq_1", ...], "phog": [...]}``. Ready for
            :class:`~skneuro.preprocessing.FeatureGroupSelector`.
        group_titles : dict of str to str
            Group name -> its title in row 1.
        feature_names : list of str
            The columns of ``data``.
        sample_names : ndarray of shape (n_samples,), dtype object
            Column A, as text.
        frame : pandas.DataFrame of shape (n_samples, n_features + 1)
            ``data`` with the labels as a last column named ``"label"``.
        DESCR : str
            A description of the table: sizes, groups, samples per class.

    Raises
    ------
    TypeError
        If ``path`` is not a str or path-like object.
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If ``path`` is the empty string; the extension is not ``.csv`` or
        ``.xlsx``; the file is corrupt (an ``.xlsx`` that is not a workbook,
        a ``.csv`` that is binary, not UTF-8, empty or has rows longer than
        the title row); ``sheet_name`` names no worksheet; the label column
        is missing or holds labels other than the integers 1..7; row 1 holds
        no group titles, or numbers where titles belong (a table without its
        title row); or a feature cell is not a
        finite number (text, or an infinity such as ``inf`` or ``1e400``;
        blank and ``nan`` cells are missing values). The message names the
        file, the column and the row.
    ImportError
        If ``path`` is an ``.xlsx`` file and openpyxl is not installed.

    See Also
    --------
    make_feature_table : A synthetic table in the same layout.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skneuro.datasets import load_feature_table, make_feature_table
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "features.csv"
    ...     _ = make_feature_table(50, n_missing=0, random_state=0, path=path)
    ...     table = load_feature_table(path)
    >>> table.data.shape
    (50, 10)
    >>> table.groups["lpq"]
    ['lpq_1', 'lpq_2', 'lpq_3', 'lpq_4', 'lpq_5']
    >>> table.target_names[table.target[:3] - 1]
    array([...], dtype='<U8')
    """
    path = _check_path(path, "a .csv or .xlsx file")
    if not _is_bool(dropna):
        raise ValueError(f"dropna must be True or False; got {dropna!r}.")
    if not path.exists():
        raise FileNotFoundError(f"No feature table at {path}.")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; expected a .csv or .xlsx file.")
    raw = _read_raw(path, sheet_name)
    bunch, dropped = _parse_table(
        raw, label_column=label_column, dropna=dropna, source=path.name
    )
    _warn_dropped(dropped, path.name)
    return bunch


def _normalize_groups(groups):
    items = list(groups.items()) if isinstance(groups, dict) else list(groups)
    if not items:
        raise ValueError("groups must name at least one group of features.")
    out = []
    for item in items:
        try:
            name, n_features = item
        except (TypeError, ValueError):
            raise ValueError(
                "groups must be a dict or a sequence of (name, n_features) pairs; "
                f"got the item {item!r}."
            ) from None
        if not isinstance(name, str) or not _GROUP_NAME.match(name):
            raise ValueError(
                "Group names must be lower-case identifiers such as 'lpq' "
                f"(letters, digits, underscores); got {name!r}."
            )
        if not _is_integer(n_features) or n_features < 1:
            raise ValueError(
                f"Group {name!r} needs a positive number of features; "
                f"got {n_features!r}."
            )
        out.append((name, int(n_features)))
    names = [name for name, _ in out]
    if len(set(names)) != len(names):
        raise ValueError(f"Group names must be unique; got {names}.")
    return out


def _title(name, n_features):
    if name in _HAO_TITLES:
        return _HAO_TITLES[name].format(n=n_features)
    return f"First {n_features} synthetic features ({name.upper()})"


def _round_significant(values, digits=5):
    """Round to ``digits`` significant digits, as Hao's tables are."""
    flat = [float(f"{v:.{digits}g}") for v in np.ravel(values)]
    return np.array(flat, dtype=np.float64).reshape(np.shape(values))


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def _write_xlsx(raw, path, blocks):
    openpyxl = _import_openpyxl()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "features"
    for row in raw.itertuples(index=False):
        # Plain Python values: openpyxl writes None as an empty cell.
        sheet.append([None if _is_blank(v) else _plain(v) for v in row])
    for first, last in blocks:
        if last > first:
            sheet.merge_cells(
                start_row=1, start_column=first + 1, end_row=1, end_column=last + 1
            )
    workbook.save(path)


def _check_make_args(groups, n_samples, n_classes, n_missing, class_sep, scale):
    """Refuse bad sizes and numbers of make_feature_table (groups normalized)."""
    if not _is_integer(n_classes) or not (2 <= n_classes <= len(EMOTIONS)):
        raise ValueError(
            f"n_classes must be an integer in 2..{len(EMOTIONS)}; got {n_classes!r}."
        )
    if not _is_integer(n_samples) or n_samples < n_classes:
        raise ValueError(
            f"n_samples must be an integer >= n_classes ({n_classes}); "
            f"got {n_samples!r}."
        )
    if not _is_integer(n_missing) or n_missing < 0:
        raise ValueError(
            f"n_missing must be a non-negative integer; got {n_missing!r}."
        )
    for name, value in (("class_sep", class_sep), ("scale", scale)):
        if (
            _is_bool(value)
            or not isinstance(value, int | float | np.integer | np.floating)
            or not math.isfinite(value)
        ):
            raise ValueError(f"{name} must be a finite number; got {value!r}.")
    n_features = sum(n for _, n in groups)
    if n_classes > 2**n_features:
        raise ValueError(
            f"{n_features} feature(s) cannot separate {n_classes} classes; "
            "add features to the groups."
        )


def _check_output_path(path):
    """The file make_feature_table writes, as a Path; None stays None."""
    if path is None:
        return None
    path = _check_path(path, "the .csv or .xlsx file to write")
    suffix = path.suffix.lower()
    if suffix not in _CSV_SUFFIXES + _XLSX_SUFFIXES:
        raise ValueError(
            f"Unsupported file extension {path.suffix!r} for {path.name}: "
            "make_feature_table writes .csv and .xlsx files."
        )
    if suffix in _XLSX_SUFFIXES:
        _import_openpyxl()
    return path


def _synthetic_values(groups, n_samples, n_missing, n_classes, class_sep, scale, rng):
    """Features and labels 1..n_classes, one group blank in ``n_missing`` rows.

    ``X`` has ``n_samples + n_missing`` rows, rounded as Hao's tables are.
    """
    from sklearn.datasets import make_classification

    n_features = sum(n for _, n in groups)
    X, y = make_classification(
        n_samples=n_samples + n_missing,
        n_features=n_features,
        n_informative=n_features,
        n_redundant=0,
        n_repeated=0,
        n_classes=n_classes,
        n_clusters_per_class=1,
        class_sep=class_sep,
        shuffle=True,
        random_state=rng,
    )
    with np.errstate(over="ignore"):
        X = X * scale
    if not np.isfinite(X).all():
        raise ValueError(
            f"scale={scale!r} is too large: the features it multiplies overflow "
            "float64 (to inf); pass a smaller scale, such as 0.004 for "
            "features like Hao's."
        )
    X = _round_significant(X)
    y = y + 1

    # Blank one group's block in n_missing rows spread through the table.
    starts = np.cumsum([0] + [n for _, n in groups])
    rows = rng.choice(n_samples + n_missing, size=n_missing, replace=False)
    for row in rows:
        g = rng.randint(len(groups))
        X[row, starts[g] : starts[g + 1]] = np.nan
    return X, y


def _raw_table(X, y, groups):
    """The table as its file holds it: the title row, then one row per sample.

    Returns the object DataFrame and the ``(first, last)`` column positions of
    each block, over which an ``.xlsx`` file merges the block's title.
    """
    starts = np.cumsum([0] + [n for _, n in groups])
    n_rows = len(X)
    width = len(str(n_rows))
    header = [None, _LABEL_HEADER]
    blocks = []
    for (name, n), start in zip(groups, starts[:-1], strict=True):
        header += [_title(name, n)] + [None] * (n - 1)
        blocks.append((2 + start, 2 + start + n - 1))
    body = [
        [f"sample_{i + 1:0{width}d}", int(label)] + [float(v) for v in row]
        for i, (label, row) in enumerate(zip(y, X, strict=True))
    ]
    return pd.DataFrame([header] + body, dtype=object), blocks


def _write_table(raw, path, blocks):
    """Write the raw table to a ``.csv`` or ``.xlsx`` file."""
    if path.suffix.lower() in _CSV_SUFFIXES:
        raw.to_csv(path, header=False, index=False)
    else:
        _write_xlsx(raw, path, blocks)


def make_feature_table(
    n_samples=675,
    *,
    groups=(("lpq", 5), ("phog", 5)),
    n_classes=7,
    n_missing=1,
    class_sep=1.0,
    scale=1.0,
    random_state=None,
    path=None,
):
    """Make a synthetic feature table in Hao's feature spreadsheet layout.

    The features come from :func:`sklearn.datasets.make_classification` with
    every feature informative, so that classifiers learn something from each
    group. The table has ``n_samples`` complete rows plus ``n_missing`` rows
    where one group's block is blank, like the row without PHOG features in
    the data of Hao, "Use Neural Network to Classify and Compress Images".
    With ``path``, it is written as ``.csv`` or ``.xlsx`` (titles merged
    across their blocks, as in Hao's workbook), and
    :func:`load_feature_table` reads it back into the very Bunch this function
    returns.

    Parameters
    ----------
    n_samples : int, default=675
        Number of complete rows, that is rows of the returned ``data``.
    groups : sequence of (str, int) pairs or dict, default=(("lpq", 5), ("phog", 5))
        Group names and their numbers of features, in column order. Names are
        lower-case identifiers. ``"lpq"`` and ``"phog"`` get Hao's titles,
        other names ``"First k synthetic features (NAME)"``.
    n_classes : int, default=7
        Number of classes, 2..7; labels are ``1..n_classes``.
    n_missing : int, default=1
        Number of extra rows with one group's values blank. They only appear in
        the written file; the returned Bunch holds the complete rows, as
        :func:`load_feature_table` returns them after dropping the others.
    class_sep : float, default=1.0
        Separation of the classes, passed to
        :func:`~sklearn.datasets.make_classification`. Larger is easier.
    scale : float, default=1.0
        Multiplies every feature. Hao's features have a standard
        deviation near 0.004; pass ``scale=0.004`` to mimic them.
    random_state : int, RandomState instance or None, default=None
        Seed for reproducible tables.
    path : str or path-like, default=None
        Where to write the table, a ``.csv`` or ``.xlsx`` file (``.xlsx``
        needs openpyxl). An existing file is overwritten.

    Returns
    -------
    table : :class:`~sklearn.utils.Bunch`
        The same Bunch as :func:`load_feature_table` returns: ``data``,
        ``target`` (labels 1..n_classes), ``target_names`` (the 7 emotion
        names), ``groups``, ``group_titles``, ``feature_names``,
        ``sample_names``, ``frame`` and ``DESCR``. Values are rounded to 5
        significant digits, as in Hao's files.

    See Also
    --------
    load_feature_table : Read a table in this layout.

    Examples
    --------
    >>> from skneuro.datasets import make_feature_table
    >>> table = make_feature_table(140, random_state=0)
    >>> table.data.shape
    (140, 10)
    >>> table.groups
    {'lpq': ['lpq_1', ..., 'lpq_5'], 'phog': ['phog_1', ..., 'phog_5']}
    >>> sorted(set(table.target.tolist()))
    [1, 2, 3, 4, 5, 6, 7]

    Written to a file, the table reads back identically:

    >>> import tempfile, warnings
    >>> from pathlib import Path
    >>> from skneuro.datasets import load_feature_table
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "features.csv"
    ...     table = make_feature_table(140, random_state=0, path=path)
    ...     with warnings.catch_warnings(record=True) as caught:
    ...         warnings.simplefilter("always")
    ...         loaded = load_feature_table(path)
    >>> print(caught[0].message)
    1 row with missing values was dropped from features.csv (...).
    >>> loaded.data.equals(table.data)
    True
    """
    groups = _normalize_groups(groups)
    _check_make_args(groups, n_samples, n_classes, n_missing, class_sep, scale)
    path = _check_output_path(path)
    rng = check_random_state(random_state)
    X, y = _synthetic_values(
        groups, n_samples, n_missing, n_classes, class_sep, scale, rng
    )
    raw, blocks = _raw_table(X, y, groups)
    if path is not None:
        _write_table(raw, path, blocks)
    bunch, _ = _parse_table(raw, source="the synthetic table")
    return bunch
