"""Local phase quantization (LPQ): blur-insensitive texture histograms.

The descriptor of Ojansivu and Heikkila, "Blur Insensitive Texture
Classification Using Local Phase Quantization" (ICISP 2008), with the details
of the 2010 reference implementation ``lpq.m`` by Heikkila, Rahtu and
Ojansivu. Every step is linear up to the quantization, so the whole batch is
filtered at once: the 8 real filters (the real and imaginary parts of 4 local
Fourier coefficients, with the decorrelating transform folded in) are applied
as matrix products with shifted copies of the images, in their 2-D form for
small windows and as sums of separable filters (3 column filters, then 8 row
filters reading their results) for larger ones.
"""

import math
from contextlib import contextmanager
from functools import lru_cache
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from skneuro.feature_extraction._base import BaseImageFeatures, check_odd_window
from skneuro.utils._docstring import shared_docstring

__all__ = ["LocalPhaseQuantization"]

FREQUENCY_ESTIMATIONS = ("uniform", "gaussian", "derivative")

#: ``lpq.m``'s near-identity matrix ``A`` (``D <- A D A`` before the SVD), which
#: keeps the singular values of ``D`` apart so that the vectors are defined.
_JITTER = np.array([1.000007, 1.000006, 1.000005, 1.000004, 1.000003, 1.000002,
                    1.000001, 1.0])  # fmt: skip

#: A response counts as positive when it exceeds this share of the largest
#: value its filter can reach on the image (the filter's L1 norm times the
#: image's largest absolute pixel). Responses that are zero in exact
#: arithmetic (flat or linear patches, which integer images hold by the
#: hundreds) come out of float64 arithmetic within about 1e-15 of it, with a
#: sign that depends on the order of the sums; this makes them 0 bits.
DEAD_ZONE = 1e-10

#: Images are filtered in chunks of at most this many output pixels (or one
#: image, if larger), so that the shifted copies stay in the CPU's caches.
_CHUNK_PIXELS = 1 << 15

#: From this window size on, the responses are computed in the separable
#: form (two products), which is then faster than one product of 2-D kernels
#: (measured on 64x64 images, one thread: 2-D 9100, 5700, 3200 images/s for
#: windows 3, 5, 7; separable 7500, 6700, 4600).
_SEPARABLE_FROM = 5


def _matlab_scale(w):
    """``lpq.m``'s normaliser ``max(abs([real(max(w)), imag(max(w))]))``.

    MATLAB's ``max`` of a complex vector is its element of largest modulus,
    ties going to the largest phase angle in (-pi, pi]; of a real vector, its
    largest value. Moduli within 1e-9 of each other count as ties (for a
    window of 3 the derivative filter's three moduli are equal in exact
    arithmetic and differ only by rounding).
    """
    if not np.iscomplexobj(w):
        top = w.max()
    else:
        modulus = np.abs(w)
        ties = np.flatnonzero(modulus >= modulus.max() * (1 - 1e-9))
        top = w[ties[np.argmax(np.angle(w[ties]))]]
    return max(abs(top.real), abs(top.imag))


def stft_filters(window_size, frequency_estimation):
    """``lpq.m``'s 1-D filters ``w0`` (real) and ``w1`` (complex); ``w2 = conj(w1)``.

    Coordinates ``x = -r..r``, ``r = (window_size - 1) / 2``, and ``a = 1 /
    window_size``:

    - ``"uniform"``: ``w0 = 1``, ``w1 = exp(-2 pi i a x)``;
    - ``"gaussian"``: both times ``g = exp(-x**2 / (2 s**2)) / (sqrt(2 pi)
      s)``, ``s = (window_size - 1) / 4``, then ``w1`` less its mean;
    - ``"derivative"``: the Gaussian derivative quadrature pair, defined on
      the ``window_size``-point DFT grid ``u = x``: ``G0 = exp(-2 (b u)**2)``
      and ``G1 = u exp(-(b u)**2)`` for ``u > 0`` (0 elsewhere), ``b = 8 /
      (window_size - 1)``, each divided by its largest modulus, brought to
      the spatial domain by ``fftshift(ifft(ifftshift(G)))`` (``w0`` its real
      part), and each divided by :func:`_matlab_scale`.
    """
    r = (window_size - 1) // 2
    x = np.arange(-r, r + 1, dtype=np.float64)
    if frequency_estimation == "derivative":
        b = 8.0 / (window_size - 1)
        G0 = np.exp(-(x**2) * (np.sqrt(2.0) * b) ** 2)
        G1 = np.where(x > 0, x * np.exp(-(x**2) * b**2), 0.0)
        G0, G1 = G0 / np.abs(G0).max(), G1 / np.abs(G1).max()
        w0 = np.fft.fftshift(np.fft.ifft(np.fft.ifftshift(G0))).real
        w1 = np.fft.fftshift(np.fft.ifft(np.fft.ifftshift(G1)))
        return w0 / _matlab_scale(w0), w1 / _matlab_scale(w1)
    w0 = np.ones_like(x)
    w1 = np.exp(-2j * np.pi * x / window_size)
    if frequency_estimation == "gaussian":
        sigma = (window_size - 1) / 4.0
        g = np.exp(-0.5 * (x / sigma) ** 2) / (np.sqrt(2.0 * np.pi) * sigma)
        w0, w1 = g * w0, g * w1
        w1 = w1 - w1.mean()
    return w0, w1


