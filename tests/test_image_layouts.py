"""One image layout convention across transformers and classifiers.

skneuro reads 4-D images as channels-first ``(n, channels, height, width)``;
channels-last ``(n, height, width, channels)`` images, as matplotlib and
scikit-image hold colour, are read as such when the shape says so, or when
``data_format`` does, and a shape that could be either is refused.
"""

import numpy as np
import pytest

from skneuro import GoogLeNetClassifier, PoolInterpolate, SmallCNN
from skneuro.utils._images import as_image_batch, image_dims, resolve_data_format

IMAGE_ESTIMATORS = [
    PoolInterpolate,
    lambda **kw: SmallCNN(max_epochs=1, random_state=0, **kw),
    lambda **kw: GoogLeNetClassifier(input_size=16, max_epochs=1, **kw),
]


@pytest.fixture(scope="module")
def colour():
    """20 colour images of 16x12 pixels, channels-last, and two labels."""
    rng = np.random.default_rng(0)
    images = rng.random((20, 16, 12, 3)).astype(np.float32)
    return images, np.arange(20) % 2


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        ((5, 3, 16, 12), "channels_first"),
        ((5, 1, 28, 28), "channels_first"),
        ((5, 16, 12, 3), "channels_last"),
        ((5, 28, 28, 1), "channels_last"),
        ((5, 64, 64, 4), "channels_last"),
    ],
)
def test_auto_reads_the_layout_from_an_unambiguous_shape(shape, expected):
    assert resolve_data_format(shape) == expected


@pytest.mark.parametrize("shape", [(5, 3, 4, 3), (5, 1, 2, 2), (5, 16, 28, 28)])
def test_auto_refuses_a_shape_that_could_be_either(shape):
    with pytest.raises(ValueError, match="data_format='channels_first' or"):
        resolve_data_format(shape)
    assert resolve_data_format(shape, "channels_first") == "channels_first"


def test_layout_helpers_agree():
    X = np.arange(2 * 6 * 5 * 3).reshape(2, 6, 5, 3)
    assert image_dims(X.shape) == (3, 6, 5)
    batch = as_image_batch(X)
    assert batch.shape == (2, 3, 6, 5)
    np.testing.assert_array_equal(batch[1, 2], X[1, :, :, 2])


def test_a_red_pixel_stays_red_through_pool_interpolate():
    """Issue: channels-last colour was pooled across the colour axis (pink)."""
    images = np.zeros((1, 8, 8, 3))
    images[..., 0] = 1.0  # all red
    restored = PoolInterpolate(pool_size=2).fit_transform(images)
    assert restored.shape == images.shape
    np.testing.assert_allclose(restored, images, atol=1e-12)


def test_pool_interpolate_pools_each_channel_in_either_layout(colour):
    images, _ = colour
    first = np.moveaxis(images, -1, 1)
    last_out = PoolInterpolate(3, 1).fit_transform(images)
    first_out = PoolInterpolate(3, 1).fit_transform(first)
    assert last_out.shape == images.shape and last_out.flags.c_contiguous
    np.testing.assert_allclose(np.moveaxis(last_out, -1, 1), first_out, atol=1e-6)
    pi = PoolInterpolate(2).fit(images)
    assert pi.data_format_ == "channels_last" and pi.image_shape_ == (16, 12)
    pooled = pi.downsample(images)
    assert pooled.shape == (20, 8, 6, 3)
    np.testing.assert_allclose(pi.upsample(pooled), pi.transform(images), atol=1e-6)
    names = pi.get_feature_names_out()
    # Named pixel_<channel>_<row>_<column>, in the order of the output's values.
    assert list(names[:4]) == [
        "pixel_0_0_0",
        "pixel_1_0_0",
        "pixel_2_0_0",
        "pixel_0_0_1",
    ]
    assert len(names) == pi.transform(images)[0].size


def test_pool_interpolate_reads_later_input_as_it_was_fitted(colour):
    images, _ = colour
    pi = PoolInterpolate(2).fit(images)
    with pytest.raises(ValueError, match=r"images of shape \(3, 16\).*channels-last"):
        pi.transform(np.moveaxis(images, -1, 1))


@pytest.mark.parametrize("make", IMAGE_ESTIMATORS)
def test_image_estimators_refuse_an_ambiguous_shape(make):
    X = np.zeros((4, 3, 4, 3), dtype=np.float32)
    with pytest.raises(ValueError, match="data_format="):
        est = make()
        est.fit(X) if isinstance(est, PoolInterpolate) else est.fit(X, [0, 1, 0, 1])


def test_small_cnn_learns_the_same_from_either_layout(colour):
    """Issue: SmallCNN trained on 16-channel 16x3 images without a word."""
    images, y = colour
    last = SmallCNN(max_epochs=2, random_state=0).fit(images, y)
    assert (last.n_channels_, last.image_shape_) == (3, (16, 12))
    assert last.data_format_ == "channels_last"
    first = SmallCNN(max_epochs=2, random_state=0).fit(np.moveaxis(images, -1, 1), y)
    assert first.data_format_ == "channels_first"
    np.testing.assert_array_equal(
        last.predict_proba(images), first.predict_proba(np.moveaxis(images, -1, 1))
    )
    with pytest.raises(ValueError, match="pass the images in the layout of fit"):
        last.predict(np.moveaxis(images, -1, 1))


def test_small_cnn_takes_an_explicit_layout(colour):
    images, y = colour
    cnn = SmallCNN(max_epochs=1, random_state=0, data_format="channels_last")
    X = np.ascontiguousarray(images[:, :4, :3, :])  # (n, 4, 3, 3): ambiguous
    assert cnn.fit(X, y).n_channels_ == 3 and cnn.image_shape_ == (4, 3)
    assert cnn.predict(X).shape == y.shape


def test_googlenet_takes_channels_last_colour(colour):
    """Issue: GoogLeNetClassifier failed with "got 16 channels"."""
    images, y = colour
    clf = GoogLeNetClassifier(input_size=16, max_epochs=1, random_state=0)
    clf.fit(images, y)
    assert clf.n_channels_ == 3 and clf.data_format_ == "channels_last"
    assert clf.predict_proba(images).shape == (20, 2)
