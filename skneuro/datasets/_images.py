"""Image data sets: shipped ones (digits, LFW subset) and loaders for local files.

Nothing here downloads. :func:`load_digits_images` and :func:`load_lfw_faces`
read data that ships inside scikit-learn and scikit-image;
:func:`load_mnist` and :func:`load_image_folder` read files the user points to.
"""

import gzip
import math
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

__all__ = [
    "load_digits_images",
    "load_image_folder",
    "load_lfw_faces",
    "load_mnist",
]


def load_digits_images(*, return_X_y=False):
    """Load scikit-learn's 8x8 handwritten digits as images.

    The 1797 digits of :func:`sklearn.datasets.load_digits`, kept as 8x8
    images so that image transformers and convolutional networks can use
    them. Pixel values are counts 0..16 stored as float64. The data ship with
    scikit-learn; nothing is downloaded.

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(images, target)`` instead of a Bunch.

    Returns
    -------
    digits : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        images : ndarray of shape (1797, 8, 8), dtype float64
            The images, values 0..16.
        data : ndarray of shape (1797, 64), dtype float64
            The same pixels, one flattened image per row.
        target : ndarray of shape (1797,), dtype int64
            The digit, 0..9.
        target_names : ndarray of shape (10,)
            The digits 0..9.
        DESCR : str
            scikit-learn's description of the data set.

    (images, target) : tuple of ndarrays
        With ``return_X_y=True``.

    See Also
    --------
    sklearn.datasets.load_digits : The same data as flat vectors.
    load_lfw_faces : Another small image data set that ships with the install.

    Examples
    --------
    >>> from skneuro.datasets import load_digits_images
    >>> digits = load_digits_images()
    >>> digits.images.shape, digits.data.shape
    ((1797, 8, 8), (1797, 64))
    >>> images, target = load_digits_images(return_X_y=True)
    >>> target[:5]
    array([0, 1, 2, 3, 4])
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.asarray(digits.images, dtype=np.float64)
    target = np.asarray(digits.target, dtype=np.int64)
    if return_X_y:
        return images, target
    return Bunch(
        images=images,
        data=images.reshape(len(images), -1),
        target=target,
        target_names=np.asarray(digits.target_names),
        DESCR=digits.DESCR,
    )


_LFW_DESCR = """\
LFW face / non-face subset
==========================

200 greyscale images of 25x25 pixels that ship with scikit-image
(``skimage.data.lfw_subset``): 100 faces randomly chosen from Labeled Faces in
the Wild and 100 non-faces cut from the backgrounds of the same photographs,
resized to 25x25. Pixel values are floats in [0, 1].

target is 1 for a face and 0 for a non-face; the faces come first.