def separable_filters(window_size, frequency_estimation):
    """The 8 LPQ filters as 3 vertical and 8 x 3 horizontal 1-D filters.

    Returns ``(A, H)``: response ``k`` at output pixel ``(i, j)`` is ``sum_c
    sum_t H[k, c, t] S_c[i, j + t]``, with ``S_c[i, j] = sum_s A[c, s]
    image[i + s, j]`` (valid correlations; the output pixel ``(i, j)`` is
    the window centred on input pixel ``(i + r, j + r)``).

    This is ``lpq.m``'s ``conv2(conv2(img, wv.', 'valid'), wh, 'valid')``, a
    true convolution (the filters reversed here, for correlations) with the
    column filter ``wv`` along the height, then the row filter ``wh`` along
    the width, for the pairs ``(wv, wh)`` = F1 ``(w0, w1)``, F2 ``(w1,
    w0)``, F3 ``(w1, w1)``, F4 ``(w1, w2)``: F1 is the frequency
    ``(alpha, 0)`` along the width, F2 ``(0, alpha)`` along the height. The
    responses are ordered as in ``lpq.m``: ``Re F1, Im F1, Re F2, Im F2, Re
    F3, Im F3, Re F4, Im F4``, response ``k`` giving bit ``k`` of the code.
    """
    w0, w1 = stft_filters(window_size, frequency_estimation)
    # Reversed, for correlations; the sources are wv = w0, Re w1, Im w1.
    w0, w1r, w1i = w0[::-1], w1.real[::-1], w1.imag[::-1]
    A = np.stack([w0, w1r, w1i])
    zero = np.zeros_like(w0)
    H = np.array(
        [
            [w1r, zero, zero],  # Re F1 = w0 (x) Re w1
            [w1i, zero, zero],  # Im F1 = w0 (x) Im w1
            [zero, w0, zero],  # Re F2 = Re w1 (x) w0
            [zero, zero, w0],  # Im F2 = Im w1 (x) w0
            [zero, w1r, -w1i],  # Re F3 = Re(w1 (x) w1)
            [zero, w1i, w1r],  # Im F3 = Im(w1 (x) w1)
            [zero, w1r, w1i],  # Re F4 = Re(w1 (x) conj(w1))
            [zero, -w1i, w1r],  # Im F4 = Im(w1 (x) conj(w1))
        ]
    )
    return A, H


def whitening(kernels, rho):
    """``lpq.m``'s decorrelating transform ``V`` of the 8 filters ``kernels``.

    ``kernels`` is ``(8, s, s)``, the filters as 2-D correlation kernels. The
    pixels of a window are modelled as correlated by ``rho ** d``, ``d``
    their distance, so the responses have the covariance ``D = M C M.T``
    (``M`` the 8 flattened kernels); with ``lpq.m``'s jitter, ``[U, S, V] =
    svd(A D A)``, and the whitened responses are ``V.T @ f`` per pixel.
    Each column of ``V`` has the sign that makes its entry of largest
    magnitude (the first such) positive, as ``lpq.m`` does.
    """
    s = kernels.shape[1]
    rows, cols = np.divmod(np.arange(s * s), s)
    distances = np.hypot(rows[:, None] - rows, cols[:, None] - cols)
    M = kernels.reshape(len(kernels), -1)
    D = M @ (rho**distances) @ M.T
    D = _JITTER[:, None] * D * _JITTER
    V = np.linalg.svd(D)[2].T
    largest = V[np.argmax(np.abs(V), axis=0), np.arange(V.shape[1])]
    return V * np.where(largest < 0, -1.0, 1.0)


