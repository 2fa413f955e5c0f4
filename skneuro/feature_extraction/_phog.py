"""PHOG: pyramid histograms of the orientations of edge gradients.

The shape descriptor of Bosch, Zisserman & Munoz, "Representing Shape with a
Spatial Pyramid Kernel" (CIVR 2007), with the details of the authors' MATLAB
code (``anna_phog.m``, ``anna_BinMatrix.m``, ``anna_phogDescriptor.m``).
Canny is the only per-image step (scikit-image has no batched form); the
thresholds, gradients, orientation bins and the histograms of all cells of
all images are computed for a chunk of images at once.
"""

from numbers import Integral, Real

import numpy as np
from scipy import ndimage as ndi
from skimage.feature import canny
from sklearn.utils._param_validation import Interval, Options

from skneuro.feature_extraction._base import BaseImageFeatures
from skneuro.utils._docstring import shared_docstring

__all__ = ["PyramidHOG"]

#: MATLAB's ``edge(I, 'canny')`` automatic thresholds: the high threshold
#: leaves this share of the pixels' gradient magnitudes below it
#: (``PercentOfPixelsNotEdges``), and the low one is this ratio of the high
#: one (``ThresholdRatio``).
NOT_EDGE_SHARE = 0.7
THRESHOLD_RATIO = 0.4

#: MATLAB's ``edge(I, 'canny')`` default smoothing.
MATLAB_SIGMA = float(np.sqrt(2.0))

# Images are processed in chunks of at most this many pixels (256 images of
# 64x64), so that the temporaries of the threshold pass, a few float64
# copies of the chunk, take tens of MiB whatever the batch size.
_CHUNK_PIXELS = 1 << 20


def _sobel_magnitude(images, sigma):
    """Gradient magnitude of each image as :func:`skimage.feature.canny`
    computes it, for a batch ``(n, h, w)`` at once.

    Gaussian smoothing (``mode="constant"``, renormalised by the smoothed
    all-ones image, as canny's "bleed-over" correction), then the Sobel
    derivatives along the rows and the columns (``scipy.ndimage.sobel``'s
    filters, ``mode="reflect"``). The same filters in the same order as the
    per-image code, so the values are bit for bit those canny thresholds.
    """
    smoothed = ndi.gaussian_filter(
        images, (0.0, sigma, sigma), mode="constant", cval=0.0, truncate=4.0
    )
    ones = np.ones(images.shape[1:])
    bleed_over = ndi.gaussian_filter(ones, sigma, mode="constant", truncate=4.0)
    smoothed /= bleed_over + np.finfo(np.float64).eps
    derivatives = []
    for axis in (1, 2):
        d = ndi.correlate1d(smoothed, [-1, 0, 1], axis, mode="reflect")
        ndi.correlate1d(d, [1, 2, 1], 3 - axis, output=d, mode="reflect")
        derivatives.append(d)
    magnitude = derivatives[0] * derivatives[0]
    magnitude += derivatives[1] * derivatives[1]
    return np.sqrt(magnitude, out=magnitude)


def _matlab_high_thresholds(magnitude):
    """MATLAB's automatic high threshold of each row of ``magnitude``.

    As ``edge(I, 'canny')``: the magnitudes divided by their maximum go into
    ``imhist``'s 64 bins over [0, 1] (bin ``round(63 x)``); with ``k`` the
    first bin (1-based) where the cumulative count exceeds 70 % of the
    pixels, the threshold is ``k / 64`` of the maximum. Never below 1/64 of
    the maximum, however many pixels have no gradient.
    """
    n, size = magnitude.shape
    peak = magnitude.max(axis=1)
    scaled = magnitude / np.where(peak > 0, peak, 1.0)[:, None]
    bins = np.floor(scaled * 63 + 0.5).astype(np.intp)
    bins += 64 * np.arange(n)[:, None]
    counts = np.bincount(bins.ravel(), minlength=64 * n).reshape(n, 64)
    k = np.argmax(np.cumsum(counts, axis=1) > NOT_EDGE_SHARE * size, axis=1) + 1
    return k / 64 * peak