References: Huang, G., Mattar, M., Lee, H., & Learned-Miller, E. G. (2012).
Learning to align from scratch. NIPS, 764-772. http://vis-www.cs.umass.edu/lfw/
"""


def load_lfw_faces(*, return_X_y=False):
    """Load scikit-image's small face / non-face subset of LFW.

    200 greyscale images of 25x25 pixels: 100 faces from Labeled Faces in the
    Wild, then 100 non-faces cut from the same photographs' backgrounds. The
    file ships inside scikit-image (``skimage/data/lfw_subset.npy``) and is
    read from there; nothing is downloaded.

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(images, target)`` instead of a Bunch.

    Returns
    -------
    faces : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        images : ndarray of shape (200, 25, 25), dtype float64
            The images, values in [0, 1].
        data : ndarray of shape (200, 625), dtype float64
            The same pixels, one flattened image per row.
        target : ndarray of shape (200,), dtype int64
            1 for a face (the first 100), 0 for a non-face.
        target_names : ndarray of shape (2,)
            ``["non-face", "face"]``, indexed by ``target``.
        DESCR : str
            A description of the data set.

    (images, target) : tuple of ndarrays
        With ``return_X_y=True``.

    Raises
    ------
    FileNotFoundError
        If the installed scikit-image lacks the file (it ships with the
        wheels from PyPI and conda-forge).

    See Also
    --------
    load_digits_images : 8x8 digits that ship with scikit-learn.

    Examples
    --------
    >>> from skneuro.datasets import load_lfw_faces
    >>> faces = load_lfw_faces()
    >>> faces.images.shape
    (200, 25, 25)
    >>> faces.target_names[faces.target[[0, -1]]]
    array(['face', 'non-face'], dtype='<U8')
    """
    import skimage.data

    file = Path(skimage.data.__file__).parent / "lfw_subset.npy"
    if not file.is_file():
        raise FileNotFoundError(
            f"scikit-image's LFW subset is not at {file}; this scikit-image "
            "install does not ship it, and skneuro does not download it."
        )
    images = np.load(file).astype(np.float64, copy=False)
    n_faces = len(images) // 2
    target = np.zeros(len(images), dtype=np.int64)
    target[:n_faces] = 1
    if return_X_y:
        return images, target
    return Bunch(
        images=images,
        data=images.reshape(len(images), -1),
        target=target,
        target_names=np.array(["non-face", "face"]),
        DESCR=_LFW_DESCR,
    )


def _check_path(path, what):
    """``path`` as a :class:`~pathlib.Path`; refuse other types and ``""``.

    pathlib reads ``""`` as ``"."``, so an empty path (an unset variable, a
    blank field) would silently mean the current folder. ``what`` says what
    the path should name, for the message.
    """
    if isinstance(path, bytes) or not isinstance(path, str | os.PathLike):
        raise TypeError(
            f"path must be a str or path-like object (such as pathlib.Path) "
            f"naming {what}; got {path!r} ({type(path).__name__})."
        )
    text = os.fspath(path)
    if not isinstance(text, str):
        raise TypeError(
            f"path must be a str or path-like object (such as pathlib.Path) "
            f"naming {what}; got {path!r}, whose __fspath__ gives "
            f"{type(text).__name__}, not str."
        )
    if text == "":
        raise ValueError(
            f"path is an empty string; pass {what} (use '.' for the current folder)."
        )
    return Path(text)


# --- MNIST ----------------------------------------------------------------

# IDX type codes -> big-endian numpy dtypes.
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_MNIST_PREFIXES = {"train": "train", "test": "t10k"}
_NPZ_KEYS = {"train": ("x_train", "y_train"), "test": ("x_test", "y_test")}


# Bytes read at a time: memory grows with the data a file holds, never with
# the size its header announces.
_READ_CHUNK = 16 * 2**20
_IDX_NDIM = {"images": 3, "labels": 1}
_IDX_SHAPES = {"images": "(n, rows, columns)", "labels": "(n,), one label per image"}
_NPZ_NAME = "mnist.npz"


def _idx_names(prefix, what):
    """The accepted names of one IDX file, in the order load_mnist tries them.

    ``prefix`` is ``"train"`` or ``"t10k"``, ``what`` is ``"images"`` or
    ``"labels"``: ``train-images-idx3-ubyte``, ``train-images-idx3-ubyte.gz``,
    ``train-images.idx3-ubyte``, ``train-images.idx3-ubyte.gz``.
    """
    dims = _IDX_NDIM[what]
    return [
        f"{prefix}-{what}{sep}idx{dims}-ubyte{gz}"
        for sep in ("-", ".")
        for gz in ("", ".gz")
    ]


def _first_idx(folder, prefix, what):
    """The first existing file among the accepted names, or None."""
    for name in _idx_names(prefix, what):
        if (folder / name).is_file():
            return folder / name
    return None


def _read_idx_data(handle, n_bytes):
    """Read up to ``n_bytes`` in bounded chunks; fewer only at the file's end."""
    data = bytearray()
    while len(data) < n_bytes:
        chunk = handle.read(min(_READ_CHUNK, n_bytes - len(data)))
        if not chunk:
            break
        data += chunk
    return data


def _read_idx(file, what, check_shape=None):
    """Read one IDX file (optionally gzipped) into a native-endian ndarray.

    The magic number is checked first, then the header, then the size the
    header announces (against the size on disk for an uncompressed file);
    only then is the data read, in chunks of ``_READ_CHUNK`` bytes, so that a
    junk or truncated file is refused after reading little of it.
    ``check_shape(shape)`` may refuse the announced shape before the data is
    read.
    """
    file = Path(file)
    compressed = file.suffix == ".gz"
    opener = gzip.open if compressed else open
    try:
        with opener(file, "rb") as handle:
            return _read_idx_stream(handle, file, compressed, what, check_shape)
    except (OSError, EOFError, zlib.error) as exc:
        problem = (
            "its gzip data is corrupt or truncated"
            if compressed
            else "it cannot be read"
        )
        raise ValueError(
            f"Cannot read the IDX file {file}: {problem} ({type(exc).__name__}: {exc})."
        ) from exc


