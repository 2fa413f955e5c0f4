"""Tests of LocalPhaseQuantization: agreement with a plain transcription of
``lpq.m``, the separable filtering, blur insensitivity, and the API."""

import pickle

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from scipy.ndimage import gaussian_filter
from skimage import data
from skimage.color import rgb2gray
from skimage.feature import local_binary_pattern
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from skneuro.datasets import load_lfw_faces
from skneuro.feature_extraction import LocalPhaseQuantization, _lpq

MODES = ["uniform", "gaussian", "derivative"]
WINDOWS = [3, 5, 7]


# -- images --------------------------------------------------------------
@pytest.fixture(scope="module")
def photos():
    """scikit-image's sample photographs, grey, at their own pixel scale."""
    return {
        "camera": data.camera().astype(np.float64),
        "astronaut": rgb2gray(data.astronaut()),
        "brick": data.brick().astype(np.float64),
        "coffee": rgb2gray(data.coffee()),
        "grass": data.grass().astype(np.float64),
        "gravel": data.gravel().astype(np.float64),
    }


@pytest.fixture(scope="module")
def crops(photos):
    """Small crops (textured parts) and two faces, for the per-pixel loops."""
    faces = load_lfw_faces().images
    return {
        "camera": photos["camera"][80:104, 200:224],
        "astronaut": photos["astronaut"][60:84, 180:204],
        "brick": photos["brick"][:24, :24],
        "face0": faces[0],
        "face150": faces[150],
    }


# -- a plain transcription of lpq.m, one pixel at a time -------------------
def _matlab_max(v):
    """MATLAB's max of a vector: largest value, or for complex vectors the
    largest modulus, ties (to rounding) to the largest phase angle."""
    if np.isrealobj(v):
        return v.max()
    best = v[0]
    for z in v[1:]:
        if abs(z) > abs(best) * (1 + 1e-9) or (
            abs(z) >= abs(best) * (1 - 1e-9) and np.angle(z) > np.angle(best)
        ):
            best = z
    return best


def lpq_filters_1d(win, freqestim):
    """lpq.m's w0, w1, w2, step by step."""
    r = (win - 1) // 2
    x = np.arange(-r, r + 1)
    alpha, sigma_s, sigma_a = 1 / win, (win - 1) / 4, 8 / (win - 1)
    if freqestim in ("uniform", "gaussian"):
        w0 = x * 0 + 1.0
        w1 = np.exp(-2j * np.pi * x * alpha)
        w2 = np.conj(w1)
        if freqestim == "gaussian":
            gs = np.exp(-0.5 * (x / sigma_s) ** 2) / (np.sqrt(2 * np.pi) * sigma_s)
            w0, w1, w2 = gs * w0, gs * w1, gs * w2
            w1, w2 = w1 - w1.mean(), w2 - w2.mean()
        return w0, w1, w2
    u = np.arange(1, r + 1)
    G0 = np.exp(-(x**2) * (np.sqrt(2) * sigma_a) ** 2)
    G1 = np.concatenate([np.zeros(r), [0], u * np.exp(-(u**2) * sigma_a**2)])
    G0, G1 = G0 / np.abs(G0).max(), G1 / np.abs(G1).max()
    w0 = np.real(np.fft.fftshift(np.fft.ifft(np.fft.ifftshift(G0))))
    w1 = np.fft.fftshift(np.fft.ifft(np.fft.ifftshift(G1)))
    w2 = np.conj(w1)
    out = []
    for w in (w0, w1, w2):
        m = _matlab_max(w)
        out.append(w / max(abs(m.real), abs(m.imag)))
    return tuple(out)


