"""Average-pool images, then interpolate them back to their full size.

The whole operation is linear and separable per image axis, so it is computed
as products with small per-axis matrices over the whole batch at once.
"""

import threading
import warnings
from collections import OrderedDict
from numbers import Integral

import numpy as np
from sklearn import get_config
from sklearn.base import (
    BaseEstimator,
    OneToOneFeatureMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import assert_all_finite
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.validation import check_is_fitted

from skneuro.utils._fitted import forget_fit_on_error
from skneuro.utils._images import (
    DATA_FORMATS,
    convert_layout,
    flat_image_shape,
    image_dims,
    layout_of,
    nd_image_shape,
    requested_image_shape,
)
from skneuro.utils._validation import check_input, validate_input

__all__ = ["PoolInterpolate"]

# Spline degree of each interpolation method, and the fewest pooled points an
# axis needs for it (an axis pooled to a single point is always constant).
_ORDER = {"nearest": 0, "linear": 1, "cubic": 3}
_MIN_POINTS = {"nearest": 1, "linear": 2, "cubic": 4}

# Below this many input values a batch goes through NumPy's matmul; above it,
# through torch's (MKL) matmul, which is several times faster on large batches.
_TORCH_MIN_SIZE = 1 << 17

# Fitted state kept in private attributes, dropped with the public ones when a
# (re)fit fails: the old images' matrices must not meet a new feature count.
_PRIVATE_FITTED = ("_matrices", "_fit_ndim", "_fit_channels")

# Batches going through torch are processed in chunks of images whose
# intermediate product holds at most this many values (4 MiB of float32), all
# written into one buffer allocated per call: the extra memory stays at 4 MiB
# instead of an intermediate as large as the batch, at no cost in speed; a
# buffer kept from one call to the next gained nothing measurable, so none is
# kept (figures: docs/benchmarks.rst, "Figures behind the code").
_CHUNK_SIZE = 1 << 20


def _float_dtype(X):
    """The floating dtype X is computed (and returned) in.

    float32 for float32 or smaller floats (float16) in either byte order, so
    half-precision or big-endian input is not silently doubled to float64;
    float64 for everything else (float64, integers, booleans, mixed columns).
    A DataFrame counts as the common type of its columns.
    """
    dtype = getattr(X, "dtype", None)
    if dtype is None and hasattr(X, "dtypes"):
        dtypes = list(X.dtypes)
        if dtypes and all(isinstance(d, np.dtype) for d in dtypes):
            dtype = np.result_type(*dtypes)
    if isinstance(dtype, np.dtype) and dtype.kind == "f" and dtype.itemsize <= 4:
        return np.float32
    return np.float64


def _as_pair(value, name):
    """``value`` as a pair of ints >= 1, one per image axis (height, width)."""
    if isinstance(value, Integral) and not isinstance(value, bool):
        value = (value, value)
    try:
        pair = tuple(value)
    except TypeError:  # a bool, a float...
        pair = ()
    if len(pair) != 2 or not all(
        isinstance(v, Integral) and not isinstance(v, bool) and v >= 1 for v in pair
    ):
        raise ValueError(
            f"The {name!r} parameter of PoolInterpolate must be an int >= 1 or a "
            f"pair of ints >= 1 (one per image axis: height, width); got {value!r}."
        )
    return int(pair[0]), int(pair[1])


def _pooling_matrix(size, pool_size, stride):
    """Matrix of a 1-D average pooling with valid windows only.

    Returns ``P`` of shape ``(n_pooled, size)``, ``n_pooled = (size - pool_size)
    // stride + 1``, with ``P[i, k] = 1 / pool_size`` if ``stride * i <= k <
    stride * i + pool_size``, else 0.
    """
    n_pooled = (size - pool_size) // stride + 1
    P = np.zeros((n_pooled, size))
    for i in range(n_pooled):
        P[i, i * stride : i * stride + pool_size] = 1.0 / pool_size
    return P


def _interpolation_matrix(n_pooled, size, method):
    """Matrix of a 1-D interpolation from ``n_pooled`` to ``size`` points.

    Both grids span [0, 1] with their end points aligned (pooled coordinates
    ``linspace(0, 1, n_pooled)``, output coordinates ``linspace(0, 1, size)``).
    ``"linear"`` and ``"cubic"`` are the interpolating splines of degree 1 and
    3 (not-a-knot end conditions, the spline scipy's ``RectBivariateSpline``
    fits with ``s=0``); ``"nearest"`` takes the nearest coarse point, ties going
    to the lower one, exactly as scipy's ``RegularGridInterpolator``.

    Returns ``U`` of shape ``(size, n_pooled)``: column ``q`` is the interpolant
    of the ``q``-th unit vector, so ``U @ y`` interpolates any coarse values
    ``y`` (an interpolating spline is linear in its data).
    """
    from scipy.interpolate import RegularGridInterpolator, make_interp_spline

    if n_pooled == 1:
        return np.ones((size, 1))
    x_pooled = np.linspace(0.0, 1.0, n_pooled)
    x_new = np.linspace(0.0, 1.0, size)
    eye = np.eye(n_pooled)
    if method == "nearest":
        interp = RegularGridInterpolator((x_pooled,), eye, method="nearest")
        return interp(x_new[:, None])
    return make_interp_spline(x_pooled, eye, k=_ORDER[method])(x_new)


class _MatrixCache:
    """Per-axis matrices by ``(size, pool_size, stride, method)``, bounded by bytes.

    A fitted transformer keeps its matrices, so the cache only saves
    rebuilding them for the next estimator on images of the same size (a
    search's clones). An axis of ``n`` pixels has three ``n x n``-sized
    matrices in two dtypes, 36 ``n**2`` bytes: 28 MB for 28x28 images'
    lines is nothing, but a 1x4000 image's width alone is 576 MB, so the
    cache holds at most ``max_bytes`` (least recently used go first) and
    never an entry larger than that.
    """

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self._entries = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __call__(self, size, pool_size, stride, method):
        key = (size, pool_size, stride, method)
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key][0]
        matrices = _build_axis_matrices(size, pool_size, stride, method)
        n_bytes = sum(m.nbytes for kinds in matrices.values() for m in kinds.values())
        with self._lock:
            if n_bytes <= self.max_bytes and key not in self._entries:
                self._entries[key] = (matrices, n_bytes)
                self._bytes += n_bytes
                while self._bytes > self.max_bytes:
                    _, (_, dropped) = self._entries.popitem(last=False)
                    self._bytes -= dropped
        return matrices

    @property
    def n_bytes(self):
        """Bytes the cached matrices hold."""
        return self._bytes

    def clear(self):
        with self._lock:
            self._entries.clear()
            self._bytes = 0