def _read_idx_header(handle, file, what):
    """Read and check an IDX file's magic number and shape.

    Returns the shape and the (big-endian) dtype the header announces.
    """
    magic = handle.read(4)
    if len(magic) < 4:
        raise ValueError(f"{file} is too short to be an IDX file ({len(magic)} bytes).")
    zero, code, ndim = int.from_bytes(magic[:2], "big"), magic[2], magic[3]
    if zero != 0 or code not in _IDX_DTYPES or ndim == 0:
        raise ValueError(
            f"{file} is not an IDX file: bad magic number 0x{magic.hex()} "
            "(expected two zero bytes, a type code among "
            f"{', '.join(hex(c) for c in _IDX_DTYPES)}, then the number of "
            "dimensions; e.g. 0x00000803 for images, 0x00000801 for labels)."
        )
    dims = handle.read(4 * ndim)
    if len(dims) < 4 * ndim:
        raise ValueError(
            f"{file} is truncated: its magic number announces {ndim} "
            f"dimension(s), that is a header of {4 + 4 * ndim} bytes, but the "
            f"file ends after {4 + len(dims)} bytes."
        )
    shape = tuple(int.from_bytes(dims[i : i + 4], "big") for i in range(0, 4 * ndim, 4))
    if ndim != _IDX_NDIM[what]:
        raise ValueError(
            f"{file} should hold {what} of shape {_IDX_SHAPES[what]}; its "
            f"header gives the shape {shape}."
        )
    return shape, _IDX_DTYPES[code]


def _read_idx_stream(handle, file, compressed, what, check_shape):
    """Read an open IDX file: its header, then data of the size it announces."""
    shape, dtype = _read_idx_header(handle, file, what)
    n_bytes = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
    expected = 4 + 4 * len(shape) + n_bytes
    announced = (
        f"its header announces shape {shape} of "
        f"{dtype.newbyteorder('=').name}, that is {expected} bytes"
    )
    if not compressed:
        size = os.fstat(handle.fileno()).st_size
        if size < expected:
            raise ValueError(
                f"{file} holds {size} bytes, but {announced}: the file is truncated."
            )
        if size > expected:
            raise ValueError(
                f"{file} holds {size} bytes, more than the {expected} bytes "
                f"its header announces (shape {shape} of "
                f"{dtype.newbyteorder('=').name}); it is corrupt, or not one "
                "IDX file."
            )
    if check_shape is not None:
        check_shape(shape)
    data = _read_idx_data(handle, n_bytes)
    if len(data) < n_bytes:
        raise ValueError(
            f"{file} holds {expected - n_bytes + len(data)} bytes once "
            f"decompressed, but {announced}: the file is truncated."
        )
    if handle.read(1):
        raise ValueError(
            f"{file} holds more than the {expected} bytes its header announces "
            f"(shape {shape} of {dtype.newbyteorder('=').name}); it is "
            "corrupt, or not one IDX file."
        )
    array = np.frombuffer(data, dtype=dtype).reshape(shape)
    if not dtype.isnative:  # swap in place: no second copy of the data
        array = array.byteswap(inplace=True).view(dtype.newbyteorder("="))
    return array


def _find_idx(folder, prefix):
    """The images and labels files of one split, with or without .gz."""
    found = [_first_idx(folder, prefix, what) for what in ("images", "labels")]
    return None if None in found else tuple(found)


def mnist_files(path):
    """The MNIST files that :func:`load_mnist` recognises at ``path``.

    For a folder: the first existing spelling of each of the four IDX files
    (``train-images-idx3-ubyte[.gz]``, ``train-images.idx3-ubyte[.gz]``, and
    so on for ``train-labels``, ``t10k-images``, ``t10k-labels``), in that
    order, then ``mnist.npz`` when it is there. For an ``.npz`` file: that
    file. Otherwise, or when there are none, an empty list. A non-empty list
    tells an MNIST folder from an image folder whose file names merely
    contain "idx"; :func:`load_mnist` may still refuse the files (one of a
    pair missing, a corrupt file).

    Parameters
    ----------
    path : str or path-like
        A folder, or a file.

    Returns
    -------
    files : list of pathlib.Path
        The files, empty when there are none.
    """
    path = Path(path)
    if path.is_file():
        return [path] if path.suffix.lower() == ".npz" else []
    if not path.is_dir():
        return []
    files = [
        _first_idx(path, prefix, what)
        for prefix in _MNIST_PREFIXES.values()
        for what in ("images", "labels")
    ]
    files = [f for f in files if f is not None]
    if (path / _NPZ_NAME).is_file():
        files.append(path / _NPZ_NAME)
    return files