def lpq_reference(img, win, freqestim, decorr, rho=0.9, sign_rule=True):
    """lpq.m's freqResp (8 planes, after the whitening when ``decorr``),
    from per-pixel 2-D convolution sums, and the 8 filters it applies."""
    w0, w1, w2 = lpq_filters_1d(win, freqestim)
    r = (win - 1) // 2
    pairs = [(w0, w1), (w1, w0), (w1, w1), (w1, w2)]  # (column, row) filters
    q = [np.outer(wv, wh) for wv, wh in pairs]  # q1 = w0.' * w1, ...
    h, w = img.shape
    resp = np.zeros((h - 2 * r, w - 2 * r, 8))
    for i in range(h - 2 * r):
        for j in range(w - 2 * r):
            # conv2: out(c) = sum_{s,t} img(c - s, c - t) q(s, t)
            patch = img[i : i + win, j : j + win][::-1, ::-1]
            for f in range(4):
                value = np.sum(patch * q[f])
                resp[i, j, 2 * f], resp[i, j, 2 * f + 1] = value.real, value.imag
    M = np.array([part(qf).ravel(order="F") for qf in q for part in (np.real, np.imag)])
    if not decorr:
        return resp, M
    xp, yp = np.meshgrid(np.arange(1, win + 1), np.arange(1, win + 1))
    pp = np.stack([xp.ravel(order="F"), yp.ravel(order="F")], axis=1)
    C = rho ** np.sqrt(((pp[:, None, :] - pp[None, :, :]) ** 2).sum(-1))
    A = np.diag([1.000007, 1.000006, 1.000005, 1.000004, 1.000003, 1.000002,
                 1.000001, 1])  # fmt: skip
    _, _, Vh = np.linalg.svd(A @ (M @ C @ M.T) @ A)
    V = Vh.T
    if sign_rule:  # lpq.m: largest-magnitude entry of each vector positive
        ii = np.abs(V).argmax(axis=0)
        V = V @ np.diag(1 - 2 * (V[ii, np.arange(8)] < -np.finfo(float).eps))
    return (V.T @ resp.reshape(-1, 8).T).T.reshape(resp.shape), V.T @ M


def reference_bits(resp, filters, img):
    """Bits of the planes, with the documented dead zone: positive means
    above 1e-10 x (the filter's L1 norm) x (the image's largest |pixel|)."""
    tau = _lpq.DEAD_ZONE * np.abs(filters).sum(axis=1) * np.abs(img).max()
    return resp > tau, np.abs(resp) <= tau


def _codes(img, **params):
    lpq = LocalPhaseQuantization(**params).fit(img[None])
    return lpq.codes(img[None])[0]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("win", WINDOWS)
def test_matches_transcription_of_lpq_m(crops, win, mode):
    """Bit for bit without decorrelation; each bit plane equal or
    complemented with it (an SVD fixes its vectors up to sign), and equal
    with lpq.m's sign rule."""
    zeros = 0
    for name, img in crops.items():
        plain = _codes(
            img, window_size=win, frequency_estimation=mode, decorrelate=False
        )
        white = _codes(img, window_size=win, frequency_estimation=mode)
        planes = lambda codes: (codes[..., None] >> np.arange(8)) & 1  # noqa: E731
        resp, M = lpq_reference(img, win, mode, decorr=False)
        bits, dead = reference_bits(resp, M, img)
        zeros += dead.sum()
        assert_array_equal(planes(plain), bits, err_msg=name)
        # Outside the dead zone, lpq.m's own rule, "> 0", gives the same bits.
        assert_array_equal(planes(plain)[~dead], (resp > 0)[~dead], err_msg=name)
        resp, M = lpq_reference(img, win, mode, decorr=True, sign_rule=False)
        for k in range(8):
            up = reference_bits(resp[..., k : k + 1], M[k : k + 1], img)[0]
            down = reference_bits(-resp[..., k : k + 1], M[k : k + 1], img)[0]
            up, down = up[..., 0], down[..., 0]
            ours = planes(white)[..., k].astype(bool)
            assert (ours == up).all() or (ours == down).all(), (name, k)
        resp, M = lpq_reference(img, win, mode, decorr=True)
        assert_array_equal(planes(white), reference_bits(resp, M, img)[0])
    if win == 3 and mode == "uniform":
        assert zeros > 100  # the crops do exercise the dead zone


