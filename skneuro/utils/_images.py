"""Image shapes from array shapes: one place for transformers and CNNs.

Images come flat, ``(n, h*w)`` (with ``image_shape=(h, w)``, one side -1 to
infer it, or square when none is given), or as ``(n, h, w)`` or
``(n, c, h, w)`` arrays.
"""

from numbers import Integral

import numpy as np


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


def as_image_batch(X, image_shape=None):
    """``X`` as ``(n, channels, height, width)``, a view where possible.

    Examples
    --------
    >>> import numpy as np
    >>> from skneuro.utils._images import as_image_batch
    >>> as_image_batch(np.zeros((2, 64))).shape
    (2, 1, 8, 8)
    >>> as_image_batch(np.zeros((2, 3, 8, 8))).shape
    (2, 3, 8, 8)
    """
    if X.ndim == 2:
        h, w = flat_image_shape(X.shape[1], image_shape)
        return X.reshape(len(X), 1, h, w)
    h, w = nd_image_shape(X.shape, image_shape)
    if X.ndim == 3:
        return X.reshape(len(X), 1, h, w)
    if X.ndim == 4:
        return X
    raise ValueError(
        f"X must be (n_samples, height * width), (n_samples, height, width) or "
        f"(n_samples, channels, height, width); got shape {tuple(X.shape)}."
    )
