"""``dump`` and ``load``: skneuro model files that load without pickle."""

import io
import json
import os
import tempfile
import zipfile
from functools import partial
from pathlib import Path

import numpy as np
import safetensors.torch
import skops.io

from skneuro._engine.device import resolve_device
from skneuro.io._decode import Decoder, check_tree
from skneuro.io._encode import Encoder
from skneuro.io._format import (
    ARRAY_MEMBER,
    FORMAT,
    FORMAT_VERSION,
    MODEL_JSON,
    SKOPS_MEMBER,
    TENSORS,
    ModelFileError,
    is_member,
    versions,
)
from skneuro.io._trusted import SKOPS_TRUSTED


def dump(model, path, *, overwrite=False):
    """Write ``model`` to one model file at ``path``, without pickle.

    The file is a zip archive: the model's structure and plain values as
    JSON (``model.json``), numpy arrays as ``.npy`` files, every torch tensor
    in one safetensors file, and scikit-learn objects that hold no skneuro
    object as skops files, with a format version. :func:`load` builds only
    the classes and functions of skneuro.io's allow-list
    (:data:`skneuro.io.TRUSTED`). The file is written to a temporary file in
    the same folder and moved into place: a failed dump leaves nothing
    behind and ``path`` as it was.

    Parameters
    ----------
    model : estimator
        A skneuro estimator, fitted or not, a Pipeline, FeatureUnion or
        ColumnTransformer holding skneuro estimators and scikit-learn
        objects, or any scikit-learn object that skops stores.
    path : str or path-like
        The file to write (``.skneuro`` is the suggested suffix).
    overwrite : bool, default=False
        Replace an existing file at ``path``.

    Raises
    ------
    FileExistsError
        When ``path`` exists and ``overwrite=False``.
    TypeError
        When the model holds something skneuro.io cannot store (a user's
        callback, an arbitrary object); the message names where it is in the
        model. Nothing is written.

    See Also
    --------
    load : Read the model back.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from sklearn.datasets import load_iris
    >>> from skneuro.io import dump, load
    >>> from skneuro.neural_network import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_units=4, max_epochs=5, random_state=0)
    >>> clf = clf.fit(X[::8], y[::8])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "iris.skneuro"
    ...     dump(clf, path)
    ...     loaded = load(path)
    >>> (loaded.predict(X) == clf.predict(X)).all()
    np.True_
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"{str(path)!r} exists; pass overwrite=True to dump() to replace it."
        )
    encoder = Encoder()
    root = encoder.encode(model, type(model).__name__)
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": versions(),
        "root": root,
    }
    text = json.dumps(document, allow_nan=False, indent=1)
    tensors = safetensors.torch.save(encoder.tensors) if encoder.tensors else None
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "wb") as file:
            with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(MODEL_JSON, text)
                for member, data in {**encoder.arrays, **encoder.skops}.items():
                    archive.writestr(member, data)
                if tensors is not None:
                    archive.writestr(TENSORS, tensors)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def _read_document(archive, path):
    """``model.json``, checked to be this format in a version we read."""
    try:
        document = json.loads(
            archive.read(MODEL_JSON).decode("utf-8"), parse_constant=_reject_constant
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise ModelFileError(f"{path}: model.json is not valid JSON ({exc}).") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not a skneuro model file.")
    version = document.get("format_version")
    if type(version) is not int or version < 1:
        raise ModelFileError(f"{path}: model.json has no valid format_version.")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path} was written in format version {version}; this skneuro reads "
            f"format version {FORMAT_VERSION} and older: upgrade skneuro."
        )
    if "root" not in document:
        raise ModelFileError(f"{path}: model.json holds no model ('root').")
    return document


def _read_array(archive, member, path):
    try:
        array = np.load(io.BytesIO(archive.read(member)), allow_pickle=False)
    except Exception as exc:
        raise ModelFileError(
            f"{path}: the member {member!r} is not a plain numpy array file "
            f"(it may hold pickled objects, which skneuro.io never loads): {exc}"
        ) from exc
    if not isinstance(array, np.ndarray) or array.dtype.kind == "O":
        raise ModelFileError(f"{path}: the member {member!r} holds objects.")
    return array


def _read_skops(archive, member, path):
    data = archive.read(member)
    try:
        untrusted = set(skops.io.get_untrusted_types(data=data))
    except Exception as exc:
        raise ModelFileError(
            f"{path}: the member {member!r} is not a skops file: {exc}"
        ) from exc
    untrusted -= set(SKOPS_TRUSTED)
    if untrusted:
        raise ModelFileError(
            f"{path}: the member {member!r} names {', '.join(sorted(untrusted))}, "
            "which skops does not trust and is not on skneuro.io's allow-list; "
            "refusing to load it."
        )
    return partial(skops.io.loads, data, trusted=list(SKOPS_TRUSTED))


def _read_members(archive, path):
    """Every member, checked and read (no object of the model built yet)."""
    names = archive.namelist()
    for name in names:
        if not is_member(name):
            raise ModelFileError(
                f"{path}: the archive holds the member {name!r}, which is not "
                "part of the skneuro model format; refusing to load it."
            )
    if MODEL_JSON not in names:
        raise ModelFileError(f"{path} is not a skneuro model file (no model.json).")
    document = _read_document(archive, path)
    arrays = {
        n: _read_array(archive, n, path) for n in names if ARRAY_MEMBER.fullmatch(n)
    }
    skops_members = {
        n: _read_skops(archive, n, path) for n in names if SKOPS_MEMBER.fullmatch(n)
    }
    tensors = {}
    if TENSORS in names:
        try:
            tensors = safetensors.torch.load(archive.read(TENSORS))
        except Exception as exc:
            raise ModelFileError(
                f"{path}: the member {TENSORS!r} is not a safetensors file: {exc}"
            ) from exc
    members = {"arrays": arrays, "tensors": tensors, "skops": skops_members}
    check_tree(document["root"], members)
    return document, members


def load(path, *, device=None):
    """Read a model written by :func:`dump`.

    The whole file is checked before any object of the model is built:
    every member must be part of the format, arrays are read without pickle,
    and every class and function the file names must be on skneuro.io's
    allow-list (:data:`skneuro.io.TRUSTED`); scikit-learn objects are read
    by skops, trusting only its defaults and skneuro's own few types.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`dump`.
    device : str or None, default=None
        Where the networks go. ``None``: the device each was fitted on when
        this machine has it, else the CPU (a model trained on CUDA loads on
        a machine without CUDA).

    Returns
    -------
    model : estimator
        The model, as it was dumped.

    Raises
    ------
    ModelFileError
        When the file is not a skneuro model file, was written in a newer
        format version, or holds anything the format does not allow.
    ValueError
        When ``device`` names a device this machine lacks.

    See Also
    --------
    dump : Write a model file.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from sklearn.datasets import load_iris
    >>> from skneuro.io import dump, load
    >>> from skneuro.neural_network import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_units=4, max_epochs=5, random_state=0)
    >>> clf = clf.fit(X[::8], y[::8])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     dump(clf, Path(folder) / "iris.skneuro")
    ...     loaded = load(Path(folder) / "iris.skneuro", device="cpu")
    >>> loaded.device_, loaded.n_epochs_
    ('cpu', 5)
    """
    if device is not None:
        device = resolve_device(device)  # a bad device, before reading
    path = str(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ModelFileError(
            f"{path} is not a skneuro model file (not a zip archive)."
        ) from exc
    with archive:
        document, members = _read_members(archive, path)
    decoder = Decoder(members["arrays"], members["tensors"], members["skops"], device)
    return decoder.decode(document["root"])