def _expected_mnist_files():
    return (
        "train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], "
        "t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz], or mnist.npz "
        "(with x_train, y_train, x_test, y_test)"
    )


def _load_mnist_split(path, split):
    """Return images, target and the files read for one split."""
    if path.is_file():
        if path.suffix.lower() != ".npz":
            raise ValueError(
                f"{path} is neither a folder nor an .npz file; expected a folder "
                f"holding {_expected_mnist_files()}."
            )
        return _load_npz_split(path, split)
    pair = _find_idx(path, _MNIST_PREFIXES[split])
    if pair is not None:
        images_file, labels_file = pair
        # The labels first: they are small, and their number is checked
        # against the images' header before the images are read.
        labels = _read_idx(labels_file, "labels")
        labels = _integer_labels(labels, str(labels_file))

        def check_shape(shape):
            if shape[0] != len(labels):
                raise ValueError(
                    f"{images_file.name} holds {shape[0]} images but "
                    f"{labels_file.name} holds {len(labels)} labels."
                )

        images = _read_idx(images_file, "images", check_shape)
        return images, labels, [str(images_file), str(labels_file)], str(images_file)
    npz = path / _NPZ_NAME
    if npz.is_file():
        return _load_npz_split(npz, split)
    prefix = _MNIST_PREFIXES[split]
    raise FileNotFoundError(
        f"No MNIST {split} files in {path}: expected {prefix}-images-idx3-ubyte "
        f"and {prefix}-labels-idx1-ubyte (optionally .gz), or mnist.npz. "
        "skneuro does not download MNIST; put the files there first."
    )


def _integer_labels(labels, where):
    """``labels`` as int64, refusing values that are not integers.

    Integral floats (``7.0``) are cast exactly; ``1.5``, NaN, text or values
    beyond int64 are refused, naming ``where`` (the file, and the key).
    """
    labels = np.asarray(labels)
    kind = labels.dtype.kind
    if kind in "biuf":
        if kind == "f":
            good = np.isfinite(labels) & (labels == np.round(labels))
            good &= np.abs(labels) < 2.0**63
        elif kind == "u" and labels.dtype.itemsize == 8:
            good = labels <= np.iinfo(np.int64).max
        else:
            good = None
        if good is not None and not good.all():
            bad = labels[~good]
            raise ValueError(
                f"{where} should hold integer labels (class numbers such as "
                f"0..9), but it holds values such as {bad[0].item()!r} "
                f"({bad.size} such value(s)); fix the file, e.g. round the "
                "labels to integers before saving them."
            )
        return labels.astype(np.int64)
    raise ValueError(
        f"{where} should hold integer labels (class numbers such as 0..9), "
        f"but it holds values of dtype {labels.dtype}."
    )


def _npz_member(archive, key, file):
    """Read one array of an open .npz, checking its header first.

    The header's shape and dtype are checked against the bytes the archive
    holds for the array before numpy allocates it, so that a truncated or
    hostile file cannot make it allocate what the header announces.
    """
    where = f"In {file}, {key}"
    names = archive.zip.namelist()
    member = key + ".npy" if key + ".npy" in names else key
    try:
        size = archive.zip.getinfo(member).file_size
        with archive.zip.open(member) as handle:
            version = np.lib.format.read_magic(handle)
            read_header = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, _, dtype = read_header(handle)
            header = handle.tell()
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise ValueError(
            f"{where} is not an array numpy can read ({exc}); write the file "
            "with numpy.savez."
        ) from exc
    if dtype.hasobject:
        raise ValueError(
            f"{where} holds Python objects (dtype {dtype}), which numpy stores "
            "with pickle; skneuro does not unpickle files, as that can run "
            "code. Save numbers instead, e.g. np.savez(..., "
            f"{key}=np.asarray({key}, dtype=np.uint8))."
        )
    n_bytes = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
    if size - header != n_bytes:
        problem = "is truncated" if size - header < n_bytes else "is corrupt"
        raise ValueError(
            f"{where} {problem}: its header announces shape {shape} of "
            f"{dtype}, that is {n_bytes} bytes, but the archive holds "
            f"{size - header} bytes for it."
        )
    try:
        return archive[key]
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise ValueError(f"{where} cannot be read: {exc}") from exc


