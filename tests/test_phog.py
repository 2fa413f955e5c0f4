"""PyramidHOG: the PHOG descriptor of Bosch, Zisserman & Munoz.

The transformer against the definition written plainly, pixel by pixel; a
straight edge's orientation; the pyramid's nesting; the API.
"""

import math
import pickle

import numpy as np
import pytest
from scipy import ndimage as ndi
from skimage import data
from skimage.feature import canny
from skimage.filters import gaussian
from sklearn.utils._param_validation import InvalidParameterError

from skneuro.datasets import load_lfw_faces
from skneuro.feature_extraction import _phog
from skneuro.feature_extraction._phog import PyramidHOG

SIGMA = math.sqrt(2)  # MATLAB's edge(I, 'canny') default, and PyramidHOG's


@pytest.fixture(scope="module")
def camera():
    """Three crops of scikit-image's camera, float pixels in 0..255."""
    image = data.camera().astype(np.float64)
    return np.stack([image[:64, :64], image[180:244, 200:264], image[60:124, 300:364]])


@pytest.fixture(scope="module")
def faces():
    """20 faces and 20 non-faces of 25x25 pixels (25 does not divide by 8)."""
    images = load_lfw_faces().images
    return np.concatenate([images[:20], images[100:120]])


# -- the definition, written plainly -------------------------------------------
def canny_magnitude(image, sigma=SIGMA):
    """The gradient magnitude canny thresholds: Gaussian smoothing
    renormalised at the border, then Sobel filters."""
    smoothed = gaussian(image, sigma=sigma, mode="constant", preserve_range=True)
    weight = gaussian(np.ones_like(image), sigma=sigma, mode="constant")
    smoothed = smoothed / (weight + np.finfo(np.float64).eps)
    di, dj = ndi.sobel(smoothed, axis=0), ndi.sobel(smoothed, axis=1)
    return np.sqrt(di * di + dj * dj)


def matlab_high_threshold(magnitude):
    """MATLAB's edge.m: ``imhist`` of magnitude / max in 64 bins; the first
    bin k (1-based) whose cumulative count exceeds 70 % of the pixels gives
    k / 64 of the maximum."""
    peak = magnitude.max()
    scaled = magnitude / peak if peak > 0 else magnitude
    counts = np.zeros(64)
    for x in scaled.ravel():
        counts[int(math.floor(x * 63 + 0.5))] += 1
    k = 1 + next(i for i in range(64) if counts[: i + 1].sum() > 0.7 * magnitude.size)
    return k / 64 * peak


def matlab_rule_edges(image, sigma=SIGMA):
    """Canny edges with MATLAB's automatic thresholds, for one image."""
    high = matlab_high_threshold(canny_magnitude(image, sigma))
    return canny(image, sigma, 0.4 * high, high)


def cell_of(position, size, n_cells):
    """The cell ``i`` with ``floor(i size / n) <= position < floor((i+1) size / n)``."""
    for i in range(n_cells):
        if (i * size) // n_cells <= position < ((i + 1) * size) // n_cells:
            return i
    raise AssertionError("no cell holds the pixel")


def brute_force_phog(image, edges, n_bins, angle, levels):
    """PHOG of one image: a loop over levels, pixels, as the paper says."""
    h, w = image.shape
    gy, gx = np.gradient(image)  # central differences (MATLAB's gradient)
    histograms = []
    for level in range(levels + 1):
        k = 2**level
        hist = np.zeros((k, k, n_bins))
        for r in range(h):
            for c in range(w):
                if not edges[r, c]:
                    continue
                theta = math.degrees(math.atan2(gy[r, c], gx[r, c])) % angle
                b = min(int(theta * n_bins / angle), n_bins - 1)
                i, j = cell_of(r, h, k), cell_of(c, w, k)
                hist[i, j, b] += math.sqrt(gx[r, c] ** 2 + gy[r, c] ** 2)
        histograms.append(hist.ravel())  # cells row-major, then bins
    p = np.concatenate(histograms)
    return p / p.sum() if p.sum() > 0 else p