def _build_axis_matrices(size, pool_size, stride, method):
    """Pooling, interpolation and folded matrices of one axis, per dtype.

    Returns ``{dtype: {"pool": P, "interp": U, "full": U @ P}}`` for float64
    and float32, as read-only C-contiguous arrays (shared between estimators).
    """
    P = _pooling_matrix(size, pool_size, stride)
    U = _interpolation_matrix(P.shape[0], size, method)
    matrices = {}
    for dtype in (np.float64, np.float32):
        kinds = {}
        for kind, M in (("pool", P), ("interp", U), ("full", U @ P)):
            M = np.ascontiguousarray(M, dtype=dtype)
            M.flags.writeable = False
            kinds[kind] = M
        matrices[np.dtype(dtype)] = kinds
    return matrices


#: The matrices of recently used axes, at most 64 MiB of them.
_axis_matrices = _MatrixCache(max_bytes=64 << 20)


def _product_chunk(xp, X, A_h, B, out, check_finite, buffer=None):
    """One chunk of :func:`_separable_product`, with NumPy or torch (``xp``).

    ``buffer``, when given, receives the intermediate product (torch only).
    """
    k, h, w = X.shape
    m_w = out.shape[2]
    if buffer is None:
        Y = xp.matmul(X.reshape(k * h, w), B)
    else:
        Y = xp.matmul(X.reshape(k * h, w), B, out=buffer[: k * h])
    Y = Y.reshape(k, h, B.shape[1])
    xp.matmul(A_h, Y[:, :, :m_w], out=out)
    return not check_finite or bool(np.isfinite(float(Y[:, :, m_w].sum())))