# -- the separable filtering against a direct sum ---------------------------
def _direct_stft(img, win, mode):
    """The 8 responses by a direct sum over each window, at the frequency
    points ((row, column) cycles per pixel) that lpq.m's pairs stand for."""
    r = (win - 1) // 2
    y = np.arange(-r, r + 1)
    w0, w1 = _lpq.stft_filters(win, mode)
    if mode == "uniform":  # the textbook STFT, independent of stft_filters
        a = 1 / win
        points = [(0, a), (a, 0), (a, a), (a, -a)]
        kernels = [
            np.exp(-2j * np.pi * (u * y[:, None] + v * y[None, :])) for u, v in points
        ]
    else:
        w2 = np.conj(w1)
        kernels = [np.outer(p, q) for p, q in [(w0, w1), (w1, w0), (w1, w1), (w1, w2)]]
    h, w = img.shape
    out = np.zeros((8, h - 2 * r, w - 2 * r))
    for i in range(r, h - r):
        for j in range(r, w - r):
            for f, kernel in enumerate(kernels):
                # F(u, x) = sum_y f(x - y) w(y) exp(-2 pi i u.y)
                value = sum(
                    img[i - s, j - t] * kernel[s + r, t + r]
                    for s in range(-r, r + 1)
                    for t in range(-r, r + 1)
                )
                out[2 * f, i - r, j - r] = value.real
                out[2 * f + 1, i - r, j - r] = value.imag
    return out


@pytest.mark.parametrize("separable_from", [3, 99])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("win", WINDOWS)
def test_responses_match_direct_sum(crops, win, mode, separable_from, monkeypatch):
    """Both ways of computing the responses (one product of 2-D kernels, or
    two of the separable form) agree with a direct sum, before and after
    the whitening is folded in."""
    monkeypatch.setattr(_lpq, "_SEPARABLE_FROM", separable_from)
    images = np.stack([crops["face0"], crops["face150"]])[:, :12, :14]
    A, H = _lpq.separable_filters(win, mode)
    K = np.einsum("kct,cs->kst", H, A)
    direct = [_direct_stft(img, win, mode) for img in images]
    ours = _lpq._responses(images, A, H, K)
    for i, expected in enumerate(direct):
        assert_allclose(ours[:, i], expected, atol=1e-5, rtol=0)
    V = _lpq.whitening(K, 0.9)
    ours = _lpq._responses(images, *_lpq._folded_filters(win, mode, True, 0.9))
    for i, expected in enumerate(direct):
        expected = np.einsum("jk,jhw->khw", V, expected)
        assert_allclose(ours[:, i], expected, atol=1e-5, rtol=0)


def test_whitening_decorrelates_the_model():
    """V.T D V is diagonal (the responses are uncorrelated under the model)
    and each singular vector's largest entry is positive."""
    A, H = _lpq.separable_filters(5, "uniform")
    K = np.einsum("kct,cs->kst", H, A)
    V = _lpq.whitening(K, 0.9)
    rows, cols = np.divmod(np.arange(25), 5)
    C = 0.9 ** np.hypot(rows[:, None] - rows, cols[:, None] - cols)
    J = np.diag(_lpq._JITTER)
    D = J @ K.reshape(8, -1) @ C @ K.reshape(8, -1).T @ J
    W = V.T @ D @ V
    assert_allclose(W - np.diag(np.diag(W)), 0, atol=1e-9 * np.abs(W).max())
    assert_allclose(V.T @ V, np.eye(8), atol=1e-12)
    largest = V[np.abs(V).argmax(axis=0), np.arange(8)]
    assert (largest > 0).all()


# -- blur insensitivity ----------------------------------------------------
def _l1(p, q):
    return np.abs(p - q).sum()


def _lbp_histogram(img):
    codes = local_binary_pattern(img, P=8, R=1, method="uniform")
    return np.bincount(codes.astype(int).ravel(), minlength=10) / codes.size


@pytest.mark.filterwarnings("ignore:Applying `local_binary_pattern`:UserWarning")
def test_blur_changes_lpq_less_than_lbp(photos):
    """L1 distance between the normalised histograms of a photograph (256 x
    256 crop) and of its Gaussian-blurred copy: LPQ (7 x 7 window,
    decorrelated) moves much less than uniform LBP (P=8, R=1), although it
    has 256 bins to LBP's 10. Measured LPQ/LBP ratios: sigma 1: 0.11-0.26
    (camera 0.18, astronaut 0.22, brick 0.26, coffee 0.15, grass 0.11,
    gravel 0.18); sigma 2, a blur wider than the window: 0.37-0.62 (0.54,
    0.58, 0.62, 0.42, 0.37, 0.51)."""
    lpq = LocalPhaseQuantization(window_size=7)
    for name, img in photos.items():
        img = img[:256, :256]
        for sigma, bound in ((1, 0.35), (2, 0.75)):
            blurred = gaussian_filter(img, sigma)
            h = lpq.fit_transform(np.stack([img, blurred]))
            d_lpq = _l1(h[0], h[1])
            d_lbp = _l1(_lbp_histogram(img), _lbp_histogram(blurred))
            assert d_lpq < bound * d_lbp, (name, sigma, d_lpq, d_lbp)


