"""Image layouts and shapes: the one place that reads them, for every estimator.

skneuro's convention is PyTorch's: a batch of images is ``(n, channels,
height, width)`` (channels-first). Grey images may also come as ``(n,
height, width)``, or flat, ``(n, height * width)``, with ``image_shape=(h,
w)`` (one side -1 to infer it, or square when none is given). The loaders
return images in this convention, the transformers keep the layout they are
given, and the classifiers turn every accepted layout into a channels-first
batch.

Colour images as matplotlib, scikit-image and Keras hold them, ``(n, height,
width, channels)`` (channels-last), are the other layout. The image
estimators take a ``data_format`` parameter:

- ``"channels_first"`` or ``"channels_last"`` say which one 4-D input is;
- ``"auto"`` (the default) reads it from the shape where that is
  unambiguous: an axis of at most :data:`MAX_AUTO_CHANNELS` entries is a
  channel axis, so ``(n, 3, 64, 64)`` is channels-first and ``(n, 64, 64,
  3)`` channels-last; a shape where both axes 1 and 3, or neither, could be
  the channels (``(n, 3, 4, 3)``, ``(n, 16, 28, 28)``) is refused with an
  error that says how to pass it, never guessed.

Fitted estimators keep the layout they were fitted on (``data_format_``)
and read later input the same way.
"""

from numbers import Integral

import numpy as np

#: The values of the image estimators' ``data_format`` parameter.
DATA_FORMATS = ("auto", "channels_first", "channels_last")

#: The most entries an axis may have for ``data_format="auto"`` to read it
#: as the channels (grey, grey and alpha, RGB, RGBA).
MAX_AUTO_CHANNELS = 4


def requested_image_shape(image_shape):
    """``image_shape`` checked as a pair of positive ints (one may be -1).

    Examples
    --------
    >>> from skneuro.utils._images import requested_image_shape
    >>> requested_image_shape((28, -1))
    (28, -1)
    """
    bad = ValueError(
        "image_shape must be a pair of positive ints (height, width), one of "
        f"which may be -1 to infer it from the number of features; got "
        f"{image_shape!r}."
    )
    if len(image_shape) != 2:
        raise bad
    for v in image_shape:
        if isinstance(v, bool) or not isinstance(v, Integral):
            raise bad
        if v < 1 and v != -1:
            raise bad
    if tuple(image_shape).count(-1) > 1:
        raise bad
    return int(image_shape[0]), int(image_shape[1])