def _load_npz_split(file, split):
    x_key, y_key = _NPZ_KEYS[split]
    expected = "expected a zip archive written by numpy.savez with the keys " + (
        "x_train, y_train, x_test, y_test."
    )
    with open(file, "rb") as handle:
        start = handle.read(4)
    if not start.startswith(b"PK"):
        what = " (an .npy file: one array)" if start == b"\x93NUM" else ""
        raise ValueError(
            f"{file} is not an .npz file: it starts with the bytes "
            f"0x{start.hex()}{what}; {expected}"
        )
    try:
        archive = np.load(file, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(
            f"{file} is not an .npz file numpy can read ({exc}); {expected}"
        ) from exc
    with archive:
        missing = [k for k in (x_key, y_key) if k not in archive.files]
        if missing:
            raise ValueError(
                f"{file} lacks the key(s) {', '.join(missing)}; expected "
                f"x_train, y_train, x_test, y_test (found {', '.join(archive.files)})."
            )
        images = _npz_member(archive, x_key, file)
        labels = _npz_member(archive, y_key, file)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(
            f"In {file}, {x_key} should have shape (n, rows, columns) and {y_key} "
            f"shape (n,); got {images.shape} and {labels.shape}."
        )
    if images.dtype.kind not in "biuf":
        raise ValueError(
            f"In {file}, {x_key} should hold numbers (pixel values), but it "
            f"holds values of dtype {images.dtype}."
        )
    labels = _integer_labels(labels, f"In {file}, {y_key}")
    return images, labels, [str(file)], f"{file}, {x_key}"


def load_mnist(path, *, kind="train", return_X_y=False):
    """Load MNIST (or a data set in its format) from local files.

    Reads the four IDX files of the original distribution, gzipped or not
    (``train-images-idx3-ubyte[.gz]``, ``train-labels-idx1-ubyte[.gz]``,
    ``t10k-images-idx3-ubyte[.gz]``, ``t10k-labels-idx1-ubyte[.gz]``; the
    ``train-images.idx3-ubyte`` spelling works too), or Keras' ``mnist.npz``
    with the keys ``x_train, y_train, x_test, y_test``. Fashion-MNIST and
    other data sets distributed the same way load too. Nothing is downloaded.

    Parameters
    ----------
    path : str or path-like
        A folder holding the IDX files or ``mnist.npz`` (IDX files win when
        both are there), or the path of an ``.npz`` file.
    kind : {"train", "test", "all"}, default="train"
        Which split to load; ``"all"`` puts the test set after the training
        set.
    return_X_y : bool, default=False
        Return ``(images, target)`` instead of a Bunch.

    Returns
    -------
    mnist : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        images : ndarray of shape (n_samples, 28, 28)
            The images in the dtype they are stored in: uint8, values 0..255,
            for MNIST's own files. They are not converted, to save memory
            (47 MB for the 60000 training images instead of 376 MB as
            float64); scale them, e.g. ``images / 255.0``, before training.
        data : ndarray of shape (n_samples, 784)
            A flattened view of ``images``, one image per row.
        target : ndarray of shape (n_samples,), dtype int64
            The labels. Labels stored as floats must be integers in value.
        target_names : ndarray
            The distinct labels, sorted.
        filenames : list of str
            The files read.
        DESCR : str
            A short description.

    (images, target) : tuple of ndarrays
        With ``return_X_y=True``.

    Raises
    ------
    TypeError
        If ``path`` is not a str or path-like object.
    FileNotFoundError
        If ``path`` does not exist or holds none of the expected files.
    ValueError
        If ``path`` is the empty string; a file is not a valid IDX or
        ``.npz`` file (bad magic number, size not matching its header,
        corrupt gzip or zip data, arrays that would need pickle), labels are
        not integers (``1.5``; integral floats such as ``7.0`` are accepted),
        or images and labels differ in number; or, with ``kind="all"``, the
        training and test images differ in size or dtype (the message names
        both files and both sizes or dtypes).
        Headers are checked before the data are read, and the data are read
        in bounded chunks, so a junk or truncated file is refused after
        reading little of it.

    See Also
    --------
    load_digits_images : Small 8x8 digits that ship with scikit-learn.

    Examples
    --------
    Two 28x28 images written in the IDX format, as MNIST's own files are:

    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from skneuro.datasets import load_mnist
    >>> images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     folder = Path(folder)
    ...     header = bytes([0, 0, 8, 3]) + np.array([2, 28, 28], ">u4").tobytes()
    ...     _ = (folder / "train-images-idx3-ubyte").write_bytes(
    ...         header + images.tobytes())
    ...     header = bytes([0, 0, 8, 1]) + np.array([2], ">u4").tobytes()
    ...     _ = (folder / "train-labels-idx1-ubyte").write_bytes(
    ...         header + bytes([7, 3]))
    ...     mnist = load_mnist(folder)
    >>> mnist.images.shape, mnist.images.dtype, mnist.target
    ((2, 28, 28), dtype('uint8'), array([7, 3]))
    >>> bool((mnist.images == images).all())
    True
    """
    path = _check_path(path, "a folder of MNIST files or an .npz file")
    if kind not in ("train", "test", "all"):
        raise ValueError(f"kind must be 'train', 'test' or 'all'; got {kind!r}.")
    if not path.exists():
        raise FileNotFoundError(
            f"{path} does not exist. load_mnist reads a local folder holding "
            f"{_expected_mnist_files()}, or an .npz file; it does not download."
        )
    splits = ["train", "test"] if kind == "all" else [kind]
    parts = [_load_mnist_split(path, split) for split in splits]
    if len(parts) > 1 and parts[0][0].shape[1:] != parts[1][0].shape[1:]:
        sizes = [
            f"{where} holds {'x'.join(map(str, images.shape[1:]))} images "
            f"(shape {images.shape})"
            for images, _, _, where in parts
        ]
        raise ValueError(
            f"The training and test images differ in size: {sizes[0]}, but "
            f"{sizes[1]}. kind='all' puts them in one array, so they need one "
            "size; load them apart with kind='train' and kind='test' (and "
            "resize one set, if they are to be used together)."
        )
    if len(parts) > 1 and parts[0][0].dtype != parts[1][0].dtype:
        kinds = [f"{where} holds {images.dtype}" for images, _, _, where in parts]
        raise ValueError(
            f"The training and test images differ in dtype: {kinds[0]}, but "
            f"{kinds[1]}. One array would hold both in one dtype, and pixels "
            "of two scales (0..255 and 0..1, say) would be mixed: load them "
            "apart with kind='train' and kind='test', and bring them to one "
            "scale."
        )
    images = np.concatenate([p[0] for p in parts]) if len(parts) > 1 else parts[0][0]
    target = np.concatenate([p[1] for p in parts]).astype(np.int64, copy=False)
    images = np.ascontiguousarray(images)
    if return_X_y:
        return images, target
    filenames = list(dict.fromkeys(f for p in parts for f in p[2]))
    return Bunch(
        images=images,
        data=images.reshape(len(images), -1),
        target=target,
        target_names=np.unique(target),
        filenames=filenames,
        DESCR=(
            f"MNIST-format data ({kind}): {len(images)} images of "
            f"{images.shape[1]}x{images.shape[2]} pixels, dtype {images.dtype}, "
            f"read from {', '.join(filenames)}.\n"
        ),
    )


# --- folders of images -----------------------------------------------------

_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff")


def _to_float_image(image, color, file):
    """Convert a decoded image to float in [0, 1], greyscale (h, w) or (h, w, 3)."""
    from skimage.color import gray2rgb, rgb2gray, rgba2rgb
    from skimage.util import img_as_float

    image = np.asarray(image)
    if image.ndim == 4:  # animated GIF or multi-page TIFF: first frame
        image = image[0]
    if image.dtype == bool:
        image = image.astype(np.uint8) * 255
    image = img_as_float(image)
    if image.ndim == 3 and image.shape[-1] == 4:
        image = rgba2rgb(image)
    elif image.ndim == 3 and image.shape[-1] == 2:  # grey + alpha, onto white
        image = image[..., 0] * image[..., 1] + (1.0 - image[..., 1])
    elif image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[-1] != 3):
        raise ValueError(f"{file} has an unsupported shape {image.shape}.")
    if color == "rgb" and image.ndim == 2:
        image = gray2rgb(image)
    elif color == "grey" and image.ndim == 3:
        image = rgb2gray(image)
    return image