@lru_cache(maxsize=32)
def _folded_filters(window_size, frequency_estimation, decorrelate, rho):
    """``(A, H, K)``: the separable filters of the final 8 responses (``H``
    whitened when ``decorrelate``), and the same as 2-D kernels ``K`` (8, s,
    s), read-only."""
    A, H = separable_filters(window_size, frequency_estimation)
    K = np.einsum("kct,cs->kst", H, A)
    if decorrelate:
        V = whitening(K, rho)
        H = np.einsum("jk,jct->kct", V, H)
        K = np.einsum("jk,jst->kst", V, K)
    for array in (A, H, K):
        array.flags.writeable = False
    return A, H, K


class _Buffers:
    """Work arrays reused from one chunk to the next, by name.

    A fresh array of a few megabytes comes from ``mmap`` and pays a page
    fault per 4 KiB page on first write, which took longer than the
    products themselves.
    """

    def __init__(self):
        self._flat = {}

    def __call__(self, name, shape, dtype=np.float64):
        size = math.prod(shape)
        flat = self._flat.get(name)
        if flat is None or flat.size < size:
            flat = self._flat[name] = np.empty(size, dtype=dtype)
        return flat[:size].reshape(shape)


def _responses(images, A, H, K, scale=None, buffers=None):
    """The 8 responses ``(8, n, h - s + 1, w - s + 1)`` of a float64 batch,
    each image multiplied by ``scale`` (``(n,)``, or ``None`` for 1).

    Matrix products of the filters with the batch's windows, each window
    gathered by ``s`` or ``s**2`` shifted copies of the whole batch (no loop
    over pixels). Below ``_SEPARABLE_FROM``, one product of the 2-D kernels
    ``K`` with the ``s**2`` shifted copies; from it on, two products of the
    separable form: the 3 column filters ``A`` with ``s`` copies shifted
    down, then the 8 x 3 row filters ``H`` with ``3 s`` copies of that
    result shifted right (``27 s`` instead of ``8 s**2`` multiplications
    per pixel). ``buffers`` (a :class:`_Buffers`) holds the work arrays.
    """
    buffers = _Buffers() if buffers is None else buffers
    n, h, w = images.shape
    s = A.shape[1]
    hh, ww = h - s + 1, w - s + 1
    if scale is not None:  # once here: 3 times cheaper than in the copies
        images = np.multiply(
            images, np.reshape(scale, (n, 1, 1)), out=buffers("scaled", (n, h, w))
        )
    Z = buffers("responses", (8, n * hh * ww))
    if s < _SEPARABLE_FROM:
        shifted = buffers("shifted", (s, s, n, hh, ww))
        for i in range(s):
            for j in range(s):
                shifted[i, j] = images[:, i : i + hh, j : j + ww]
        _matmul(K.reshape(8, s * s), shifted.reshape(s * s, -1), out=Z)
        return Z.reshape(8, n, hh, ww)
    down = buffers("shifted", (s, n, hh, w))
    for i in range(s):
        down[i] = images[:, i : i + hh]
    columns = buffers("columns", (3, n * hh * w))
    _matmul(A, down.reshape(s, -1), out=columns)
    columns = columns.reshape(3, n, hh, w)
    right = buffers("right", (3, s, n, hh, ww))
    for j in range(s):
        right[:, j] = columns[..., j : j + ww]
    _matmul(H.reshape(8, 3 * s), right.reshape(3 * s, -1), out=Z)
    return Z.reshape(8, n, hh, ww)


def _quantize(Z, thresholds):
    """Codes ``sum_k (Z[k] > thresholds[k]) << k`` (uint8) of responses ``Z``
    ``(8, n, h, w)``. (Shifting into a temporary is twice as fast as
    ``np.left_shift(..., out=)``, which takes a slow casting path.)"""
    codes = (Z[0] > thresholds[0]).view(np.uint8)
    for k in range(1, 8):
        codes |= (Z[k] > thresholds[k]).view(np.uint8) << np.uint8(k)
    return codes


def _inverse_peaks(images):
    """``1 / max |pixel|`` of each image (1 for an image of zeros)."""
    flat = images.reshape(len(images), -1)
    peak = np.maximum(flat.max(axis=1), -flat.min(axis=1))
    return 1.0 / np.where(peak > 0, peak, 1.0)