def flat_image_shape(n_features, image_shape=None):
    """Image ``(height, width)`` of flat rows of ``n_features`` values.

    Examples
    --------
    >>> from skneuro.utils._images import flat_image_shape
    >>> flat_image_shape(784), flat_image_shape(12, (3, -1))
    ((28, 28), (3, 4))
    """
    if image_shape is None:
        side = int(round(np.sqrt(n_features)))
        if side * side != n_features:
            raise ValueError(
                f"X has {n_features} features, which is not a square number, "
                "so the image shape cannot be inferred. Pass "
                "image_shape=(height, width), or X of shape "
                "(n_samples, height, width)."
            )
        return side, side
    h, w = requested_image_shape(image_shape)
    if h == -1 or w == -1:
        known = w if h == -1 else h
        if n_features % known:
            raise ValueError(
                f"image_shape={tuple(image_shape)!r} does not match X with "
                f"{n_features} features ({n_features} is not a multiple of "
                f"{known})."
            )
        h, w = (n_features // known, w) if h == -1 else (h, n_features // known)
    if h * w != n_features:
        raise ValueError(
            f"image_shape={tuple(image_shape)!r} has {h * w} pixels, but X "
            f"has {n_features} features (n_features={n_features})."
        )
    return h, w


def nd_image_shape(shape, image_shape=None):
    """Image ``(height, width)`` of ``(n, h, w)`` or ``(n, c, h, w)`` input.

    ``image_shape``, when given, must agree with it.

    Examples
    --------
    >>> from skneuro.utils._images import nd_image_shape
    >>> nd_image_shape((5, 3, 32, 24))
    (32, 24)
    """
    h, w = int(shape[-2]), int(shape[-1])
    if image_shape is not None:
        rh, rw = requested_image_shape(image_shape)
        if (rh != -1 and rh != h) or (rw != -1 and rw != w):
            raise ValueError(
                f"image_shape={tuple(image_shape)!r} does not match the "
                f"image shape {(h, w)} of X with shape {tuple(shape)}."
            )
    return h, w


def resolve_data_format(shape, data_format="auto"):
    """The layout of 4-D input of ``shape``: channels-first or channels-last.

    Parameters
    ----------
    shape : tuple of 4 ints
        The shape of the input.
    data_format : {"auto", "channels_first", "channels_last"}, default="auto"
        The estimator's parameter; ``"auto"`` reads the layout from the shape
        where only one of axes 1 and 3 has at most :data:`MAX_AUTO_CHANNELS`
        entries.

    Returns
    -------
    data_format : {"channels_first", "channels_last"}

    Raises
    ------
    ValueError
        With ``"auto"``, when both readings are plausible or neither is.

    Examples
    --------
    >>> from skneuro.utils._images import resolve_data_format
    >>> resolve_data_format((10, 3, 32, 32)), resolve_data_format((10, 32, 32, 3))
    ('channels_first', 'channels_last')
    """
    if data_format not in DATA_FORMATS:
        raise ValueError(
            f"data_format must be one of {', '.join(map(repr, DATA_FORMATS))}; "
            f"got {data_format!r}."
        )
    if data_format != "auto":
        return data_format
    first = shape[1] <= MAX_AUTO_CHANNELS
    last = shape[3] <= MAX_AUTO_CHANNELS
    if first != last:
        return "channels_first" if first else "channels_last"
    raise ValueError(
        f"X of shape {tuple(shape)} may hold {shape[1]}-channel images of "
        f"{shape[2]}x{shape[3]} pixels (channels-first, (n, channels, height, "
        f"width)) or {shape[3]}-channel images of {shape[1]}x{shape[2]} pixels "
        "(channels-last, (n, height, width, channels)), and skneuro does not "
        "guess: pass data_format='channels_first' or "
        "data_format='channels_last' to say which."
    )


def layout_of(shape, data_format="auto", fitted=None):
    """The layout an estimator reads input of ``shape`` in.

    ``None`` for 2-D and 3-D input (no channel axis); for 4-D input the
    layout the estimator was fitted on (``fitted``, its ``data_format_``)
    when there is one, else the one ``data_format`` gives for the shape.

    Examples
    --------
    >>> from skneuro.utils._images import layout_of
    >>> layout_of((5, 28, 28)), layout_of((5, 28, 28, 3))
    (None, 'channels_last')
    >>> layout_of((5, 3, 28, 28), fitted="channels_last")
    'channels_last'
    """
    if len(shape) != 4:
        return None
    if fitted is not None:
        return fitted
    return resolve_data_format(shape, data_format)


def image_dims(shape, data_format="auto"):
    """``(channels, height, width)`` of one image of a 3-D or 4-D batch.

    Examples
    --------
    >>> from skneuro.utils._images import image_dims
    >>> image_dims((5, 28, 28)), image_dims((5, 28, 28, 3))
    ((1, 28, 28), (3, 28, 28))
    """
    if len(shape) == 3:
        return 1, int(shape[1]), int(shape[2])
    if len(shape) != 4:
        raise _bad_layout(shape)
    if resolve_data_format(shape, data_format) == "channels_last":
        return int(shape[3]), int(shape[1]), int(shape[2])
    return int(shape[1]), int(shape[2]), int(shape[3])


def as_image_batch(X, image_shape=None, data_format="auto"):
    """``X`` as ``(n, channels, height, width)``, a view where possible.

    Parameters
    ----------
    X : ndarray of shape (n, height * width), (n, height, width), \
(n, channels, height, width) or (n, height, width, channels)
        Images.
    image_shape : (int, int) or None, default=None
        Height and width of flat rows; must agree with image-shaped input.
    data_format : {"auto", "channels_first", "channels_last"}, default="auto"
        The layout of 4-D input (see :func:`resolve_data_format`).

    Examples
    --------
    >>> import numpy as np
    >>> from skneuro.utils._images import as_image_batch
    >>> as_image_batch(np.zeros((2, 64))).shape
    (2, 1, 8, 8)
    >>> as_image_batch(np.zeros((2, 3, 8, 8))).shape
    (2, 3, 8, 8)
    >>> as_image_batch(np.zeros((2, 8, 8, 3))).shape
    (2, 3, 8, 8)
    """
    if X.ndim == 2:
        h, w = flat_image_shape(X.shape[1], image_shape)
        return X.reshape(len(X), 1, h, w)
    if X.ndim not in (3, 4):
        raise _bad_layout(X.shape)
    channels, h, w = image_dims(X.shape, data_format)
    nd_image_shape((len(X), channels, h, w), image_shape)
    if X.ndim == 3:
        return X.reshape(len(X), 1, h, w)
    return convert_layout(
        X, resolve_data_format(X.shape, data_format), "channels_first"
    )


def convert_layout(images, source, target):
    """4-D ``images`` laid out as ``source`` says, in the layout ``target``.

    A view (``np.moveaxis``); ``source`` and ``target`` are
    ``"channels_first"`` or ``"channels_last"``.

    Examples
    --------
    >>> import numpy as np
    >>> from skneuro.utils._images import convert_layout
    >>> convert_layout(np.zeros((2, 8, 6, 3)), "channels_last", "channels_first").shape
    (2, 3, 8, 6)
    """
    if source == target:
        return images
    if source == "channels_last":
        return np.moveaxis(images, -1, 1)
    return np.moveaxis(images, 1, -1)


def _bad_layout(shape):
    return ValueError(
        f"X must be (n_samples, height * width), (n_samples, height, width) or "
        f"4-D images, channels-first (n_samples, channels, height, width) or "
        f"channels-last (n_samples, height, width, channels); got shape "
        f"{tuple(shape)}."
    )
