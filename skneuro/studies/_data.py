"""The data a study runs on: shipped by default, or the user's ``--data``.

``--data`` is one of three kinds, told apart before anything trains:

- a feature table (``.xlsx`` or ``.csv`` in the layout of Hao's spreadsheet):
  for the ``feature-groups`` and ``compression`` studies, which also take an
  image folder and compute the table's features from its images
  (:func:`~skneuro.feature_extraction.make_hao_features`);
- an MNIST-format folder (IDX files, gzipped or not, or ``.npz``; the
  official test files alone do) or an ``.npz`` file: for the image studies;
- an image folder, one sub-folder per class: for the image studies.

Without ``--data`` each study runs on data that ship with the install: the
digits of scikit-learn enlarged to 28x28 (MNIST's size) for Buell's study,
scikit-image's faces for the GoogLeNet study, and a synthetic table from
:func:`~skneuro.datasets.make_feature_table` for Hao's feature studies.

The data a study ran on is identified by content (:func:`fingerprint` of
the files read), so that a resume on other data is refused whatever the
path says.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from skimage.transform import resize

import skneuro.datasets as datasets
from skneuro.datasets._images import mnist_files
from skneuro.feature_extraction._hao import make_hao_features
from skneuro.studies._checks import check_splits

FEATURE_SUFFIXES = {".xlsx", ".csv"}

#: The kinds of ``--data``, as :func:`data_kind` names them.
KINDS = {
    "features": "a feature table",
    "mnist": "MNIST-format data",
    "image-folder": "an image folder",
}


@dataclass
class StudyData:
    """Arrays and a description of where they came from."""

    X: np.ndarray
    y: np.ndarray
    description: str
    groups: dict | None = None
    target_names: list | None = None
    #: ``{"path": ..., "fingerprint": ...}``: what a resume compares.
    identity: dict = field(default_factory=dict)
    #: Whether the labels are those of Hao's table (1..7, named in order).
    table_labels: bool = False
    #: How features were computed from images (``None`` for a table): the
    #: settings a report states and a resume compares.
    feature_settings: dict | None = None
    #: The transformer a pipeline fits first on each training fold (the
    #: principal components of image features), or ``None``.
    prepare: object = None

    @property
    def class_names(self):
        """Label -> class name, for messages.

        ``target_names`` name the sorted labels of ``y``, except for a
        feature table, whose seven names are those of labels 1..7.
        """
        labels = np.unique(self.y).tolist()
        names = list(self.target_names or [])
        if self.table_labels:
            return {k: names[k - 1] for k in labels if 1 <= k <= len(names)}
        if len(names) != len(labels):
            return {}
        return dict(zip(labels, names, strict=True))


def fingerprint(files, root):
    """A content fingerprint of ``files`` (paths under ``root``).

    The SHA-256 of every file's path relative to ``root``, size and bytes,
    in sorted order: the same files moved elsewhere give the same
    fingerprint, any change of content, name or number another.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skneuro.studies._data import fingerprint
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = (root / "a.csv").write_text("1,2")
    >>> fingerprint([root / "a.csv"], root)
    'sha256:...'
    >>> before = fingerprint([root / "a.csv"], root)
    >>> _ = (root / "a.csv").write_text("1,3")
    >>> fingerprint([root / "a.csv"], root) == before
    False
    """
    root = Path(root).resolve()
    digest = hashlib.sha256()
    for file in sorted(Path(f).resolve() for f in files):
        content = hashlib.sha256()
        size = 0
        with open(file, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                content.update(block)
                size += len(block)
        relative = file.relative_to(root) if file != root else Path(file.name)
        digest.update(
            f"{relative.as_posix()}\0{size}\0{content.hexdigest()}\n".encode()
        )
    return "sha256:" + digest.hexdigest()


def _identity(path, files):
    path = Path(path).resolve()
    root = path if path.is_dir() else path.parent
    return {"path": str(path), "fingerprint": fingerprint(files, root)}


def _shipped(name):
    return {"path": "shipped", "fingerprint": f"shipped:{name}"}


def data_kind(path):
    """``"features"``, ``"mnist"`` or ``"image-folder"`` for ``--data path``.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        When it is none of the three kinds, or an empty folder.
    """
    if str(path).strip() == "":
        raise ValueError("--data is empty; give a file or a folder.")
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"--data {path}: no such file or folder.")
    if path.is_file():
        if path.suffix.lower() in FEATURE_SUFFIXES:
            return "features"
        if path.suffix.lower() == ".npz":
            return "mnist"
        raise ValueError(
            f"--data {path}: a file must be a feature table (.xlsx or .csv) or "
            "an MNIST .npz file."
        )
    entries = [p for p in path.iterdir() if not p.name.startswith(".")]
    if not entries:
        raise ValueError(f"--data {path}: the folder is empty.")
    if mnist_files(path):
        return "mnist"
    if any(p.is_dir() for p in entries):
        return "image-folder"
    raise ValueError(
        f"--data {path}: neither MNIST files (train-images-idx3-ubyte, "
        "t10k-images-idx3-ubyte and their labels, optionally .gz, or mnist.npz) "
        "nor one sub-folder of images per class."
    )


def _mnist(path):
    try:
        bunch = datasets.load_mnist(path, kind="all")
    except FileNotFoundError:
        bunch = datasets.load_mnist(path, kind="test")  # the official test files alone
    return bunch


def image_data(path, *, image_size, color="grey"):
    """Images for an image study: shipped, MNIST-format or an image folder.

    Parameters
    ----------
    path : path-like or None
        ``--data``; ``None`` for the shipped data of the study.
    image_size : {"digits28", "faces"} or (int, int)
        The shipped data set to use without ``path`` (``"digits28"``: the
        digits enlarged to 28x28; ``"faces"``: scikit-image's faces), and the
        size an image folder is resized to.
    """
    if path is None:
        if image_size == "faces":
            faces = datasets.load_lfw_faces()
            return StudyData(
                faces.images,
                faces.target,
                "scikit-image's LFW subset: 200 grey 25x25 faces and non-faces",
                target_names=list(faces.target_names),
                identity=_shipped("lfw-faces"),
            )
        digits = datasets.load_digits_images()
        images = resize(digits.images / 16.0, (len(digits.images), 28, 28), order=1)
        return StudyData(
            images.astype(np.float32),
            digits.target,
            "scikit-learn's 1797 8x8 digits, enlarged to 28x28 (MNIST's size)",
            target_names=[str(t) for t in digits.target_names],
            identity=_shipped("digits-28x28"),
        )
    kind = data_kind(path)
    if kind == "features":
        raise ValueError(
            f"--data {path} is a feature table; this study needs images (an "
            "MNIST folder or an image folder)."
        )
    if kind == "mnist":
        try:
            bunch = _mnist(path)
        except ValueError as exc:
            raise ValueError(f"--data {path}: {exc}") from exc
        images = bunch.images.astype(np.float32) / 255.0
        return StudyData(
            images,
            bunch.target,
            f"{path}: {bunch.DESCR.splitlines()[0]}",
            target_names=[str(t) for t in np.unique(bunch.target)],
            identity=_identity(path, bunch.filenames),
        )
    size = (64, 64) if isinstance(image_size, str) else tuple(image_size)
    try:
        bunch = datasets.load_image_folder(path, image_size=size, color=color)
    except ValueError as exc:
        raise ValueError(f"--data {path}: {exc}") from exc
    if len(bunch.images) == 0:
        raise ValueError(f"--data {path}: no images found in its sub-folders.")
    if len(np.unique(bunch.target)) < 2:
        raise ValueError(f"--data {path}: needs at least two classes (sub-folders).")
    return StudyData(
        bunch.images.astype(np.float32),
        bunch.target,
        f"{path}: {len(bunch.images)} images in {len(bunch.target_names)} classes",
        target_names=list(bunch.target_names),
        identity=_identity(path, bunch.filenames),
    )


def split_image_data(path, *, image_size, shipped, seeds, color="grey"):
    """:func:`image_data`, checked to split 80/20 with every class on both
    sides for each of ``seeds`` (see :func:`~skneuro.studies._checks.check_splits`).

    ``image_size`` applies to ``path``; ``shipped`` names the shipped data
    used without it (``"digits28"`` or ``"faces"``).
    """
    images = image_data(path, image_size=image_size if path else shipped, color=color)
    where = f"--data {path}" if path else f"the shipped {_SHIPPED_NAMES[shipped]}"
    check_splits(images.y, seeds, class_names=images.class_names, where=where)
    return images


_SHIPPED_NAMES = {"digits28": "digits", "faces": "faces"}


#: The size an image folder's images are resized to for Hao's features.
FEATURE_IMAGE_SIZE = (64, 64)

#: Principal components of each descriptor, as in Hao's table.
HAO_COMPONENTS = 5


def feature_data(path, *, random_state=0, cv=None):
    """Features for Hao's feature studies: a shipped or the user's table, or
    the features of the images of an image folder (see
    :func:`image_feature_data`; ``cv``: the folds the principal components
    are fitted in, ``None`` for all images at once)."""
    if path is not None and data_kind(path) == "image-folder":
        return image_feature_data(path, cv=cv)
    return _table_data(path, random_state=random_state)


def image_feature_data(path, *, cv=None):
    """Hao's features of the images of an image folder.

    The images are read grey at :data:`FEATURE_IMAGE_SIZE`; their LPQ and
    PHOG histograms are computed once (they learn nothing from the data).
    With ``cv`` (a number of folds) the histograms are returned with the PCA
    step as ``prepare``, for a pipeline to fit on each training fold;
    without, the principal components are fitted on all the images (the
    compression study, which holds nothing out).
    """
    images = image_data(path, image_size=FEATURE_IMAGE_SIZE)
    features = make_hao_features(n_components=HAO_COMPONENTS)
    check_components(len(images.y), HAO_COMPONENTS, path, cv)
    histograms = features["histograms"].fit_transform(images.X)
    components = features["components"]
    X, prepare = histograms, components
    if cv is None:
        X, prepare = components.fit_transform(histograms), None
    names = {
        name: [f"{name}_{i + 1}" for i in range(HAO_COMPONENTS)]
        for name in ("lpq", "phog")
    }
    descriptors = features["histograms"].transformer_list
    settings = {
        "image_size": list(FEATURE_IMAGE_SIZE),
        "n_components": HAO_COMPONENTS,
        **{name: _plain(step.get_params()) for name, step in descriptors},
    }
    where = "on all images" if cv is None else "inside each training fold"
    return StudyData(
        X,
        images.y,
        f"{images.description}, read grey at {FEATURE_IMAGE_SIZE[0]}x"
        f"{FEATURE_IMAGE_SIZE[1]}; {HAO_COMPONENTS} principal components "
        f"(fitted {where}) of their LPQ and of their PHOG histograms",
        groups=names,
        target_names=images.target_names,
        identity=images.identity,
        feature_settings=settings,
        prepare=prepare,
    )


def _plain(params):
    """Parameters as JSON values (tuples as lists), for the settings."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}


def check_components(n_images, n_components, path, cv=None):
    """Refuse an image folder with too few images (or training images per
    fold of ``cv``) for the principal components."""
    n_train = n_images if cv is None else n_images - -(-n_images // cv)
    if n_train <= n_components:
        where = "" if cv is None else f", {n_train} in a training fold of {cv}"
        raise ValueError(
            f"--data {path}: {n_images} images{where}; Hao's features need more "
            f"than {n_components} to fit (the principal components of each "
            "descriptor)."
        )


def _table_data(path, *, random_state=0):
    """A feature table for Hao's feature studies: shipped or the user's."""
    if path is None:
        table = datasets.make_feature_table(random_state=random_state)
        description = (
            "a synthetic table from make_feature_table (675 samples, groups "
            "LPQ and PHOG of 5 features each, 7 classes)"
        )
        identity = _shipped(f"make_feature_table(random_state={random_state})")
    else:
        kind = data_kind(path)
        if kind != "features":
            raise ValueError(
                f"--data {path} holds MNIST-format images; this study needs a "
                "feature table (.xlsx or .csv in the layout of Hao's "
                "spreadsheet) or an image folder (one sub-folder per class)."
            )
        try:
            table = datasets.load_feature_table(path)
        except ValueError as exc:
            raise ValueError(f"--data {path}: {exc}") from exc
        description = f"{path}: {len(table.data)} samples, groups " + ", ".join(
            table.groups
        )
        identity = _identity(path, [path])
    return StudyData(
        table.data,
        np.asarray(table.target),
        description,
        groups=dict(table.groups),
        target_names=list(table.target_names),
        identity=identity,
        table_labels=True,
    )