def _matmul(a, b, out):
    """``out = a @ b`` for C-contiguous float64 ``b`` and ``out``, by torch's
    GEMM (MKL), faster than NumPy's (OpenBLAS) on these products of 3 or 8
    rows in one thread (figures: docs/benchmarks.rst, "Figures behind the
    code"). ``a``, small and maybe read-only, is copied."""
    torch.mm(
        torch.from_numpy(np.array(a)), torch.from_numpy(b), out=torch.from_numpy(out)
    )


@contextmanager
def _one_torch_thread():
    """Run the block with one torch thread, then restore the count.

    The products have 3 or 8 rows: more threads gain little on them, and
    threads that wait for a core another process holds spin, which made
    them up to 10 times slower on a shared 2-core machine.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _split_sizes(size, parts):
    """Lengths of ``np.array_split(range(size), parts)``: the first ``size %
    parts`` parts one longer."""
    sizes = np.full(parts, size // parts)
    sizes[: size % parts] += 1
    return sizes


def _histograms(codes, rows, cols, index=None):
    """Normalised 256-bin histograms of each cell of each code image,
    ``(n, rows * cols * 256)``, cells in row-major order; one ``bincount``
    of ``(image * cells + cell) * 256 + code``, built in ``index`` (an intp
    array of ``codes``' shape) when given."""
    n, h, w = codes.shape
    size_r, size_c = _split_sizes(h, rows), _split_sizes(w, cols)
    cells = rows * cols
    cell = np.repeat(np.arange(rows), size_r)[:, None] * cols + np.repeat(
        np.arange(cols), size_c
    )
    index = np.empty(codes.shape, dtype=np.intp) if index is None else index
    index[...] = codes  # a plain cast: adding uint8 to intp directly is slower
    if cells > 1:
        index += 256 * cell
    index += (256 * cells * np.arange(n))[:, None, None]
    counts = np.bincount(index.ravel(), minlength=n * cells * 256)
    pixels = np.outer(size_r, size_c).reshape(1, cells, 1)
    return (counts.reshape(n, cells, 256) / pixels).reshape(n, -1)


def _grid_pair(grid):
    """``grid`` as ``(rows, cols)``, both ints >= 1."""
    try:
        pair = tuple(grid)
    except TypeError:
        pair = ()
    if len(pair) != 2 or not all(
        isinstance(v, Integral) and not isinstance(v, bool) and v >= 1 for v in pair
    ):
        raise ValueError(
            f"LocalPhaseQuantization(grid={grid!r}): grid must be a pair of ints "
            ">= 1, the rows and columns of cells the code image is split into."
        )
    return int(pair[0]), int(pair[1])


@shared_docstring
class LocalPhaseQuantization(BaseImageFeatures):
    """Local phase quantization (LPQ) histograms of images.

    The texture descriptor of Ojansivu and Heikkila, "Blur Insensitive
    Texture Classification Using Local Phase Quantization" (ICISP 2008),
    as the 2010 reference implementation ``lpq.m`` by Heikkila, Rahtu and
    Ojansivu defines it. At every pixel whose ``window_size`` square
    neighbourhood lies inside the image, the local Fourier transform of the
    neighbourhood is taken at 4 frequencies; the signs of the real and
    imaginary parts of the 4 coefficients (decorrelated first, by default)
    are the 8 bits of a code 0..255. The phase of these low frequencies is
    unchanged by centrally symmetric blur, so the histogram of the codes is
    insensitive to blur. Each image gives the normalised histograms of the
    codes in each cell of ``grid``.

    Parameters
    ----------
    window_size : int, default=3
        Side of the square neighbourhood, odd and >= 3. The code image of an
        ``h x w`` image is ``(h - window_size + 1) x (w - window_size + 1)``
        (``lpq.m``'s ``'valid'`` mode).

    frequency_estimation : {"uniform", "gaussian", "derivative"}, \
default="uniform"
        How the local frequency coefficients are estimated (``lpq.m``'s
        ``freqestim`` 1, 2, 3): a short-term Fourier transform (STFT) with a
        uniform window at the frequency ``alpha = 1 / window_size`` (the
        basic LPQ); an STFT with a Gaussian window of standard deviation
        ``(window_size - 1) / 4`` (its complex filter made zero-mean); or the
        Gaussian derivative quadrature filter pair, defined on the
        ``window_size``-point DFT grid with ``sigma = 8 / (window_size -
        1)`` (see Notes).

    decorrelate : bool, default=True
        Whiten the 8 responses before quantizing them, under the model of
        pixels correlated by ``rho ** distance`` (``lpq.m``'s ``decorr=1``).

    rho : float, default=0.9
        Correlation of neighbouring pixels in that model, in (0, 1); used only
        with ``decorrelate=True``.

    grid : tuple of (int, int), default=(1, 1)
        Rows and columns of cells the code image is split into, as
        :func:`numpy.array_split` splits (the first ``size % parts`` cells
        one pixel longer). Each cell gives its own normalised histogram;
        they are concatenated in row-major order.

    {parameters: image_shape, data_format}

    Attributes
    ----------
    {attributes: image_shape_, data_format_, n_features_in_, feature_names_in_}

    See Also
    --------
    skimage.feature.local_binary_pattern : Local binary patterns, a texture
        descriptor that blur changes more.

    Notes
    -----
    The conventions are ``lpq.m``'s. With ``x = -r..r`` (``r = (window_size
    - 1) / 2``), the 1-D filters are ``w0`` (real) and ``w1`` (complex,
    ``exp(-2 pi i x / window_size)`` for ``"uniform"``), ``w2 = conj(w1)``.
    Each frequency is a true 2-D convolution (``conv2``, kernel reversed)
    with a column filter along the height, then a row filter along the
    width: F1 = (``w0``, ``w1``), F2 = (``w1``, ``w0``), F3 = (``w1``,
    ``w1``), F4 = (``w1``, ``w2``). The responses are ordered ``Re F1, Im
    F1, Re F2, Im F2, Re F3, Im F3, Re F4, Im F4``, and response ``k`` is bit
    ``k`` of the code (``code = sum_k bit_k * 2**k``).

    Decorrelation: ``D = M C M.T``, where ``M`` holds the 8 real 2-D filters
    as rows and ``C[i, j] = rho ** |p_i - p_j|`` over the window's pixel
    positions; ``D`` is multiplied on both sides by ``lpq.m``'s near-identity
    ``diag(1.000007, 1.000006, ..., 1.000001, 1)``, and ``V`` from ``svd(D)
    = U S V.T`` whitens the responses ``f`` of each pixel as ``V.T @ f``.
    Each singular vector has the sign that makes its entry of largest
    magnitude positive, as in ``lpq.m``, so the codes are deterministic.
    ``V.T`` is folded into the filters, so the 8 final responses of the
    whole batch are matrix products of 8 real filters with shifted copies of
    the images (no loop over pixels): for windows of 3, one product with the
    2-D kernels; from 5 on, two products of the separable form (3 column
    filters, then 8 row filters reading their 3 results), which need ``27 s``
    instead of ``8 s**2`` multiplications per pixel. Images are processed in
    chunks of about 32 000 output pixels, the products by torch in one
    thread (see :func:`_one_torch_thread`); the histograms of all the images of a chunk
    come from one :func:`numpy.bincount`.

    The ``"derivative"`` filters are built in the frequency domain, as
    ``lpq.m`` builds them: ``G0 = exp(-2 (sigma u)**2)`` and ``G1 = u
    exp(-(sigma u)**2)`` for ``u > 0``, 0 elsewhere, on ``u = -r..r``; each
    is divided by its largest value, taken to the spatial domain by
    ``fftshift(ifft(ifftshift(G)))`` (``w0`` keeps the real part), then
    divided by ``max(|Re m|, |Im m|)`` of its element ``m`` of largest
    modulus (ties to the largest phase angle, as MATLAB's ``max``). Its
    frequency points are those of ``G1``'s DFT grid, not ``alpha``. The
    scalings matter only to the decorrelation.

    One deliberate difference from ``lpq.m``: a response counts as positive
    only when it exceeds ``1e-10`` times the largest value its filter can
    take on that image (the filter's L1 norm times the image's largest
    absolute pixel). Responses that are exactly zero in exact arithmetic
    (flat patches; hundreds per image with integer pixels) otherwise get a
    bit from the rounding of the sums, which differs from one way of
    computing them to another; here they are 0.

    References
    ----------
    V. Ojansivu and J. Heikkila, "Blur Insensitive Texture Classification
    Using Local Phase Quantization", Image and Signal Processing (ICISP
    2008), LNCS 5099, pp. 236-243.

    Examples
    --------
    >>> from skneuro.datasets import load_lfw_faces
    >>> from skneuro.feature_extraction import LocalPhaseQuantization
    >>> faces = load_lfw_faces()
    >>> lpq = LocalPhaseQuantization(window_size=3).fit(faces.images)
    >>> histograms = lpq.transform(faces.images)
    >>> histograms.shape
    (200, 256)
    >>> histograms.sum(axis=1)[:3]
    array([1., 1., 1.])
    >>> lpq.get_feature_names_out()[:3]
    array(['lpq_0', 'lpq_1', 'lpq_2'], dtype=object)
    >>> codes = lpq.codes(faces.images[:2])
    >>> codes.shape, codes.dtype
    ((2, 23, 23), dtype('uint8'))

    Flat rows of pixels, and one histogram per cell of a 2 x 2 grid:

    >>> LocalPhaseQuantization(grid=(2, 2)).fit_transform(faces.data).shape
    (200, 1024)
    """

    _parameter_constraints = {
        **BaseImageFeatures._parameter_constraints,
        "window_size": [Interval(Integral, 3, None, closed="left")],
        "frequency_estimation": [StrOptions(set(FREQUENCY_ESTIMATIONS))],
        "decorrelate": ["boolean"],
        "rho": [Interval(Real, 0, 1, closed="neither")],
        "grid": [tuple, list],
    }

    _feature_prefix = "lpq"

    def __init__(
        self,
        window_size=3,
        frequency_estimation="uniform",
        decorrelate=True,
        rho=0.9,
        grid=(1, 1),
        image_shape=None,
        data_format="auto",
    ):
        self.window_size = window_size
        self.frequency_estimation = frequency_estimation
        self.decorrelate = decorrelate
        self.rho = rho
        self.grid = grid
        self.image_shape = image_shape
        self.data_format = data_format

    def codes(self, X):
        """The LPQ code image of each image.

        Parameters
        ----------
        X : array-like of images
            Images of the shape seen in :meth:`fit`.

        Returns
        -------
        codes : ndarray of shape (n_samples, height - window_size + 1, \
width - window_size + 1), dtype uint8
            The code of each pixel whose window lies inside the image.
        """
        images = self._checked_images(X)
        n, h, w = images.shape
        s = self.window_size
        out = np.empty((n, h - s + 1, w - s + 1), dtype=np.uint8)

        def store(start, codes, buffers):
            out[start : start + len(codes)] = codes

        self._each_chunk(images, store)
        return out

    # -- BaseImageFeatures ------------------------------------------------
    def _check_image_size(self, height, width):
        s = self.window_size
        check_odd_window(s, "window_size", type(self).__name__)
        rows, cols = _grid_pair(self.grid)
        if height < s or width < s:
            raise ValueError(
                f"LocalPhaseQuantization(window_size={s}) needs images of at "
                f"least {s}x{s} pixels; X holds {height}x{width} images."
            )
        h, w = height - s + 1, width - s + 1
        if h < rows or w < cols:
            raise ValueError(
                f"LocalPhaseQuantization(grid={tuple(self.grid)!r}) needs a code "
                f"image of at least {rows}x{cols} pixels (one per cell), but "
                f"{height}x{width} images with window_size={s} give {h}x{w}."
            )

    def _n_features_out(self, height, width):
        rows, cols = _grid_pair(self.grid)
        return 256 * rows * cols

    def _extract(self, images):
        rows, cols = _grid_pair(self.grid)
        out = np.empty((len(images), self._n_out), dtype=np.float64)

        def store(start, codes, buffers):
            index = buffers("index", codes.shape, np.intp)
            out[start : start + len(codes)] = _histograms(codes, rows, cols, index)

        self._each_chunk(images, store)
        return out

    # -- computation ------------------------------------------------------
    def _each_chunk(self, images, store):
        """``store(start, codes, buffers)`` for the codes of each chunk.

        In the calling thread, torch in one thread (:func:`_one_torch_thread`).
        Sharing the chunks out among threads gained at most 30% on 2 cores,
        and lost as much with small chunks: the many short NumPy calls of a
        chunk keep handing the GIL back and forth.
        """
        A, H, K = _folded_filters(
            self.window_size,
            self.frequency_estimation,
            bool(self.decorrelate),
            float(self.rho),
        )
        reach = DEAD_ZONE * np.abs(K).sum(axis=(1, 2))
        n, h, w = images.shape
        s = self.window_size
        chunk = max(1, _CHUNK_PIXELS // ((h - s + 1) * (w - s + 1)))
        buffers = _Buffers()
        with _one_torch_thread():
            for start in range(0, n, chunk):
                batch = images[start : start + chunk]
                Z = _responses(batch, A, H, K, _inverse_peaks(batch), buffers)
                store(start, _quantize(Z, reach), buffers)
