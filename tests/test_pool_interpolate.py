"""Tests of PoolInterpolate: agreement with scipy, layouts, dtypes and errors."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.interpolate import RectBivariateSpline, RegularGridInterpolator
from sklearn import config_context
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skneuro.preprocessing import PoolInterpolate
from skneuro.preprocessing._pool_interpolate import _separable_product

# The four cases of Buell, "Approximate Computation Image Classification", on
# 28x28 MNIST: (window, stride) -> pooled side.
BUELL_CASES = [(2, 1, 27), (2, 2, 14), (3, 1, 26), (3, 2, 13)]
METHODS = ["nearest", "linear", "cubic"]


def _average_pool(image, pool_size, stride):
    """Per-image average pooling with a plain loop (valid windows only)."""
    (ph, pw), (sh, sw) = pool_size, stride
    h, w = image.shape
    rows, cols = (h - ph) // sh + 1, (w - pw) // sw + 1
    pooled = np.empty((rows, cols))
    for i in range(rows):
        for j in range(cols):
            pooled[i, j] = image[i * sh : i * sh + ph, j * sw : j * sw + pw].mean()
    return pooled


def _reference(image, pool_size, stride, method):
    """Buell's way, one image at a time: pool, then scipy interpolation."""
    pooled = _average_pool(image, pool_size, stride)
    xp, yp = (np.linspace(0, 1, n) for n in pooled.shape)
    x, y = (np.linspace(0, 1, n) for n in image.shape)
    if method == "nearest":
        grid = np.stack(np.meshgrid(x, y, indexing="ij"), axis=-1)
        return RegularGridInterpolator((xp, yp), pooled, method="nearest")(grid)
    k = {"linear": 1, "cubic": 3}[method]
    return RectBivariateSpline(xp, yp, pooled, kx=k, ky=k, s=0)(x, y)


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).random((24, 28, 28))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("pool, stride, side", BUELL_CASES)
def test_matches_scipy_reference(images, pool, stride, side, method):
    X = images[:3]
    pi = PoolInterpolate(pool_size=pool, stride=stride, method=method)
    Xt = pi.fit_transform(X.reshape(3, -1))
    expected = np.stack([_reference(x, (pool,) * 2, (stride,) * 2, method) for x in X])
    assert pi.pooled_shape_ == (side, side)
    assert_allclose(Xt.reshape(X.shape), expected, atol=1e-5, rtol=0)
    # float32 within the same tolerance
    Xt32 = pi.transform(X.reshape(3, -1).astype(np.float32))
    assert_allclose(Xt32.reshape(X.shape), expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("method", METHODS)
def test_matches_reference_non_square(method):
    rng = np.random.default_rng(1)
    X = rng.random((2, 20, 31))
    pi = PoolInterpolate(pool_size=(2, 3), stride=(1, 2), method=method)
    Xt = pi.fit_transform(X)
    expected = np.stack([_reference(x, (2, 3), (1, 2), method) for x in X])
    assert pi.pooled_shape_ == (19, 15)
    assert_allclose(Xt, expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("pool, stride, side", BUELL_CASES)
def test_compression_ratio_exact(images, pool, stride, side):
    pi = PoolInterpolate(pool_size=pool, stride=stride).fit(images[:2])
    assert pi.image_shape_ == (28, 28)
    assert pi.compression_ratio_ == side * side / 784
    assert pi.compression_ratio_ == {27: 729, 14: 196, 26: 676, 13: 169}[side] / 784


def test_stride_defaults_to_pool_size(images):
    a = PoolInterpolate(pool_size=3).fit(images[:2])
    b = PoolInterpolate(pool_size=3, stride=3).fit(images[:2])
    assert a.pooled_shape_ == b.pooled_shape_ == (9, 9)
    assert_array_equal(a.transform(images[:2]), b.transform(images[:2]))


@pytest.mark.parametrize("method", METHODS)
def test_layouts_agree(images, method):
    X3 = images[:6]
    pi = PoolInterpolate(pool_size=2, stride=2, method=method)
    out3 = pi.fit_transform(X3)
    assert out3.shape == X3.shape
    out_flat = clone(pi).fit_transform(X3.reshape(6, -1))
    assert out_flat.shape == (6, 784)
    assert_allclose(out_flat.reshape(X3.shape), out3, atol=1e-12)
    X4 = X3.reshape(3, 2, 28, 28)  # 3 samples of 2 channels
    out4 = clone(pi).fit_transform(X4)
    assert out4.shape == X4.shape
    assert_allclose(out4.reshape(X3.shape), out3, atol=1e-12)
    # Non-square images given flat with an explicit (or partly inferred) shape.
    Xr = X3[:, :, :21]
    expected = clone(pi).fit_transform(Xr)
    for shape in [(28, 21), (-1, 21), (28, -1), [28, 21]]:
        flat = PoolInterpolate(2, 2, method, image_shape=shape).fit(Xr.reshape(6, -1))
        assert flat.image_shape_ == (28, 21)
        assert_allclose(flat.transform(Xr.reshape(6, -1)).reshape(Xr.shape), expected)


def test_image_shape_may_match_nd_input(images):
    pi = PoolInterpolate(image_shape=(28, -1)).fit(images[:2])
    assert pi.image_shape_ == (28, 28)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved(images, dtype):
    X = images[:4].astype(dtype)
    pi = PoolInterpolate(pool_size=3, stride=2, method="cubic").fit(X)
    assert pi.transform(X).dtype == dtype
    assert pi.downsample(X).dtype == dtype
    assert pi.upsample(pi.downsample(X)).dtype == dtype


@pytest.mark.parametrize(
    "dtype, expected",
    [
        (np.float16, np.float32),
        (">f2", np.float32),
        (">f4", np.float32),
        (">f8", np.float64),
    ],
)
def test_half_and_big_endian_floats(images, dtype, expected):
    # float16 is widened to float32, not float64; big-endian floats keep their
    # precision and come out in the native byte order.
    X = images[:4].astype(dtype)
    pi = PoolInterpolate(pool_size=3, stride=2, method="cubic")
    native = clone(pi).fit_transform(X.astype(expected))
    out = pi.fit_transform(X)
    assert out.dtype == np.dtype(expected)  # np.dtype(">f4") != float32
    assert_array_equal(out, native)
    assert pi.transform(X).dtype == np.dtype(expected)
    pooled = pi.downsample(X)
    assert pooled.dtype == np.dtype(expected)
    assert pi.upsample(pooled.astype(dtype)).dtype == np.dtype(expected)
    flat = clone(pi).fit(X.reshape(4, -1))
    assert flat.transform(X.reshape(4, -1)).dtype == np.dtype(expected)


def test_half_float_dataframe_becomes_float32(images):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(images[:3, :4, :4].reshape(3, 16).astype(np.float16))
    assert PoolInterpolate().fit_transform(df).dtype == np.float32


def test_integers_become_float64(images):
    X = (images[:4] * 255).astype(np.uint8)
    out = PoolInterpolate().fit_transform(X)
    assert out.dtype == np.float64
    assert_allclose(out, PoolInterpolate().fit_transform(X.astype(np.float64)))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("pool, stride, side", BUELL_CASES)
def test_downsample_upsample(images, pool, stride, side, method):
    X = images[:5]
    pi = PoolInterpolate(pool_size=pool, stride=stride, method=method).fit(X)
    pooled = pi.downsample(X)
    assert pooled.shape == (5, side, side)
    assert_allclose(pooled[0], _average_pool(X[0], (pool,) * 2, (stride,) * 2))
    assert_allclose(pi.upsample(pooled), pi.transform(X), atol=1e-12)
    # Flat input gives flat pooled rows, which upsample restores to flat rows.
    flat = clone(pi).fit(X.reshape(5, -1))
    pooled_flat = flat.downsample(X.reshape(5, -1))
    assert pooled_flat.shape == (5, side * side)
    assert_allclose(pooled_flat, pooled.reshape(5, -1), atol=1e-12)
    assert flat.upsample(pooled_flat).shape == (5, 784)
    assert_allclose(flat.upsample(pooled_flat), flat.transform(X.reshape(5, -1)))


@pytest.mark.parametrize("pool, stride, side", BUELL_CASES)
def test_pooling_matches_torch(images, pool, stride, side):
    torch = pytest.importorskip("torch")
    X = images[:8].astype(np.float32)
    pooled = PoolInterpolate(pool_size=pool, stride=stride).fit(X).downsample(X)
    expected = torch.nn.functional.avg_pool2d(
        torch.from_numpy(X)[:, None], kernel_size=pool, stride=stride
    )[:, 0].numpy()
    assert_allclose(pooled, expected, atol=1e-6)


def test_large_batch_uses_same_maths(images):
    # Large batches go through torch's matmul; small ones through NumPy's.
    X = np.tile(images[:4], (60, 1, 1)).astype(np.float32)  # 188,160 values
    pi = PoolInterpolate(pool_size=3, stride=2, method="cubic").fit(X)
    assert_allclose(pi.transform(X)[:4], pi.transform(X[:4]), atol=1e-6)


def test_large_batch_in_chunks(images, monkeypatch):
    import skneuro.preprocessing._pool_interpolate as module

    X = np.tile(images[:4], (60, 1, 1))  # 188,160 values
    pi = PoolInterpolate(pool_size=2, stride=1, method="cubic").fit(X)
    expected = pi.transform(X)
    # 240 images in chunks of 7 (intermediate of 28 x (28 + 1) per image).
    monkeypatch.setattr(module, "_CHUNK_SIZE", 7 * 28 * 29)
    assert_allclose(pi.transform(X), expected, atol=1e-12)
    X[-1, 3, 3] = np.inf
    with pytest.raises(ValueError, match="Input X contains infinity"):
        pi.transform(X)


def test_concurrent_transforms_share_no_buffer(images):
    # Large batches (torch path) transformed at once from several threads:
    # each thread's intermediate products must stay its own.
    from concurrent.futures import ThreadPoolExecutor

    batches = [
        np.tile(images[:4], (60, 1, 1)).astype(np.float32) * (i + 1) for i in range(4)
    ]
    pi = PoolInterpolate(pool_size=2, stride=1, method="cubic").fit(batches[0])
    expected = [pi.transform(X) for X in batches]
    with ThreadPoolExecutor(4) as pool:
        for _ in range(3):
            results = list(pool.map(pi.transform, batches))
            for got, want in zip(results, expected, strict=True):
                assert_array_equal(got, want)


def test_image_larger_than_a_chunk(images, monkeypatch):
    import skneuro.preprocessing._pool_interpolate as module

    X = np.tile(images[:4], (60, 1, 1))
    pi = PoolInterpolate(pool_size=3, stride=1, method="linear").fit(X)
    expected = pi.transform(X)
    # One image's intermediate (28 x 29 values) is more than a chunk holds.
    monkeypatch.setattr(module, "_CHUNK_SIZE", 100)
    assert_allclose(pi.transform(X), expected, atol=1e-12)


def test_constant_axis_when_pooled_to_one():
    X = np.random.default_rng(2).random((3, 4, 8))
    for method in METHODS:
        pi = PoolInterpolate(pool_size=(4, 2), method=method).fit(X)
        assert pi.pooled_shape_ == (1, 4)
        out = pi.transform(X)
        assert_allclose(out, np.broadcast_to(out[:, :1, :], out.shape))
        assert_allclose(out[:, 0, 0], X[:, :, :2].mean(axis=(1, 2)))


def test_constant_image_is_preserved():
    X = np.full((2, 28, 28), 0.7)
    for method in METHODS:
        out = PoolInterpolate(pool_size=3, stride=2, method=method).fit_transform(X)
        assert_allclose(out, X)


def test_in_pipeline_with_standard_scaler(images):
    X = images[:10].reshape(10, -1)
    pipe = make_pipeline(PoolInterpolate(pool_size=2, stride=2), StandardScaler())
    out = pipe.fit_transform(X)
    assert out.shape == X.shape
    expected = StandardScaler().fit_transform(PoolInterpolate(2, 2).fit_transform(X))
    assert_allclose(out, expected)


def test_feature_names_out_and_pandas_output(images):
    pd = pytest.importorskip("pandas")
    X = images[:3, :4, :4].reshape(3, 16)
    pi = PoolInterpolate().fit(X)
    assert_array_equal(pi.get_feature_names_out(), [f"x{i}" for i in range(16)])
    columns = [f"p{i}" for i in range(16)]
    df = pd.DataFrame(X, columns=columns)
    pi.set_output(transform="pandas")
    out = pi.fit_transform(df)
    assert list(out.columns) == columns
    assert_allclose(out.to_numpy(), PoolInterpolate().fit_transform(X))
    assert_array_equal(pi.get_feature_names_out(), columns)


def test_feature_names_out_nd_input_name_pixels(images):
    # Image-shaped input: one name per pixel, in the order of the output
    # flattened with reshape(n_samples, -1); n_features_in_ stays X.shape[1].
    pi = PoolInterpolate().fit(images[:2, :3, :4])
    assert pi.n_features_in_ == 3
    names = pi.get_feature_names_out()
    assert len(names) == 12 == pi.transform(images[:2, :3, :4])[0].size
    assert names[0] == "pixel_0_0" and names[1] == "pixel_0_1"
    assert names[4] == "pixel_1_0" and names[-1] == "pixel_2_3"
    X4 = images[:4, :3, :4].reshape(2, 2, 3, 4)  # 2 channels of 3x4 images
    pi4 = PoolInterpolate(data_format="channels_first").fit(X4)
    assert pi4.n_features_in_ == 2
    names4 = pi4.get_feature_names_out()
    assert len(names4) == 24
    assert list(names4[:2]) == ["pixel_0_0_0", "pixel_0_0_1"]
    assert names4[12] == "pixel_1_0_0" and names4[-1] == "pixel_1_2_3"
    assert names4.dtype == object
    with pytest.raises(ValueError, match="input_features is only supported for flat"):
        pi.get_feature_names_out(["a", "b", "c"])


@pytest.mark.parametrize("ndim", [3, 4])
@pytest.mark.parametrize("how", ["set_output", "config_context"])
def test_pandas_output_nd_input_is_a_clear_error(images, monkeypatch, ndim, how):
    pytest.importorskip("pandas")
    import skneuro.preprocessing._pool_interpolate as module

    X = images[:2] if ndim == 3 else images[:2, None]

    def no_work(*args, **kwargs):
        raise AssertionError("the images were transformed before the error")

    pi = PoolInterpolate()
    if how == "set_output":
        pi.set_output(transform="pandas")
        context = config_context()
    else:
        context = config_context(transform_output="pandas")
    with context:
        pi.fit(X)  # fit returns no data: allowed
        monkeypatch.setattr(module, "_separable_product", no_work)
        msg = r"pandas output needs flat input.*X\.reshape\(n_samples, -1\)"
        with pytest.raises(ValueError, match=msg):
            pi.transform(X)
        with pytest.raises(ValueError, match=msg):
            clone(pi).fit_transform(X)
        with pytest.raises(ValueError, match=r'2-channel.*transform="default"'):
            clone(pi).fit_transform(np.stack([X, X], axis=1).reshape(2, 2, 28, 28))
    # The flat layout of the same images gives one column per pixel.
    monkeypatch.undo()
    flat = clone(pi).set_output(transform="pandas").fit(X.reshape(2, -1))
    df = flat.transform(X.reshape(2, -1))
    assert df.shape == (2, 784)
    assert_allclose(df.to_numpy().reshape(X.shape), PoolInterpolate().fit_transform(X))


def test_input_not_modified_and_read_only_ok(images):
    X = np.tile(images[:4], (60, 1, 1))
    X.flags.writeable = False
    before = X.copy()
    PoolInterpolate(pool_size=3, stride=1).fit_transform(X)
    assert_array_equal(X, before)


def test_fit_does_not_depend_on_values(images):
    pi = PoolInterpolate(method="cubic").fit(images[:3])
    other = PoolInterpolate(method="cubic").fit(np.zeros((1, 28, 28)))
    assert_array_equal(pi.transform(images[3:6]), other.transform(images[3:6]))


# -- errors -------------------------------------------------------------------


def test_error_flat_not_square():
    with pytest.raises(ValueError, match="not a square number.*image_shape"):
        PoolInterpolate().fit(np.zeros((2, 12)))


@pytest.mark.parametrize(
    "image_shape, match",
    [
        ((5, 5), r"image_shape=\(5, 5\) has 25 pixels, but X has 24 features"),
        ((-1, 5), r"image_shape=\(-1, 5\) does not match X with 24 features"),
        ((-1, -1), "image_shape must be a pair"),
        ((0, 24), "image_shape must be a pair"),
        ((2, 3, 4), "image_shape must be a pair"),
        ((2.0, 12), "image_shape must be a pair"),
    ],
)
def test_error_image_shape_mismatch(image_shape, match):
    with pytest.raises(ValueError, match=match):
        PoolInterpolate(image_shape=image_shape).fit(np.zeros((2, 24)))


def test_error_image_shape_disagrees_with_nd_input():
    with pytest.raises(ValueError, match=r"image_shape=\(8, 8\) does not match"):
        PoolInterpolate(image_shape=(8, 8)).fit(np.zeros((2, 6, 6)))


@pytest.mark.parametrize(
    "X", [np.zeros((2, 1, 5)), np.zeros((2, 3, 2, 2)), np.zeros((2, 4))]
)
def test_error_window_larger_than_image(X):
    with pytest.raises(ValueError, match="pool_size=.* is larger than the images"):
        PoolInterpolate(pool_size=3, data_format="channels_first").fit(X)


@pytest.mark.parametrize("param", ["pool_size", "stride"])
@pytest.mark.parametrize("value", [0, -1, (2, 0), (1, 2, 3), (1.5, 2), "2"])
def test_error_pool_size_and_stride_below_one(param, value):
    with pytest.raises(ValueError, match=param):
        PoolInterpolate(**{param: value}).fit(np.zeros((2, 8, 8)))


def test_error_unknown_method():
    with pytest.raises(ValueError, match="method"):
        PoolInterpolate(method="bilinear").fit(np.zeros((2, 8, 8)))


@pytest.mark.parametrize("method, pooled", [("cubic", 3), ("cubic", 2)])
def test_error_too_few_pooled_points(method, pooled):
    X = np.zeros((2, pooled * 2, 28))
    with pytest.raises(ValueError, match=rf"method='cubic'.*pooled shape \({pooled}, "):
        PoolInterpolate(pool_size=2, method=method).fit(X)


def test_linear_needs_two_points_or_one():
    X = np.zeros((2, 2, 8))
    assert PoolInterpolate(pool_size=2, stride=1).fit(X).pooled_shape_ == (1, 7)
    assert PoolInterpolate(pool_size=1, method="cubic").fit(np.zeros((1, 1, 4)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("method", ["fit", "fit_transform", "transform", "downsample"])
def test_error_non_finite(images, bad, method):
    X = images[:3].copy()
    X[1, 5, 7] = bad
    pi = PoolInterpolate(pool_size=3)
    if method in ("transform", "downsample"):
        pi.fit(images[:3])
    with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
        getattr(pi, method)(X)


def test_error_non_finite_large_batch(images):
    X = np.tile(images[:4], (60, 1, 1)).astype(np.float32)
    X[-1, -1, -1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        PoolInterpolate().fit_transform(X)
    with pytest.raises(ValueError, match="Input X_pooled contains NaN"):
        PoolInterpolate().fit(images[:1]).upsample(np.full((1, 14, 14), np.nan))


def test_huge_finite_values_are_accepted():
    # Row sums overflow float32, but every value is finite.
    X = np.full((2, 4, 4), np.finfo(np.float32).max, dtype=np.float32)
    out = PoolInterpolate(pool_size=2, stride=2, method="nearest").fit_transform(X)
    assert out.shape == X.shape


def test_assume_finite_skips_check(images):
    X = images[:2].copy()
    X[0, 0, 0] = np.nan
    with config_context(assume_finite=True):
        out = PoolInterpolate().fit_transform(X)
    assert np.isnan(out[0]).any() and np.isfinite(out[1]).all()


def test_error_1d_input():
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        PoolInterpolate().fit(np.zeros(16))


def test_error_shape_differs_from_fit(images):
    pi = PoolInterpolate().fit(images[:2])
    with pytest.raises(ValueError, match=r"images of shape \(28, 20\).*\(28, 28\)"):
        pi.transform(images[:2, :, :20])
    with pytest.raises(ValueError, match=r"images of shape \(20, 28\).*\(28, 28\)"):
        pi.transform(images[:2, :20, :])
    with pytest.raises(ValueError, match="X has 2 dimensions.*3-dimensional"):
        pi.transform(images[:2].reshape(2, -1))
    with pytest.raises(ValueError, match="X has 2 channels.*with 1 channels"):
        PoolInterpolate().fit(images[:2, None]).transform(
            images[:2].reshape(1, 2, 28, 28)
        )
    flat = PoolInterpolate().fit(images[:2].reshape(2, -1))
    with pytest.raises(ValueError, match="X has 400 features.*expecting 784"):
        flat.transform(images[:2, :20, :20].reshape(2, -1))


def test_error_upsample_wrong_shape(images):
    pi = PoolInterpolate().fit(images[:2])
    with pytest.raises(ValueError, match=r"pooled images are of shape \(14, 14\)"):
        pi.upsample(np.zeros((2, 13, 14)))
    with pytest.raises(ValueError, match=r"X_pooled has 100 features.*\(14, 14\)"):
        pi.upsample(np.zeros((2, 100)))


def test_not_fitted():

    for method in ("transform", "downsample", "upsample"):
        with pytest.raises(NotFittedError):
            getattr(PoolInterpolate(), method)(np.zeros((2, 16)))


def test_separable_product_matches_einsum():
    rng = np.random.default_rng(3)
    X = rng.random((5, 7, 9))
    A_h, A_w = rng.random((4, 7)), rng.random((11, 9))
    out, finite = _separable_product(X, A_h, A_w, check_finite=True)
    assert finite
    assert_allclose(out, np.einsum("ik,bkl,jl->bij", A_h, X, A_w))


@pytest.mark.parametrize("method", ["fit", "fit_transform"])
def test_failed_refit_leaves_no_stale_state(method):
    rng = np.random.default_rng(0)
    pi = PoolInterpolate().fit(rng.random((5, 784)))
    with pytest.raises(ValueError, match="square"):
        getattr(pi, method)(rng.random((5, 10)))
    with pytest.raises(NotFittedError):
        pi.transform(rng.random((784, 10)))


def test_the_matrix_cache_is_bounded_by_bytes(monkeypatch):
    """Issue: 128 entries of any size (a 1x4000 image kept 369 MB)."""
    from skneuro.preprocessing import _pool_interpolate as module

    cache = module._MatrixCache(max_bytes=1 << 20)
    monkeypatch.setattr(module, "_axis_matrices", cache)
    X = np.zeros((1, 1, 400), dtype=np.float32)  # a 400-pixel axis: 5.8 MB
    PoolInterpolate(pool_size=(1, 2)).fit_transform(X)
    assert cache.n_bytes < 1 << 20  # too large to keep, but computed
    for width in range(20, 80, 4):  # many small axes: the oldest go first
        PoolInterpolate(pool_size=(1, 2)).fit(np.zeros((1, 1, width)))
    assert 0 < cache.n_bytes <= 1 << 20
    first = cache(28, 2, 2, "linear")
    assert cache(28, 2, 2, "linear") is first  # a hit returns the same arrays