def _canny_thresholds(images, sigma, low, high, use_quantiles):
    """Per-image ``(low, high)`` hysteresis thresholds, as magnitudes.

    ``None`` follows MATLAB's automatic rule (high: :func:`_matlab_high_
    thresholds`; low: 0.4 times high); numbers are quantiles of the image's
    magnitudes with ``use_quantiles``, else magnitudes. The low threshold
    never exceeds the high one.
    """
    n = len(images)
    magnitude = None
    if high is None or use_quantiles:
        magnitude = _sobel_magnitude(images, sigma).reshape(n, -1)

    def given(value):
        if use_quantiles:
            return np.percentile(magnitude, 100.0 * value, axis=1)
        return np.full(n, float(value))

    high_t = _matlab_high_thresholds(magnitude) if high is None else given(high)
    low_t = THRESHOLD_RATIO * high_t if low is None else given(low)
    return np.minimum(low_t, high_t), high_t


def _edges(images, sigma, low, high, use_quantiles):
    """Canny edge maps ``(n, h, w)`` of a batch, one canny call per image."""
    low_t, high_t = _canny_thresholds(images, sigma, low, high, use_quantiles)
    edges = np.empty(images.shape, dtype=bool)
    for i, image in enumerate(images):
        edges[i] = canny(image, sigma, low_t[i], high_t[i])
    return edges


def _cell_of(size, n_cells):
    """Cell index of each of ``size`` pixels along an axis cut in ``n_cells``.

    The boundaries are ``floor(i * size / n_cells)``, ``i = 0..n_cells``
    (``np.linspace(0, size, n_cells + 1).astype(int)``): cells of
    ``size // n_cells`` or one more pixels, none empty when ``size >=
    n_cells``. With ``n_cells = 2**L``, the cell of a pixel at level ``l``
    is its level-``L`` cell shifted right by ``L - l`` bits, since level
    ``l``'s boundary ``i`` is level ``L``'s boundary ``i * 2**(L - l)``:
    the cells of each level are unions of cells of the next.
    """
    bounds = np.arange(n_cells + 1) * size // n_cells
    return np.searchsorted(bounds, np.arange(size), side="right") - 1


def _deepest_histograms(images, edges, n_bins, angle, levels):
    """Histograms ``(n, 2**levels, 2**levels, n_bins)`` of the deepest level.

    Each edge pixel adds its gradient magnitude to the bin of its gradient
    orientation in its cell: one weighted ``np.bincount`` over all edge
    pixels of all images.
    """
    n, h, w = images.shape
    k = 2**levels
    # Canny never marks the border (scikit-image erodes its mask by a pixel);
    # cleared here all the same, so that every edge pixel has four
    # neighbours in its own image and the central differences below are
    # np.gradient's (MATLAB's gradient) at that pixel.
    edges[:, [0, -1], :] = False
    edges[:, :, [0, -1]] = False
    flat = np.flatnonzero(edges)
    pixels = images.reshape(-1)
    gx = (pixels[flat + 1] - pixels[flat - 1]) / 2
    gy = (pixels[flat + w] - pixels[flat - w]) / 2
    magnitude = np.sqrt(gx * gx + gy * gy)
    orientation = np.degrees(np.arctan2(gy, gx)) % angle
    bins = np.minimum((orientation * n_bins / angle).astype(np.intp), n_bins - 1)
    # The deepest cell of every pixel of an image, row-major.
    cell = (_cell_of(h, k)[:, None] * k + _cell_of(w, k)).ravel()
    img, within = np.divmod(flat, h * w)
    index = (img * (k * k) + cell[within]) * n_bins + bins
    counts = np.bincount(index, weights=magnitude, minlength=n * k * k * n_bins)
    # (np.bincount gives ints when there is no edge pixel at all.)
    return counts.astype(np.float64, copy=False).reshape(n, k, k, n_bins)