def _separable_product(X, A_h, A_w, check_finite):
    """``out[b] = A_h @ X[b] @ A_w.T`` for every image ``b`` of ``X``.

    ``X`` is C-contiguous of shape (n, h, w); ``A_h`` (m_h, h) and ``A_w``
    (m_w, w) have the dtype of ``X``. Two matrix products: one GEMM on the
    ``(n * h, w)`` view of X, then one product with ``A_h`` broadcast over the
    images, written straight into the output.

    Large batches go through torch (MKL's GEMM and batched GEMM, several times
    faster than NumPy's loop of small GEMMs, on torch's intra-op threads), in
    chunks of images that share one intermediate buffer of at most
    ``_CHUNK_SIZE`` values (or one image's, if larger).

    With ``check_finite``, the first product gets an extra column of ones, so
    it also gives every image row's sum; these are all finite unless X has a
    NaN or an infinity (or values near the dtype's largest, whose sum may
    overflow). This replaces a separate pass over X. Returns ``(out, finite)``.
    """
    n, h, w = X.shape
    m_h, m_w = A_h.shape[0], A_w.shape[0]
    out = np.empty((n, m_h, m_w), dtype=X.dtype)
    B = np.zeros((w, m_w + 1 if check_finite else m_w), dtype=X.dtype)
    B[:, :m_w] = A_w.T
    if check_finite:
        B[:, m_w] = 1.0
    if X.size < _TORCH_MIN_SIZE:
        # Non-finite input is reported by the caller, not as NumPy warnings.
        with np.errstate(all="ignore"):
            finite = _product_chunk(np, X, A_h, B, out, check_finite)
        return out, finite

    import torch

    with warnings.catch_warnings():
        # torch warns about read-only arrays; X and A_h are only read.
        warnings.simplefilter("ignore", UserWarning)
        X_t, A_h_t = torch.from_numpy(X), torch.from_numpy(A_h)
    out_t, B_t = torch.from_numpy(out), torch.from_numpy(B)
    chunk = max(1, min(n, _CHUNK_SIZE // (h * B.shape[1])))
    buffer = torch.empty((chunk * h, B.shape[1]), dtype=B_t.dtype)
    finite = True
    for start in range(0, n, chunk):
        stop = start + chunk
        finite &= _product_chunk(
            torch,
            X_t[start:stop],
            A_h_t,
            B_t,
            out_t[start:stop],
            check_finite,
            buffer,
        )
    return out, finite


class PoolInterpolate(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Average-pool images, then interpolate them back to their full size.

    Each image is reduced by a 2-D average pooling (what would be stored), then
    rebuilt at its original size by spline interpolation of the pooled grid, as
    in Buell, "Approximate Computation Image Classification" (MNIST digits
    average-pooled with a 2x2 or 3x3 window and stride 1 or 2, then linearly
    spline-interpolated back to 28x28). The operation is linear and separable,
    and is computed for the whole batch with two small matrix products, without
    any loop over images.

    The output has the layout of the input and a floating dtype: float32 for
    float32 or float16 input (in either byte order), else float64.

    With flat input the output columns are the input columns, so
    :meth:`get_feature_names_out` returns the input's names (``x0, x1, ...``
    for arrays) and ``set_output(transform="pandas")`` gives a DataFrame with
    them. With image-shaped input the names describe the pixels
    (``pixel_<row>_<column>``, or ``pixel_<channel>_<row>_<column>``), but
    :meth:`transform` keeps returning images, so a DataFrame output (pandas or
    polars) is refused with a ``ValueError``, before any computation, that says
    to pass the images flat. Flattening them silently instead would make the
    output's layout depend on the output configuration, and differ from what
    :meth:`downsample` and :meth:`upsample` return.

    Parameters
    ----------
    pool_size : int or tuple of (int, int), default=2
        Height and width of the pooling window (one int for both).

    stride : int or tuple of (int, int), default=None
        Step between windows along the height and the width. ``None`` uses
        ``pool_size`` (non-overlapping windows). Only windows that fit entirely
        in the image are used, so an axis of length ``h`` is pooled to
        ``(h - pool_size) // stride + 1`` values.

    method : {"nearest", "linear", "cubic"}, default="linear"
        Interpolation from the pooled grid back to the image grid: nearest
        pooled value, or the interpolating spline of degree 1 (Buell's choice)
        or 3. ``"linear"`` needs at least 2 pooled values per axis and
        ``"cubic"`` at least 4; an axis pooled to a single value is restored as
        a constant.

    image_shape : tuple of (int, int), default=None
        Height and width of the images when ``X`` is flat, of shape
        ``(n_samples, height * width)``. One entry may be -1, inferred from the
        number of features as in :func:`numpy.reshape`. ``None`` infers a
        square image. With 3-D or 4-D input the image shape is read from ``X``
        and ``image_shape``, if given, must agree with it.

    data_format : {"auto", "channels_first", "channels_last"}, default="auto"
        Layout of 4-D input: ``"channels_first"`` is ``(n, channels, height,
        width)``, skneuro's convention and PyTorch's; ``"channels_last"`` is
        ``(n, height, width, channels)``, as matplotlib, scikit-image and
        Keras hold colour images. ``"auto"`` reads it from the shape when
        only one of axes 1 and 3 has at most 4 entries, and refuses a shape
        that could be either (``(n, 3, 4, 3)``, ``(n, 16, 28, 28)``) with an
        error saying to pass the layout. Each channel is pooled on its own;
        the output keeps the input's layout.

    Attributes
    ----------
    image_shape_ : tuple of (int, int)
        Height and width of the images seen in :meth:`fit`.

    pooled_shape_ : tuple of (int, int)
        Height and width of the pooled images returned by :meth:`downsample`.

    compression_ratio_ : float
        Pooled pixels over original pixels, ``prod(pooled_shape_) /
        prod(image_shape_)`` (e.g. 196 / 784 = 0.25 for 2x2 windows with stride
        2 on 28x28 images).

    data_format_ : {"channels_first", "channels_last"} or None
        Layout of the 4-D images seen in :meth:`fit` (``None`` for flat or
        ``(n, h, w)`` input); later 4-D input is read the same way.

    n_features_in_ : int
        Number of features seen during :meth:`fit`: ``X.shape[1]``, as
        scikit-learn's validation counts it, so the number of pixels for flat
        input, but the height for ``(n, h, w)`` input and the number of
        channels for ``(n, c, h, w)`` input. :meth:`get_feature_names_out`
        names every pixel whatever the layout.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :meth:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    scipy.interpolate.RectBivariateSpline : The per-image spline interpolation
        (``"linear"``, ``"cubic"``) this transformer reproduces in batch.
    scipy.interpolate.RegularGridInterpolator : Its ``"nearest"`` method is the
        ``"nearest"`` interpolation here.
    sklearn.preprocessing.FunctionTransformer : Wraps any stateless function.

    Notes
    -----
    For one axis of length :math:`h`, window :math:`p` and stride :math:`s`,
    pooling is the matrix :math:`P \\in \\mathbb{R}^{h' \\times h}`, with
    :math:`h' = \\lfloor (h - p) / s \\rfloor + 1` and
    :math:`P_{ik} = 1/p` for :math:`si \\le k < si + p`, else 0. Interpolation
    is the matrix :math:`U \\in \\mathbb{R}^{h \\times h'}` whose column
    :math:`q` is the interpolating spline (degree 0, 1 or 3) of the
    :math:`q`-th unit vector given at the pooled coordinates
    :math:`\\xi_q = q / (h' - 1)`, evaluated at the image coordinates
    :math:`x_j = j / (h - 1)`; since the interpolating spline is linear in its
    data, :math:`U y` interpolates any pooled values :math:`y`. For an image
    :math:`X \\in \\mathbb{R}^{h \\times w}`,

    .. math::

        \\mathrm{downsample}(X) = P_h X P_w^\\top, \\qquad
        \\mathrm{upsample}(Y) = U_h Y U_w^\\top, \\qquad
        \\mathrm{transform}(X) = A_h X A_w^\\top,

    with :math:`A = U P` (an :math:`h \\times h` matrix per axis) computed once
    in :meth:`fit`. The cubic spline has not-a-knot end conditions, as scipy's
    ``RectBivariateSpline(..., kx=3, ky=3, s=0)``; ``"nearest"`` sends a point
    halfway between two pooled points to the lower one, as scipy's
    ``RegularGridInterpolator``. The pooling matches torch's ``avg_pool2d``.

    Over a batch of :math:`n` images, :math:`X A_w^\\top` is one matrix product
    on the ``(n * h, w)`` view of the data, and the product with :math:`A_h`
    is broadcast over the images and written into the output, in the input's
    floating dtype: :math:`2 n h w (h + w)` floating-point operations, and no
    copy or transposition of the data. Large batches run through torch's
    matrix products (MKL), on torch's threads (``torch.set_num_threads``),
    in chunks of images whose intermediate product fits one buffer of 4 MiB
    (8 MiB for float64).
    The finiteness check is folded into the first product (a column of ones
    gives each image row's sum), instead of a separate pass over the data.

    Examples
    --------
    >>> import numpy as np
    >>> from skneuro.preprocessing import PoolInterpolate
    >>> X = np.random.default_rng(0).random((5, 28 * 28), dtype=np.float32)
    >>> pi = PoolInterpolate(pool_size=2, stride=2).fit(X)
    >>> pi.image_shape_, pi.pooled_shape_, pi.compression_ratio_
    ((28, 28), (14, 14), 0.25)
    >>> Xt = pi.transform(X)
    >>> Xt.shape, Xt.dtype
    ((5, 784), dtype('float32'))
    >>> pi.downsample(X).shape
    (5, 196)
    >>> np.allclose(pi.upsample(pi.downsample(X)), Xt, atol=1e-6)
    True

    Images may also be given as ``(n, h, w)`` or ``(n, c, h, w)`` arrays:

    >>> images = X.reshape(5, 1, 28, 28)
    >>> pi = PoolInterpolate(pool_size=3, stride=1)
    >>> pi.fit_transform(images).shape
    (5, 1, 28, 28)
    >>> pi.get_feature_names_out()[:3]  # pixel_<channel>_<row>_<column>
    array(['pixel_0_0_0', 'pixel_0_0_1', 'pixel_0_0_2'], dtype=object)
    """

    _parameter_constraints: dict = {
        "pool_size": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "stride": [Interval(Integral, 1, None, closed="left"), tuple, list, None],
        "method": [StrOptions(set(_ORDER))],
        "image_shape": [tuple, list, None],
        "data_format": [StrOptions(set(DATA_FORMATS))],
    }

    def __init__(
        self,
        pool_size=2,
        stride=None,
        method="linear",
        image_shape=None,
        *,
        data_format="auto",
    ):
        self.pool_size = pool_size
        self.stride = stride
        self.method = method
        self.image_shape = image_shape
        self.data_format = data_format

    # -- validation -----------------------------------------------------------

    def _requested_shape(self):
        """``image_shape`` checked as a pair of positive ints (one may be -1)."""
        return requested_image_shape(self.image_shape)

    def _flat_image_shape(self, n_features):
        """Image (height, width) of flat rows with ``n_features`` values."""
        return flat_image_shape(n_features, self.image_shape)

    def _layout(self, shape, reset):
        """How 4-D input of ``shape`` is laid out (``None`` for 2-D or 3-D)."""
        return layout_of(shape, self.data_format, None if reset else self.data_format_)

    def _nd_image_shape(self, shape):
        """Image (height, width) of n-D input; must agree with ``image_shape``."""
        _, h, w = image_dims(shape, self._layout(shape, reset=True) or "auto")
        return nd_image_shape((h, w), self.image_shape)

    def _check_ndim(self, ndim):
        if isinstance(ndim, Integral) and ndim >= 2 and ndim != self._fit_ndim:
            raise ValueError(
                f"X has {ndim} dimensions, but PoolInterpolate was fitted on "
                f"{self._fit_ndim}-dimensional input (images of shape "
                f"{self.image_shape_}); pass X in the same layout as in fit."
            )

    def _check_nd_shape(self, shape):
        if shape is None or len(shape) < 3 or len(shape) != self._fit_ndim:
            return
        channels, h, w = image_dims(shape, self._layout(shape, reset=False) or "auto")
        if (h, w) != self.image_shape_:
            raise ValueError(
                f"X holds images of shape {(h, w)}, but PoolInterpolate was "
                f"fitted on images of shape {self.image_shape_}"
                + (
                    f" ({self.data_format_.replace('_', '-')} input)."
                    if self.data_format_
                    else "."
                )
            )
        if channels != self._fit_channels:
            raise ValueError(
                f"X has {channels} channels, but PoolInterpolate was fitted on "
                f"images with {self._fit_channels} channels."
            )

    def _validate(self, X, reset):
        """Validated X (finiteness not checked yet) and its image shape."""
        if not reset:
            check_is_fitted(self)
            # For arrays, errors naming the layout or the image shape read
            # better than validate_data's feature count error (X.shape[1] is
            # the height or the channels of n-D input); others are checked below.
            self._check_ndim(getattr(X, "ndim", None))
            self._check_nd_shape(getattr(X, "shape", None))
        X = validate_input(
            self,
            X,
            reset=reset,
            allow_nd=True,
            dtype=_float_dtype(X),
            ensure_all_finite=False,
        )
        if not reset:
            self._check_ndim(X.ndim)
            self._check_nd_shape(X.shape)
            # Flat input already has the fitted number of features.
            image_shape = self.image_shape_
        elif X.ndim == 2:
            image_shape = self._flat_image_shape(X.shape[1])
        else:
            image_shape = self._nd_image_shape(X.shape)
        return X, image_shape

    def _fitted_layout(self, X):
        """The layout attributes that fitting on ``X`` records."""
        layout = self._layout(X.shape, reset=True)
        channels = image_dims(X.shape, layout)[0] if X.ndim > 2 else 1
        return {"_fit_ndim": X.ndim, "_fit_channels": channels, "data_format_": layout}

    def _check_output_container(self, X):
        """Refuse image-shaped X when transform must return a DataFrame.

        Raised before any computation: a DataFrame is 2-D, and the images keep
        their ``(n, h, w)`` or ``(n, c, h, w)`` layout.
        """
        container = _get_output_config("transform", self)["dense"]
        if X.ndim <= 2 or container == "default":
            return
        layout = self._layout(X.shape, reset=True) or "auto"
        channels, h, w = image_dims(X.shape, layout)
        if channels == 1:
            advice = (
                f"Pass the images flat, X.reshape(n_samples, -1) with "
                f"image_shape=({h}, {w}), for a DataFrame with one column per "
                'pixel; or call set_output(transform="default") for an array of '
                "images."
            )
        else:
            advice = (
                f"Flat input holds single-channel images only, so for these "
                f'{channels}-channel images call set_output(transform="default") '
                "for an array of images."
            )
        raise ValueError(
            f"{container} output needs flat input: transform returns the images "
            f"in the layout of X ({X.ndim}-D, of shape {tuple(X.shape)}), and a "
            f"DataFrame is 2-D. {advice}"
        )

    def _fitted_state(self, image_shape, flat):
        """Fitted attributes for images of ``image_shape``; checks the windows."""
        pool_size = _as_pair(self.pool_size, "pool_size")
        stride = pool_size if self.stride is None else _as_pair(self.stride, "stride")
        h, w = image_shape
        if pool_size[0] > h or pool_size[1] > w:
            extra = f" (n_features={h * w})" if flat else ""
            raise ValueError(
                f"pool_size={pool_size} is larger than the images, of shape "
                f"{(h, w)}{extra}; the window must fit in the image."
            )
        pooled = (
            (h - pool_size[0]) // stride[0] + 1,
            (w - pool_size[1]) // stride[1] + 1,
        )
        needed = _MIN_POINTS[self.method]
        if any(1 < m < needed for m in pooled):
            raise ValueError(
                f"method={self.method!r} needs at least {needed} pooled values per "
                f"axis (or exactly 1), but images of shape {(h, w)} pool to "
                f"pooled shape {pooled} with pool_size={pool_size} and "
                f"stride={stride}. Use a smaller window or stride, or another "
                "method."
            )
        return {
            "image_shape_": (int(h), int(w)),
            "pooled_shape_": (int(pooled[0]), int(pooled[1])),
            "compression_ratio_": (pooled[0] * pooled[1]) / (h * w),
            "_matrices": (
                _axis_matrices(h, pool_size[0], stride[0], self.method),
                _axis_matrices(w, pool_size[1], stride[1], self.method),
            ),
        }

    def _check_params(self):
        _as_pair(self.pool_size, "pool_size")
        if self.stride is not None:
            _as_pair(self.stride, "stride")
        if self.image_shape is not None:
            self._requested_shape()

    # -- fitting --------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the images' shape and build the per-axis matrices.

        Parameters
        ----------
        X : array-like of shape (n_samples, height * width), \
                (n_samples, height, width) or (n_samples, channels, height, width)
            Training images; only their shape is used (and their values checked
            to be finite).

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted transformer.
        """
        self._check_params()
        with forget_fit_on_error(self, _PRIVATE_FITTED):
            X, image_shape = self._validate(X, reset=True)
            state = self._fitted_state(image_shape, flat=X.ndim == 2)
            state.update(self._fitted_layout(X))
            self._check_finite(X)
        self.__dict__.update(state)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit to X, then transform it (validating X only once).

        Parameters
        ----------
        X : array-like of shape (n_samples, height * width), \
                (n_samples, height, width) or (n_samples, channels, height, width)
            Images. With a DataFrame output set
            (``set_output(transform="pandas")``), X must be flat.

        y : None
            Ignored.

        Returns
        -------
        X_new : ndarray of the same shape as X
            The rebuilt images, float32 for float32 or float16 input, else
            float64.
        """
        self._check_params()
        with forget_fit_on_error(self, _PRIVATE_FITTED):
            X, image_shape = self._validate(X, reset=True)
            state = self._fitted_state(image_shape, flat=X.ndim == 2)
            state.update(self._fitted_layout(X))
            self._check_output_container(X)
            X_new = self._apply(
                X,
                image_shape,
                state["_matrices"],
                "full",
                image_shape,
                layout=state["data_format_"],
            )
        self.__dict__.update(state)
        return X_new

    def __sklearn_is_fitted__(self):
        return hasattr(self, "image_shape_")

    # -- transforming ---------------------------------------------------------

    @staticmethod
    def _check_finite(X, input_name="X"):
        if not get_config()["assume_finite"]:
            assert_all_finite(
                X, input_name=input_name, estimator_name="PoolInterpolate"
            )

    def _apply(
        self,
        X,
        image_shape,
        matrices,
        kind,
        out_image_shape,
        input_name="X",
        layout="fitted",
    ):
        """Apply one kind of per-axis matrices to the images of X.

        Keeps X's layout (flat rows stay flat, channels-last images stay
        channels-last) and floating dtype, and raises the usual scikit-learn
        error if X holds NaN or infinite values. ``layout`` is that of 4-D
        ``X`` (``"fitted"``: ``data_format_``).
        """
        if layout == "fitted":
            layout = self._layout(X.shape, reset=False)
        h, w = image_shape
        # Channels-last images are pooled as channels-first ones: one copy
        # into (n, c, h, w) order, and one back.
        images = convert_layout(X, layout or "channels_first", "channels_first")
        X3 = np.ascontiguousarray(images).reshape(-1, h, w)
        check = not get_config()["assume_finite"]
        A_h = matrices[0][X.dtype][kind]
        A_w = matrices[1][X.dtype][kind]
        out, finite = _separable_product(X3, A_h, A_w, check_finite=check)
        if not finite:
            # Raises the standard message; returns only if the row sums
            # overflowed while every value is finite.
            self._check_finite(X, input_name)
        if X.ndim == 2:
            return out.reshape(X.shape[0], -1)
        out = out.reshape(images.shape[:-2] + tuple(out_image_shape))
        if layout == "channels_last":
            return np.ascontiguousarray(
                convert_layout(out, "channels_first", "channels_last")
            )
        return out

    def transform(self, X):
        """Pool the images, then interpolate them back to their full size.

        Equal to ``upsample(downsample(X))``, computed in one pass with the
        folded per-axis matrices.

        Parameters
        ----------
        X : array-like of shape (n_samples, height * width), \
                (n_samples, height, width) or (n_samples, channels, height, width)
            Images of the shape seen in :meth:`fit`. With a DataFrame output
            set (``set_output(transform="pandas")``), X must be flat.

        Returns
        -------
        X_new : ndarray of the same shape as X
            The rebuilt images, float32 for float32 or float16 input, else
            float64.
        """
        X, image_shape = self._validate(X, reset=False)
        self._check_output_container(X)
        return self._apply(X, image_shape, self._matrices, "full", image_shape)

    def downsample(self, X):
        """Average-pool the images (what would be stored).

        Parameters
        ----------
        X : array-like of shape (n_samples, height * width), \
                (n_samples, height, width) or (n_samples, channels, height, width)
            Images of the shape seen in :meth:`fit`.

        Returns
        -------
        X_pooled : ndarray
            The pooled images in the layout of X: shape
            ``(n_samples, prod(pooled_shape_))`` for flat input, else X's
            leading dimensions followed by ``pooled_shape_``. Same dtype as
            :meth:`transform` returns.
        """
        X, image_shape = self._validate(X, reset=False)
        return self._apply(X, image_shape, self._matrices, "pool", self.pooled_shape_)

    def upsample(self, X_pooled):
        """Interpolate pooled images back to the full image size.

        Parameters
        ----------
        X_pooled : array-like of shape (n_samples, pooled_height * pooled_width), \
                (n_samples, pooled_height, pooled_width) or \
                (n_samples, channels, pooled_height, pooled_width)
            Pooled images, as returned by :meth:`downsample`; ``(pooled_height,
            pooled_width)`` is ``pooled_shape_``.

        Returns
        -------
        X_new : ndarray
            The images at full size, in the layout of ``X_pooled``: shape
            ``(n_samples, prod(image_shape_))`` for flat input, else its leading
            dimensions followed by ``image_shape_``. float32 for float32 or
            float16 input, else float64.
        """
        check_is_fitted(self)
        X_pooled = check_input(
            X_pooled,
            allow_nd=True,
            dtype=_float_dtype(X_pooled),
            ensure_all_finite=False,
            input_name="X_pooled",
        )
        ph, pw = self.pooled_shape_
        if X_pooled.ndim == 2:
            if X_pooled.shape[1] != ph * pw:
                raise ValueError(
                    f"X_pooled has {X_pooled.shape[1]} features, but pooled images "
                    f"of shape {self.pooled_shape_} have {ph * pw}."
                )
        elif X_pooled.ndim in (3, 4):
            layout = self._layout(X_pooled.shape, reset=False) or "auto"
            pooled = image_dims(X_pooled.shape, layout)[1:]
            if pooled != self.pooled_shape_:
                raise ValueError(
                    f"X_pooled holds images of shape {pooled}, but the pooled "
                    f"images are of shape {self.pooled_shape_}."
                )
        return self._apply(
            X_pooled,
            self.pooled_shape_,
            self._matrices,
            "interp",
            self.image_shape_,
            input_name="X_pooled",
        )

    def get_feature_names_out(self, input_features=None):
        """Names of the output features: one per pixel value of a sample.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only for flat input, whose output columns are its input columns:
            if given, they must match ``feature_names_in_`` when it is defined
            (else have ``n_features_in_`` entries), and are returned. ``None``
            returns ``feature_names_in_``, or ``x0, x1, ...`` when X had no
            column names. Image-shaped input has no input names, and
            ``input_features`` must be ``None``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            For flat input, the input features. For ``(n, h, w)`` input,
            ``pixel_<row>_<column>``, and for ``(n, c, h, w)`` input
            ``pixel_<channel>_<row>_<column>`` (indices from 0), in the order
            of ``transform(X).reshape(n_samples, -1)``.
        """
        check_is_fitted(self)
        if self._fit_ndim == 2:
            return super().get_feature_names_out(input_features)
        if input_features is not None:
            raise ValueError(
                "input_features is only supported for flat input: PoolInterpolate "
                f"was fitted on {self._fit_ndim}-D image input, whose output "
                "features are pixels named by their position; call "
                "get_feature_names_out() without input_features."
            )
        h, w = self.image_shape_
        if self._fit_ndim == 3:
            names = [f"pixel_{i}_{j}" for i, j in np.ndindex(h, w)]
        elif self.data_format_ == "channels_last":
            c = self._fit_channels
            names = [f"pixel_{k}_{i}_{j}" for i, j, k in np.ndindex(h, w, c)]
        else:
            c = self._fit_channels
            names = [f"pixel_{k}_{i}_{j}" for k, i, j in np.ndindex(c, h, w)]
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