# -- the API ---------------------------------------------------------------
@pytest.fixture(scope="module")
def faces():
    return load_lfw_faces().images[:20]


def test_shapes_and_feature_names(faces):
    lpq = LocalPhaseQuantization(window_size=5).fit(faces)
    H = lpq.transform(faces)
    assert H.shape == (20, 256) and H.dtype == np.float64
    assert_allclose(H.sum(axis=1), 1.0)
    assert lpq.image_shape_ == (25, 25) and lpq.n_features_in_ == 25
    names = lpq.get_feature_names_out()
    assert list(names[:2]) == ["lpq_0", "lpq_1"] and len(names) == 256
    codes = lpq.codes(faces)
    assert codes.shape == (20, 21, 21) and codes.dtype == np.uint8
    # The histogram is that of the codes.
    assert_allclose(H[3], np.bincount(codes[3].ravel(), minlength=256) / 21**2)


def test_grid_cells_split_as_array_split(faces):
    lpq = LocalPhaseQuantization(grid=(2, 3)).fit(faces)
    H = lpq.transform(faces)
    assert H.shape == (20, 6 * 256)
    codes = lpq.codes(faces)  # 23 x 23: rows 12 + 11, columns 8 + 8 + 7
    for image, hist in zip(codes, H, strict=True):
        cells = [
            c for band in np.array_split(image, 2, axis=0)
            for c in np.array_split(band, 3, axis=1)
        ]  # fmt: skip
        expected = [np.bincount(c.ravel(), minlength=256) / c.size for c in cells]
        assert_allclose(hist, np.concatenate(expected))
    assert_allclose(H.reshape(20, 6, 256).sum(axis=2), 1.0)
    # A grid as large as the code image: one pixel per cell.
    one = LocalPhaseQuantization(grid=[23, 23]).fit_transform(faces[:2])
    assert one.shape == (2, 23 * 23 * 256) and set(np.unique(one)) == {0.0, 1.0}


def test_pandas_output(faces):
    lpq = LocalPhaseQuantization().set_output(transform="pandas")
    frame = lpq.fit_transform(faces)
    assert list(frame.columns[:3]) == ["lpq_0", "lpq_1", "lpq_2"]
    assert frame.shape == (20, 256)


def test_layouts_agree(faces):
    """Flat rows with image_shape, (n, h, w), 4-D grey, and integer pixels."""
    cropped = faces[:, :, :24]
    H = LocalPhaseQuantization().fit_transform(cropped)
    flat = LocalPhaseQuantization(image_shape=(25, 24)).fit_transform(
        cropped.reshape(20, -1)
    )
    assert_array_equal(flat, H)
    assert_array_equal(LocalPhaseQuantization().fit_transform(cropped[:, None]), H)
    as_int = np.round(cropped * 255).astype(np.uint8)
    assert_array_equal(
        LocalPhaseQuantization().fit_transform(as_int),
        LocalPhaseQuantization().fit_transform(as_int.astype(np.float64) / 255),
    )


def test_colour_is_converted_to_grey(photos):
    rgb = data.astronaut()[100:140, 100:140]
    grey = rgb2gray(rgb)
    lpq = LocalPhaseQuantization(window_size=5)
    expected = lpq.fit_transform(grey[None])
    assert_allclose(lpq.fit_transform(rgb[None]), expected)
    assert_allclose(
        lpq.fit_transform(np.moveaxis(rgb, -1, 0)[None].astype(float)), expected
    )


def test_codes_do_not_depend_on_scale_batch_or_chunks(faces, monkeypatch):
    lpq = LocalPhaseQuantization().fit(faces)
    codes = lpq.codes(faces)
    assert_array_equal(lpq.codes(faces * 1000.0 + 5.0), codes)
    assert_array_equal(lpq.codes(faces[7:8]), codes[7:8])
    # An image's codes do not depend on the other images of the batch.
    mixed = lpq.codes(np.stack([faces[7] * 1e-9, faces[7] * 1e9, faces[7]]))
    assert_array_equal(mixed, codes[[7, 7, 7]])
    monkeypatch.setattr(_lpq, "_CHUNK_PIXELS", 3 * 25 * 25)
    assert_array_equal(lpq.codes(faces), codes)
    assert_array_equal(
        lpq.transform(faces), LocalPhaseQuantization().fit_transform(faces)
    )