def _check_image_size(image_size):
    """``(height, width)`` as Python ints; refuse floats, bools and text."""
    message = (
        "image_size must be None or (height, width), two positive integers; "
        f"got {image_size!r}."
    )
    if isinstance(image_size, str | bytes):
        raise ValueError(message)
    try:
        sizes = list(image_size)
    except TypeError:
        raise ValueError(message) from None
    if len(sizes) != 2 or not all(
        isinstance(s, int | np.integer) and not isinstance(s, bool | np.bool_)
        for s in sizes
    ):
        raise ValueError(message)
    height, width = (int(s) for s in sizes)
    if height < 1 or width < 1:
        raise ValueError(message)
    return height, width


def _check_color(color):
    """``"grey"`` or ``"rgb"``; ``"gray"`` is read as ``"grey"``."""
    if color == "gray":
        color = "grey"
    if color not in ("grey", "rgb"):
        raise ValueError(f"color must be 'grey' or 'rgb'; got {color!r}.")
    return color


def _check_extensions(extensions):
    """The extensions as a set of lower-case suffixes, each with its dot."""
    if isinstance(extensions, str):
        extensions = (extensions,)
    try:
        extensions = list(extensions)
    except TypeError:
        raise ValueError(
            "extensions must be a file extension such as '.png' or a sequence "
            f"of them; got {extensions!r}."
        ) from None
    for e in extensions:
        if not isinstance(e, str) or not e.strip("."):
            raise ValueError(
                "extensions must be file extensions such as '.png' (text); "
                f"got {e!r} in {extensions!r}."
            )
    return {e.lower() if e.startswith(".") else "." + e.lower() for e in extensions}