def _pyramid_of(deepest, levels):
    """All levels from the deepest: each cell the sum of its 2x2 children."""
    pyramid = [deepest]
    for _ in range(levels):
        n, k, _, n_bins = pyramid[0].shape
        children = pyramid[0].reshape(n, k // 2, 2, k // 2, 2, n_bins)
        pyramid.insert(0, children.sum(axis=(2, 4)))
    return pyramid


@shared_docstring
class PyramidHOG(BaseImageFeatures):
    """Pyramid histograms of oriented gradients (PHOG) of images' edges.

    The shape descriptor of Bosch, Zisserman & Munoz, "Representing Shape
    with a Spatial Pyramid Kernel" (CIVR 2007), following the authors'
    MATLAB code (``anna_phog.m``): the Canny edges of each grey image; at
    every edge pixel, the gradient's magnitude and orientation; at each
    pyramid level ``l = 0..levels`` the image cut into ``2**l x 2**l``
    cells, and in each cell the histogram of the edge pixels'
    orientations, each pixel weighted by its gradient magnitude. The
    histograms of all cells of all levels, concatenated, are normalised to
    sum to 1. Images come in any of the layouts of the other image
    transformers (flat rows, ``(n, h, w)``, or colour ``(n, 3, h, w)`` /
    ``(n, h, w, 3)``, converted to grey).

    Parameters
    ----------
    n_bins : int, default=8
        Orientation bins of each histogram (the reference's ``bin``; 8 in
        its example).
    angle : {360, 180}, default=360
        Range of the orientations, in degrees. 360 keeps the direction of
        the gradient (dark to bright), so the two sides of a line fall in
        different bins; 180 takes orientations modulo 180 degrees (contrast
        polarity ignored). The reference's example uses 360.
    levels : int, default=3
        Deepest pyramid level ``L`` (the reference's ``L``; 3 in its
        example): levels ``0..L`` have ``1, 4, ..., 4**L`` cells, so there
        are ``n_bins * (4**(L + 1) - 1) / 3`` features (680 by default).
        Images need at least ``2**L`` pixels along each side.
    sigma : float, default=sqrt(2)
        Standard deviation of Canny's Gaussian smoothing, in pixels.
        ``sqrt(2)`` is the default of MATLAB's ``edge(I, 'canny')``, which
        the reference calls with its defaults (scikit-image's own default is
        1). 0 smooths nothing.
    low_threshold : float or None, default=None
        Canny's low hysteresis threshold (edges are traced down to it).
        ``None``: 0.4 times the high threshold, MATLAB's ``edge(I,
        'canny')`` ratio. A number is read as ``use_quantiles`` says. Both
        thresholds given, the low one must not exceed the high one; a low
        one above an automatic high one is lowered to it in that image.
    high_threshold : float or None, default=None
        Canny's high hysteresis threshold (edges start above it). ``None``
        chooses it per image as MATLAB's ``edge(I, 'canny')`` does, the
        reference's call: about the gradient magnitude below which 70 % of
        the image's pixels lie, read from a 64-bin histogram of the
        magnitudes over their maximum (``k / 64`` of the maximum, ``k`` the
        first bin where the cumulative count passes 70 %), so never below
        1/64 of the maximum however flat the image. A number is read as
        ``use_quantiles`` says.
    use_quantiles : bool, default=True
        Read the thresholds given as numbers as quantiles (in [0, 1]) of each
        image's gradient magnitudes, as :func:`skimage.feature.canny` does
        with ``use_quantiles=True``: the edges then do not depend on the
        scale of the pixels (nor do they with the automatic thresholds).
        ``False`` reads them as gradient magnitudes of the smoothed image
        (scikit-image's Sobel magnitude, in the units of the pixels as
        given: integer pixels are not rescaled).
    {parameters: image_shape, data_format}

    Attributes
    ----------
    {attributes: image_shape_, data_format_, n_features_in_, feature_names_in_}

    See Also
    --------
    skimage.feature.canny : The edge detector used, image by image.
    skimage.feature.hog : Dalal & Triggs' HOG, over all pixels in a grid of
        cells with block normalisation (not a pyramid, not edges only).

    Notes
    -----
    **The computation.** For a grey image :math:`I` of :math:`h \\times w`
    pixels:

    1. Edges: :func:`skimage.feature.canny` with ``sigma`` and the
       thresholds above. scikit-image never marks a pixel of the image's
       border.
    2. Gradients as MATLAB's ``gradient``, which the reference calls (not
       ``conv2``): central differences :math:`g_x = (I_{r, c+1} - I_{r,
       c-1}) / 2`, :math:`g_y = (I_{r+1, c} - I_{r-1, c}) / 2` (the
       ``[-1 0 1]`` filter, halved; :func:`numpy.gradient`), magnitude
       :math:`\\sqrt{g_x^2 + g_y^2}`, orientation :math:`\\theta =
       \\operatorname{atan2}(g_y, g_x)` in degrees, modulo ``angle``. The
       rows grow downwards, so :math:`\\theta` turns clockwise on the
       displayed image: 0 points right (brighter to the right), 90 down.
    3. Bin :math:`b = \\lfloor \\theta \\, n_{bins} / angle \\rfloor`:
       bin :math:`b` holds :math:`[b \\cdot angle / n_{bins}, (b + 1)
       \\cdot angle / n_{bins})`.
    4. Cells: level :math:`l` cuts the rows at :math:`\\lfloor i h / 2^l
       \\rfloor` and the columns at :math:`\\lfloor j w / 2^l \\rfloor`,
       :math:`i, j = 0..2^l`: exactly :math:`4^l` cells, of
       :math:`\\lfloor h / 2^l \\rfloor` or one more rows (columns), that
       cover every pixel once. The cuts of a level are cuts of the next, so
       every cell is the union of its four children whatever the image
       size (which ``np.array_split``'s cuts do not give: 6 rows in 4 are
       ``2, 2, 1, 1`` and in 2 are ``3, 3``).
    5. Each cell's histogram sums the gradient magnitudes of its edge
       pixels per bin. Features are ordered by level, then cell (row-major:
       row of cells, then column), then bin. The vector is divided by its
       sum, so each level sums to ``1 / (levels + 1)``; an image without an
       edge (or whose edge pixels all have a zero gradient, a constant
       image) gets all zeros, as the reference's ``if sum(p) ~= 0``.

    **Where this departs from the reference, and why.**

    - Cells. The reference steps by ``fix(w / 2^l)`` pixels while a whole
      step fits, so a side that does not divide by :math:`2^l` gets more
      than :math:`2^l` cells (10 columns at level 2: five cells of 2) or
      loses its last pixels (11 columns at level 1: the last column), the
      descriptor's length varies with the image size, and a side shorter
      than :math:`2^l` never ends its loop; its cells run column by column.
      Here every level has :math:`4^l` cells covering every pixel once
      (the cuts above), so every image size gives the same features.
    - Orientation origin. The reference bins :math:`\\operatorname{atan2}
      + 180°` (``angle=360``) or :math:`\\operatorname{atan}(g_y / g_x) +
      90°` (``angle=180``, with :math:`g_x = 0` replaced by
      :math:`10^{-5}`), by ``ceil``, so its bin :math:`k` (1-based) holds
      :math:`((k - 1) \\cdot angle / n_{bins}, k \\cdot angle / n_{bins}]`
      of that angle: its bins are these turned by half the range (for even
      ``n_bins``, its bin :math:`k` is bin :math:`(k - 1 + n_{bins} / 2)
      \\bmod n_{bins}` here, up to which side of a boundary a pixel exactly
      on it takes). A fixed permutation of the bins, which changes no
      distance between descriptors; here 0 is the plain :math:`\\theta =
      0`.
    - Dropped pixels. In the reference, a pixel whose shifted angle is
      exactly 0 gets bin 0 (its guard ``if b==0, bin=1; end`` sets the
      wrong variable), and its descriptor counts bins 1 to ``bin`` only, so
      the pixel is lost. Here every edge pixel counts.
    - Dark images. The reference returns zeros when the grey values sum to
      at most 100 (a test in 8-bit units); that depends on the pixels'
      scale, so it is not reproduced: only images without edges give zeros.
    - Canny. MATLAB smooths with derivatives of a Gaussian; here
      scikit-image's Canny (a Gaussian, then Sobel filters), with MATLAB's
      rule for the automatic thresholds applied to its magnitudes. The edges
      are close to MATLAB's, not identical.
    - No region of interest (the reference's ``roi``): crop the images
      first. Colour is converted to grey with the BT.709 weights of
      :func:`skimage.color.rgb2gray` (MATLAB's ``rgb2gray`` uses BT.601's).

    **Speed.** Images go in chunks of at most about a million pixels.
    In a chunk, the gradient magnitudes that set the thresholds are computed
    for all images at once (the filters canny applies inside, in the same
    order, so a quantile threshold is exactly the one ``canny(...,
    use_quantiles=True)`` picks); canny itself runs once per image (the only
    loop; two threads gain nothing, as canny holds the GIL for most of its
    time); then the gradients and bins of all edge pixels of the chunk, and
    one weighted :func:`numpy.bincount` at the deepest level, indexed
    ``(image * 4**L + cell) * n_bins + bin``; the coarser levels are sums
    of 2x2 blocks of the level below, exact since the cells nest.

    Examples
    --------
    >>> import numpy as np
    >>> from skimage import data
    >>> from skneuro.feature_extraction import PyramidHOG
    >>> images = np.stack([data.camera()[:64, :64], data.camera()[100:164, :64]])
    >>> phog = PyramidHOG(n_bins=8, angle=360, levels=2).fit(images)
    >>> features = phog.transform(images)
    >>> features.shape  # 8 bins x (1 + 4 + 16) cells
    (2, 168)
    >>> print(*phog.get_feature_names_out()[:3])
    phog_0 phog_1 phog_2
    >>> np.allclose(features.sum(axis=1), 1.0)
    True

    The histograms before normalisation, level by level; each cell is the
    sum of its four children:

    >>> [level.shape for level in phog.pyramid(images)]
    [(2, 1, 1, 8), (2, 2, 2, 8), (2, 4, 4, 8)]
    >>> top, middle, _ = phog.pyramid(images)
    >>> np.allclose(top[:, 0, 0], middle.sum(axis=(1, 2)))
    True

    An image without an edge has no shape: all zeros.

    >>> PyramidHOG(levels=1).fit_transform(np.zeros((1, 16, 16))).max()
    np.float64(0.0)
    """

    _parameter_constraints = {
        **BaseImageFeatures._parameter_constraints,
        "n_bins": [Interval(Integral, 1, None, closed="left")],
        "angle": [Options(Integral, {180, 360})],
        "levels": [Interval(Integral, 0, None, closed="left")],
        "sigma": [Interval(Real, 0, None, closed="left")],
        "low_threshold": [Interval(Real, 0, None, closed="left"), None],
        "high_threshold": [Interval(Real, 0, None, closed="left"), None],
        "use_quantiles": ["boolean"],
    }

    _feature_prefix = "phog"

    def __init__(
        self,
        n_bins=8,
        angle=360,
        levels=3,
        sigma=MATLAB_SIGMA,
        low_threshold=None,
        high_threshold=None,
        use_quantiles=True,
        image_shape=None,
        *,
        data_format="auto",
    ):
        self.n_bins = n_bins
        self.angle = angle
        self.levels = levels
        self.sigma = sigma
        self.low_threshold = low_threshold
        self.high_threshold = high_threshold
        self.use_quantiles = use_quantiles
        self.image_shape = image_shape
        self.data_format = data_format

    # -- the base's hooks -----------------------------------------------
    def _check_image_size(self, height, width):
        # fit calls this after validating the parameters, before computing.
        self._check_thresholds()
        side = 2**self.levels
        if height < side or width < side:
            raise ValueError(
                f"PyramidHOG(levels={self.levels}) cuts images into "
                f"{side}x{side} cells at its deepest level, so it needs "
                f"images of at least {side}x{side} pixels (a pixel per cell); "
                f"X holds {height}x{width} images. Lower levels or pass "
                "larger images."
            )

    def _check_thresholds(self):
        low, high = self.low_threshold, self.high_threshold
        if self.use_quantiles:
            for name, value in (("low_threshold", low), ("high_threshold", high)):
                if value is not None and value > 1:
                    raise ValueError(
                        f"PyramidHOG({name}={value!r}): with use_quantiles=True "
                        "the thresholds are quantiles of each image's gradient "
                        "magnitudes, in [0, 1]; pass use_quantiles=False for "
                        "magnitudes."
                    )
        if low is not None and high is not None and low > high:
            raise ValueError(
                f"PyramidHOG(low_threshold={low!r}, high_threshold={high!r}): "
                "Canny's low threshold must not exceed its high one."
            )

    def _n_features_out(self, height, width):
        return self.n_bins * sum(4**level for level in range(self.levels + 1))

    def _extract(self, images):
        n = len(images)
        features = np.empty((n, self._n_features_out(*images.shape[1:])))
        for start, stop in self._chunks(images):
            levels = self._pyramid(images[start:stop])
            chunk = np.concatenate([p.reshape(len(p), -1) for p in levels], axis=1)
            total = chunk.sum(axis=1, keepdims=True)
            np.divide(chunk, total, out=chunk, where=total > 0)
            features[start:stop] = chunk
        return features

    # -- the steps ---------------------------------------------------------
    def _chunks(self, images):
        n, h, w = images.shape
        size = max(1, _CHUNK_PIXELS // (h * w))
        return [(start, min(n, start + size)) for start in range(0, n, size)]

    def _edges(self, images):
        return _edges(
            images,
            float(self.sigma),
            self.low_threshold,
            self.high_threshold,
            self.use_quantiles,
        )

    def _pyramid(self, images):
        edges = self._edges(images)
        deepest = _deepest_histograms(
            images, edges, self.n_bins, self.angle, self.levels
        )
        return _pyramid_of(deepest, self.levels)

    # -- what the figures show -----------------------------------------------
    def pyramid(self, X):
        """The histograms of every level, before normalisation.

        Parameters
        ----------
        X : array-like of images
            Images of the shape seen in :meth:`fit`.

        Returns
        -------
        pyramid : list of ``levels + 1`` ndarrays
            Level ``l`` has shape ``(n_samples, 2**l, 2**l, n_bins)``: the
            sum of the gradient magnitudes of the edge pixels of each cell
            (row of cells, column of cells) in each bin. :meth:`transform`
            is their concatenation (level by level, cells row-major) divided
            by its sum.
        """
        images = self._checked_images(X)
        chunks = [self._pyramid(images[a:b]) for a, b in self._chunks(images)]
        return [np.concatenate(level) for level in zip(*chunks, strict=True)]

    def edges(self, X):
        """The Canny edge maps the histograms are computed on.

        Parameters
        ----------
        X : array-like of images
            Images of the shape seen in :meth:`fit`.

        Returns
        -------
        edges : ndarray of bool, shape (n_samples, height, width)
        """
        images = self._checked_images(X)
        return np.concatenate(
            [self._edges(images[a:b]) for a, b in self._chunks(images)]
        )