@pytest.mark.parametrize(
    "n_bins, angle, levels, crop",
    [
        (8, 360, 3, (slice(None), slice(None))),
        (9, 180, 2, (slice(None), slice(None))),
        (6, 360, 2, (slice(0, 50), slice(3, 40))),  # sides not divisible by 4
        (4, 180, 3, (slice(5, 61), slice(0, 63))),
    ],
)
def test_brute_force_agrees_on_camera(camera, n_bins, angle, levels, crop):
    images = camera[(slice(None), *crop)]
    est = PyramidHOG(n_bins=n_bins, angle=angle, levels=levels)
    features = est.fit_transform(images)
    for image, row in zip(images, features, strict=True):
        edges = matlab_rule_edges(image)
        assert 0.02 < edges.mean() < 0.3  # a real test: edges there are
        expected = brute_force_phog(image, edges, n_bins, angle, levels)
        np.testing.assert_allclose(row, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("angle", [360, 180])
def test_brute_force_agrees_on_faces(faces, angle):
    features = PyramidHOG(angle=angle).fit_transform(faces)
    assert features.shape == (40, 8 * (1 + 4 + 16 + 64))
    for image, row in zip(faces, features, strict=True):
        expected = brute_force_phog(image, matlab_rule_edges(image), 8, angle, 3)
        np.testing.assert_allclose(row, expected, rtol=1e-12, atol=1e-15)


def test_quantile_and_absolute_thresholds_are_canny_s(camera):
    est = PyramidHOG(low_threshold=0.5, high_threshold=0.9, sigma=1.0).fit(camera)
    expected = [canny(im, 1.0, 0.5, 0.9, use_quantiles=True) for im in camera]
    np.testing.assert_array_equal(est.edges(camera), expected)
    est.set_params(use_quantiles=False, low_threshold=20.0, high_threshold=60.0)
    expected = [canny(im, 1.0, 20.0, 60.0) for im in camera]
    np.testing.assert_array_equal(est.edges(camera), expected)
    # Only the low one given: the high one is automatic (MATLAB's rule).
    est.set_params(use_quantiles=True, low_threshold=0.6, high_threshold=None)
    expected = []
    for image in camera:
        magnitude = canny_magnitude(image, 1.0)
        high = matlab_high_threshold(magnitude)
        low = min(np.percentile(magnitude, 60), high)
        expected.append(canny(image, 1.0, low, high))
    np.testing.assert_array_equal(est.edges(camera), expected)
    # Only the high one: the low one is 0.4 times it (MATLAB's ratio).
    est.set_params(use_quantiles=False, low_threshold=None, high_threshold=50.0)
    expected = [canny(im, 1.0, 20.0, 50.0) for im in camera]
    np.testing.assert_array_equal(est.edges(camera), expected)


# -- a straight edge -----------------------------------------------------------
def half_plane(theta, size=48):
    """Dark to bright across a straight boundary, the gradient at ``theta``
    degrees (0: brighter to the right, 90: brighter downwards).

    A linear ramp 8 pixels wide, clipped, so that central differences give
    the gradient's direction exactly near the boundary.
    """
    r, c = np.mgrid[:size, :size] - (size - 1) / 2
    t = math.radians(theta)
    return np.clip((c * math.cos(t) + r * math.sin(t)) / 4, -1, 1)


@pytest.mark.parametrize("angle", [360, 180])
@pytest.mark.parametrize("theta", [5, 30, 80, 100, 150, 200, 240, 285, 335])
def test_a_straight_edge_falls_in_its_orientation_bin(theta, angle):
    image = half_plane(theta)
    est = PyramidHOG(n_bins=8, angle=angle, levels=0).fit(image[None])
    assert est.edges(image[None]).sum() >= 40  # the whole boundary
    hist = est.transform(image[None])[0]
    expected = int((theta % angle) * 8 / angle)
    assert hist[expected] > 1 - 1e-9, (expected, np.round(hist, 3))


def test_polarity_counts_only_over_360_degrees():
    images = np.stack([half_plane(30), half_plane(210)])  # the same line
    over_360 = PyramidHOG(angle=360, levels=0).fit_transform(images)
    over_180 = PyramidHOG(angle=180, levels=0).fit_transform(images)
    assert over_360[0].argmax() == 0 and over_360[1].argmax() == 4
    assert over_180[0].argmax() == over_180[1].argmax() == 1


# -- the pyramid nests ---------------------------------------------------------
@pytest.mark.parametrize("shape", [(64, 64), (64, 32), (50, 37), (27, 61)])
def test_each_cell_is_the_sum_of_its_four_children(camera, shape):
    images = camera[:, : shape[0], : shape[1]]
    est = PyramidHOG(n_bins=8, levels=3).fit(images)
    pyramid = est.pyramid(images)
    assert [p.shape for p in pyramid] == [(3, 2**i, 2**i, 8) for i in range(4)]
    assert pyramid[0].sum() > 0
    for parent, children in zip(pyramid, pyramid[1:], strict=False):
        n, k = len(parent), parent.shape[1]
        summed = children.reshape(n, k, 2, k, 2, 8).sum(axis=(2, 4))
        np.testing.assert_allclose(parent, summed, rtol=1e-12)
    # transform is the same numbers, concatenated and normalised.
    flat = np.concatenate([p.reshape(3, -1) for p in pyramid], axis=1)
    np.testing.assert_allclose(
        est.transform(images), flat / flat.sum(axis=1, keepdims=True), rtol=1e-12
    )


@pytest.mark.parametrize("size", [8, 9, 25, 37, 64, 100])
def test_cells_cover_every_pixel_once(size):
    for level in range(4):
        k = 2**level
        counts = np.bincount(_phog._cell_of(size, k), minlength=k)
        assert len(counts) == k and counts.sum() == size
        assert set(counts) <= {size // k, -(-size // k)}


# -- the API -------------------------------------------------------------------
@pytest.mark.parametrize("n_bins, levels", [(8, 0), (8, 1), (9, 2), (4, 3)])
def test_shapes_and_feature_names(camera, n_bins, levels):
    est = PyramidHOG(n_bins=n_bins, levels=levels).fit(camera)
    n_out = n_bins * sum(4**level for level in range(levels + 1))
    assert est.transform(camera).shape == (3, n_out)
    names = est.get_feature_names_out()
    assert len(names) == n_out and names[0] == "phog_0"
    assert names[-1] == f"phog_{n_out - 1}"
    assert est.image_shape_ == (64, 64)


def test_pandas_output(camera):
    est = PyramidHOG(levels=1).set_output(transform="pandas")
    frame = est.fit_transform(camera)
    assert list(frame.columns) == list(est.get_feature_names_out())
    np.testing.assert_allclose(frame.to_numpy(), est.transform(camera).to_numpy())


def test_flat_rows_colour_and_integer_pixels(camera):
    images = camera[:, :, :48]
    expected = PyramidHOG(levels=2).fit_transform(images)
    flat = images.reshape(3, -1)
    for image_shape in [(64, 48), (64, -1), (-1, 48)]:
        est = PyramidHOG(levels=2, image_shape=image_shape)
        np.testing.assert_allclose(est.fit_transform(flat), expected, rtol=1e-12)
    # Colour is converted to grey with BT.709's weights, either layout.
    rgb = np.random.default_rng(0).uniform(0, 255, (3, 3, 64, 48))
    grey = np.einsum("nchw,c->nhw", rgb, [0.2125, 0.7154, 0.0721])
    expected_rgb = PyramidHOG(levels=2).fit_transform(grey)
    got = PyramidHOG(levels=2).fit_transform(rgb)
    np.testing.assert_array_equal(got, expected_rgb)
    got = PyramidHOG(levels=2).fit_transform(rgb.transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(got, expected_rgb)
    # Integer pixels as they are; the scale of the pixels does not matter
    # (a power of 2 scales every rounding too, so the features are equal).
    got = PyramidHOG(levels=2).fit_transform(images.astype(np.uint8))
    np.testing.assert_array_equal(got, expected)
    got = PyramidHOG(levels=2).fit_transform(images / 256)
    np.testing.assert_array_equal(got, expected)


@pytest.fixture
def no_canny(monkeypatch):
    """Fail the test if an edge map is computed."""

    def refuse(*args, **kwargs):
        raise AssertionError("canny ran although the input was invalid")

    monkeypatch.setattr(_phog, "canny", refuse)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_bins": 0}, "'n_bins' parameter of PyramidHOG"),
        ({"n_bins": -3}, "'n_bins' parameter of PyramidHOG"),
        ({"n_bins": 2.5}, "'n_bins' parameter of PyramidHOG"),
        ({"angle": 90}, "'angle' parameter of PyramidHOG must be a int among"),
        ({"angle": 360.0}, "'angle' parameter of PyramidHOG"),
        ({"levels": -1}, "'levels' parameter of PyramidHOG"),
        ({"sigma": -1.0}, "'sigma' parameter of PyramidHOG"),
        ({"sigma": np.nan}, "'sigma' parameter of PyramidHOG"),
        ({"low_threshold": -0.1}, "'low_threshold' parameter of PyramidHOG"),
        ({"high_threshold": "auto"}, "'high_threshold' parameter of PyramidHOG"),
        ({"use_quantiles": "yes"}, "'use_quantiles' parameter of PyramidHOG"),
    ],
)
def test_bad_parameters(camera, no_canny, params, match):
    with pytest.raises(InvalidParameterError, match=match):
        PyramidHOG(**params).fit(camera)


@pytest.mark.parametrize(
    "params, shape, match",
    [
        ({"levels": 3}, (2, 7, 40), r"levels=3\) .* at least 8x8 pixels .* 7x40"),
        ({"levels": 5}, (2, 64, 20), r"at least 32x32 pixels .* 64x20"),
        ({"high_threshold": 1.5}, (2, 16, 16), r"high_threshold=1.5\).* \[0, 1\]"),
        (
            {"low_threshold": 0.8, "high_threshold": 0.5},
            (2, 16, 16),
            r"low_threshold=0.8, high_threshold=0.5\): Canny's low threshold",
        ),
        (
            {"low_threshold": 30, "high_threshold": 20, "use_quantiles": False},
            (2, 16, 16),
            r"low_threshold=30, high_threshold=20\)",
        ),
    ],
)
def test_bad_sizes_and_thresholds(no_canny, params, shape, match):
    with pytest.raises(ValueError, match=match):
        PyramidHOG(**params).fit(np.ones(shape))


def test_bad_images(camera, no_canny):
    with_nan = camera.copy()
    with_nan[1, 5, 5] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        PyramidHOG().fit(with_nan)
    est = PyramidHOG(levels=1).fit(camera)  # fit computes nothing
    with pytest.raises(ValueError, match="Input X contains NaN"):
        est.transform(with_nan)
    with pytest.raises(ValueError, match="fitted on 64x64 images"):
        est.pyramid(np.ones((2, 64, 32)))
    with pytest.raises(ValueError, match="RGBA"):
        PyramidHOG().fit(np.ones((2, 4, 16, 16)))


def test_pickle_round_trip(camera):
    est = PyramidHOG(levels=2, angle=180).fit(camera)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.transform(camera), est.transform(camera))


def test_images_without_edges_give_zeros():
    blank = np.stack([np.zeros((16, 16)), np.full((16, 16), 7.0)])
    est = PyramidHOG(levels=2).fit(blank)
    # The constant image may get "edges" from the rounding of canny's
    # smoothing (magnitudes near 1e-15), but no gradient to weigh them.
    assert not est.edges(blank)[0].any()
    features = est.transform(blank)
    assert features.shape == (2, 168) and not features.any()
    assert np.isfinite(features).all()
    # One image with an edge among them is normalised as usual.
    mixed = np.stack([blank[0], half_plane(30, size=16)])
    features = est.transform(mixed)
    assert not features[0].any() and features[1].sum() == pytest.approx(1.0)
