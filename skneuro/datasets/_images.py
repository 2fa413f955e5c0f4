"""Image data sets: shipped ones (digits, LFW subset) and loaders for local files.

Nothing here downloads. :func:`load_digits_images` and :func:`load_lfw_faces`
read data that ships inside scikit-learn and scikit-image;
:func:`load_mnist` and :func:`load_image_folder` read files the user points to.
"""

import gzip
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


def _read_idx(file):
    """Read one IDX file (optionally gzipped) into a native-endian ndarray."""
    file = Path(file)
    opener = gzip.open if file.suffix == ".gz" else open
    try:
        with opener(file, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError) as exc:
        raise ValueError(f"Cannot read the IDX file {file}: {exc}") from exc
    if len(raw) < 4:
        raise ValueError(f"{file} is too short to be an IDX file ({len(raw)} bytes).")
    zero, code, ndim = int.from_bytes(raw[:2], "big"), raw[2], raw[3]
    if zero != 0 or code not in _IDX_DTYPES or ndim == 0:
        raise ValueError(
            f"{file} is not an IDX file: bad magic number 0x{raw[:4].hex()} "
            "(expected two zero bytes, a type code among "
            f"{', '.join(hex(c) for c in _IDX_DTYPES)}, then the number of "
            "dimensions; e.g. 0x00000803 for images, 0x00000801 for labels)."
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{file} is truncated: its header is incomplete.")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = _IDX_DTYPES[code]
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(
            f"{file} holds {len(raw)} bytes, but its header announces "
            f"shape {shape} of {dtype.newbyteorder('=').name}, that is "
            f"{expected} bytes."
        )
    array = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def _find_idx(folder, prefix):
    """The images and labels files of one split, with or without .gz."""
    found = []
    for what, dims in (("images", 3), ("labels", 1)):
        candidates = [
            folder / f"{prefix}-{what}{sep}idx{dims}-ubyte{gz}"
            for sep in ("-", ".")
            for gz in ("", ".gz")
        ]
        existing = [c for c in candidates if c.is_file()]
        if not existing:
            return None
        found.append(existing[0])
    return tuple(found)


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
        images, labels = _read_idx(images_file), _read_idx(labels_file)
        if images.ndim != 3:
            raise ValueError(
                f"{images_file} should hold images of shape (n, rows, columns); "
                f"its header gives the shape {images.shape}."
            )
        if labels.ndim != 1:
            raise ValueError(
                f"{labels_file} should hold one label per image; its header "
                f"gives the shape {labels.shape}."
            )
        if len(images) != len(labels):
            raise ValueError(
                f"{images_file.name} holds {len(images)} images but "
                f"{labels_file.name} holds {len(labels)} labels."
            )
        return images, labels, [str(images_file), str(labels_file)]
    npz = path / "mnist.npz"
    if npz.is_file():
        return _load_npz_split(npz, split)
    prefix = _MNIST_PREFIXES[split]
    raise FileNotFoundError(
        f"No MNIST {split} files in {path}: expected {prefix}-images-idx3-ubyte "
        f"and {prefix}-labels-idx1-ubyte (optionally .gz), or mnist.npz. "
        "skneuro does not download MNIST; put the files there first."
    )


def _load_npz_split(file, split):
    x_key, y_key = _NPZ_KEYS[split]
    with np.load(file, allow_pickle=False) as archive:
        missing = [k for k in (x_key, y_key) if k not in archive.files]
        if missing:
            raise ValueError(
                f"{file} lacks the key(s) {', '.join(missing)}; expected "
                f"x_train, y_train, x_test, y_test (found {', '.join(archive.files)})."
            )
        images, labels = archive[x_key], archive[y_key]
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(
            f"In {file}, {x_key} should have shape (n, rows, columns) and {y_key} "
            f"shape (n,); got {images.shape} and {labels.shape}."
        )
    return images, labels, [str(file)]


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
            The labels.
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
    FileNotFoundError
        If ``path`` does not exist or holds none of the expected files.
    ValueError
        If a file is not a valid IDX file (bad magic number, size not
        matching its header), or images and labels differ in number.

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
    path = Path(path)
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
        raise ValueError("The training and test images differ in size.")
    images = np.concatenate([p[0] for p in parts]) if len(parts) > 1 else parts[0][0]
    target = np.concatenate([p[1] for p in parts]).astype(np.int64)
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
        ``(height, width)`` every image is resized to. ``None`` keeps the
        images' own size, which must then be the same for all.
    color : {"grey", "rgb"}, default="grey"
        ``"grey"`` gives images of shape (height, width); ``"rgb"`` gives
        (height, width, 3). ``"gray"`` is accepted for ``"grey"``. Alpha
        channels are composited onto white.
    extensions : sequence of str, default=(".png", ".jpg", ".jpeg", ".bmp", \
".gif", ".tif", ".tiff")
        File extensions to read, compared without regard to case.

    Returns
    -------
    images : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        images : ndarray of shape (n_samples, height, width) or \
(n_samples, height, width, 3), dtype float32
            The images, values in [0, 1].
        data : ndarray of shape (n_samples, n_pixels), dtype float32
            A flattened view of ``images``, one image per row.
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
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If ``path`` has no sub-folders, a sub-folder holds no image, a file
        cannot be read as an image, or (with ``image_size=None``) the images
        differ in size.

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
    from skimage.io import imread
    from skimage.transform import resize

    path = Path(path)
    if color == "gray":
        color = "grey"
    if color not in ("grey", "rgb"):
        raise ValueError(f"color must be 'grey' or 'rgb'; got {color!r}.")
    if image_size is not None:
        try:
            height, width = (int(s) for s in image_size)
        except (TypeError, ValueError):
            raise ValueError(
                f"image_size must be (height, width) or None; got {image_size!r}."
            ) from None
        if height < 1 or width < 1:
            raise ValueError(f"image_size must be positive; got {image_size!r}.")
    if isinstance(extensions, str):
        extensions = (extensions,)
    extensions = {
        e.lower() if e.startswith(".") else "." + e.lower() for e in extensions
    }
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
    images, target, filenames = [], [], []
    for label, class_dir in enumerate(class_dirs):
        files = sorted(
            f
            for f in class_dir.iterdir()
            if f.is_file()
            and not f.name.startswith(".")
            and f.suffix.lower() in extensions
        )
        if not files:
            raise ValueError(
                f"The class folder {class_dir} holds no image with an extension "
                f"among {', '.join(sorted(extensions))}."
            )
        for file in files:
            try:
                image = imread(file)
            except Exception as exc:  # many decoders, many exception types
                raise ValueError(f"Cannot read {file} as an image: {exc}") from exc
            image = _to_float_image(image, color, file)
            if image_size is not None and image.shape[:2] != (height, width):
                image = resize(
                    image, (height, width), anti_aliasing=True, preserve_range=True
                )
            images.append(image.astype(np.float32, copy=False))
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
            f"{images.shape[1:]} ({color}), {len(class_dirs)} classes "
            f"({', '.join(target_names)}).\n"
        ),
    )