def _class_folders(path):
    """The sub-folders of ``path``, one per class, by name; hidden ones skipped."""
    if not path.exists():
        raise FileNotFoundError(f"No image folder at {path}.")
    if not path.is_dir():
        raise ValueError(f"{path} is not a folder; expected one sub-folder per class.")
    class_dirs = sorted(
        (d for d in path.iterdir() if d.is_dir() and not d.name.startswith(".")),
        key=lambda d: d.name,
    )
    if not class_dirs:
        raise ValueError(
            f"{path} has no sub-folders: expected one sub-folder of images per "
            "class, named after the class."
        )
    return class_dirs


def _class_files(class_dir, extensions):
    """The image files of one class folder, sorted; hidden ones skipped."""
    files = sorted(
        f
        for f in class_dir.iterdir()
        if f.is_file() and not f.name.startswith(".") and f.suffix.lower() in extensions
    )
    if not files:
        raise ValueError(
            f"The class folder {class_dir} holds no image with an extension "
            f"among {', '.join(sorted(extensions))}."
        )
    return files


def _read_image(file, color, size):
    """Read one image as float32 in [0, 1], resized to ``size`` unless None.

    Grey images have shape (height, width), colour ones (3, height, width).
    """
    from skimage.io import imread
    from skimage.transform import resize

    try:
        image = imread(file)
    except Exception as exc:  # many decoders, many exception types
        raise ValueError(f"Cannot read {file} as an image: {exc}") from exc
    image = _to_float_image(image, color, file)
    if size is not None and image.shape[:2] != size:
        image = resize(image, size, anti_aliasing=True, preserve_range=True)
    if image.ndim == 3:  # channels first, as skneuro's estimators read
        image = np.moveaxis(image, -1, 0)
    return np.ascontiguousarray(image, dtype=np.float32)