def test_flat_image_gives_code_zero():
    flat = np.full((2, 9, 9), 7.0)
    flat[1] = np.add.outer(np.arange(9.0), np.arange(9.0))  # a linear ramp
    for mode in MODES:
        lpq = LocalPhaseQuantization(frequency_estimation=mode, decorrelate=False)
        assert (lpq.fit(flat).codes(flat)[0] == 0).all()
    assert (LocalPhaseQuantization().fit(flat).codes(flat)[0] == 0).all()


def test_torch_threads_are_restored(faces):
    before = torch.get_num_threads()
    LocalPhaseQuantization().fit_transform(faces)
    assert torch.get_num_threads() == before
    with pytest.raises(ValueError):  # also when the computation fails
        with _lpq._one_torch_thread():
            raise ValueError
    assert torch.get_num_threads() == before


def test_pickle_round_trip(faces):
    lpq = LocalPhaseQuantization(window_size=5, grid=(2, 2)).fit(faces)
    restored = pickle.loads(pickle.dumps(lpq))
    assert_array_equal(restored.transform(faces), lpq.transform(faces))


@pytest.mark.parametrize(
    "params, X, match",
    [
        ({"window_size": 4}, np.zeros((2, 9, 9)), r"window_size=4\).*odd"),
        ({"window_size": 1}, np.zeros((2, 9, 9)), "window_size"),
        ({"window_size": 7}, np.zeros((2, 6, 9)), r"at least 7x7.*6x9"),
        ({"grid": (4, 4)}, np.zeros((2, 5, 5)), r"grid=\(4, 4\).*3x3"),
        ({"grid": (0, 2)}, np.zeros((2, 9, 9)), "grid must be a pair"),
        ({"grid": (2, 2.0)}, np.zeros((2, 9, 9)), "grid must be a pair"),
        ({"grid": (1, 2, 3)}, np.zeros((2, 9, 9)), "grid must be a pair"),
        ({"grid": 2}, np.zeros((2, 9, 9)), "grid"),
        ({"rho": 1.0}, np.zeros((2, 9, 9)), "rho"),
        ({"rho": 0}, np.zeros((2, 9, 9)), "rho"),
        ({"frequency_estimation": "fft"}, np.zeros((2, 9, 9)), "frequency_estimation"),
        ({}, np.full((2, 9, 9), np.nan), "NaN"),
        ({}, np.zeros((2, 10)), "not a square"),
        ({}, np.zeros((2, 4, 9, 9)), "channels"),
    ],
)
def test_bad_input_is_refused_before_computing(params, X, match, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("computed although the input was invalid")

    monkeypatch.setattr(_lpq, "_responses", refuse)
    with pytest.raises(ValueError, match=match):
        LocalPhaseQuantization(**params).fit(X)


def test_transform_refuses_other_shapes_and_nan(faces):
    lpq = LocalPhaseQuantization().fit(faces)
    with pytest.raises(ValueError, match="25x20 images.*fitted on 25x25"):
        lpq.transform(faces[:, :, :20])
    with pytest.raises(ValueError, match="25x20 images.*fitted on 25x25"):
        lpq.codes(faces[:, :, :20])
    bad = faces.copy()
    bad[0, 3, 3] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        lpq.codes(bad)
    with pytest.raises(NotFittedError):
        LocalPhaseQuantization().codes(faces)


class _BlockLPQ(LocalPhaseQuantization):
    """LPQ reading each pixel of its input as a 3x3 block, so that
    scikit-learn's generic data (1 to 10 features) are images it can code."""

    def _grey(self, X, reset):
        images = super()._grey(X, reset)
        return np.kron(images, np.ones((1, 3, 3)))


@parametrize_with_checks([_BlockLPQ(image_shape=(1, -1))])
def test_every_scikit_learn_check_passes_on_images_large_enough(estimator, check):
    check(estimator)