def load_image_folder(
    path, *, image_size=(64, 64), color="grey", extensions=_IMAGE_EXTENSIONS
):
    """Load images stored in one sub-folder per class, like SFEW's.

    Each sub-folder of ``path`` is a class, named after the folder; its image
    files are its samples. Images are read with :func:`skimage.io.imread`,
    converted to floats in [0, 1] and to greyscale or RGB, and resized with
    :func:`skimage.transform.resize` (with anti-aliasing) to ``image_size``.
    Hidden files and files with other extensions are skipped.

    Parameters
    ----------
    path : str or path-like
        The folder holding one sub-folder per class.
    image_size : (int, int) or None, default=(64, 64)
        ``(height, width)`` every image is resized to, two positive integers
        (Python or numpy integers; floats are refused, not truncated).
        ``None`` keeps the images' own size, which must then be the same for
        all.
    color : {"grey", "rgb"}, default="grey"
        ``"grey"`` gives images of shape (height, width); ``"rgb"`` gives
        channels-first images of shape (3, height, width), the convention of
        skneuro's image estimators and transformers (and PyTorch's), which
        read 4-D arrays as (n_samples, channels, height, width).
        ``np.moveaxis(images, 1, -1)`` gives the (n_samples, height, width, 3)
        layout matplotlib and scikit-image use. ``"gray"`` is accepted for
        ``"grey"``. Alpha channels are composited onto white.
    extensions : sequence of str, default=(".png", ".jpg", ".jpeg", ".bmp", \
".gif", ".tif", ".tiff")
        File extensions to read, compared without regard to case.

    Returns
    -------
    images : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        images : ndarray of shape (n_samples, height, width) or \
(n_samples, 3, height, width), dtype float32
            The images, values in [0, 1]; colour images are channels-first.
        data : ndarray of shape (n_samples, n_pixels), dtype float32
            A flattened view of ``images``, one image per row: ``height *
            width`` values for grey images, ``3 * height * width`` for colour
            ones (the red plane, then the green, then the blue).
        target : ndarray of shape (n_samples,), dtype int64
            Index of each image's class in ``target_names``.
        target_names : ndarray of shape (n_classes,)
            The sub-folder names, sorted.
        filenames : ndarray of shape (n_samples,)
            The path of each image, as text.
        DESCR : str
            A short description.

    Raises
    ------
    TypeError
        If ``path`` is not a str or path-like object.
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If ``path`` is the empty string, ``image_size`` is not two positive
        integers or ``None``, an extension is not text, ``path`` has no
        sub-folders, a sub-folder holds no image, a file cannot be read as an
        image, or (with ``image_size=None``) the images differ in size.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from skimage.io import imsave
    >>> from skneuro.datasets import load_image_folder
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     for name, value in [("happy", 255), ("sad", 0)]:
    ...         (Path(folder) / name).mkdir()
    ...         for i in range(2):
    ...             image = np.full((20, 30), value, dtype=np.uint8)
    ...             file = Path(folder) / name / f"{i}.png"
    ...             imsave(file, image, check_contrast=False)
    ...     faces = load_image_folder(folder, image_size=(16, 16))
    >>> faces.images.shape, faces.images.dtype
    ((4, 16, 16), dtype('float32'))
    >>> faces.target_names[faces.target]
    array(['happy', 'happy', 'sad', 'sad'], dtype='<U5')
    """
    path = _check_path(path, "a folder holding one sub-folder of images per class")
    color = _check_color(color)
    size = None if image_size is None else _check_image_size(image_size)
    extensions = _check_extensions(extensions)
    class_dirs = _class_folders(path)
    images, target, filenames = [], [], []
    for label, class_dir in enumerate(class_dirs):
        for file in _class_files(class_dir, extensions):
            images.append(_read_image(file, color, size))
            target.append(label)
            filenames.append(str(file))
    shapes = {im.shape for im in images}
    if len(shapes) > 1:
        raise ValueError(
            f"The images in {path} differ in size ({', '.join(map(str, shapes))}); "
            "pass image_size=(height, width) to resize them."
        )
    images = np.stack(images)
    target_names = np.array([d.name for d in class_dirs])
    return Bunch(
        images=images,
        data=images.reshape(len(images), -1),
        target=np.asarray(target, dtype=np.int64),
        target_names=target_names,
        filenames=np.array(filenames),
        DESCR=(
            f"Images from {path}: {len(images)} images of shape "
            f"{images.shape[1:]} ({'channels first, ' if color == 'rgb' else ''}"
            f"{color}), {len(class_dirs)} classes "
            f"({', '.join(target_names)}).\n"
        ),
    )
