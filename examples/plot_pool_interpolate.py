"""
=====================================================
Pooling and interpolating images back (Buell's cases)
=====================================================

Buell, "Approximate Computation Image Classification", stores each 28x28
MNIST digit average-pooled, with a 2x2 or 3x3 window and a stride of 1 or 2
(27x27, 14x14, 26x26 or 13x13 pixels), then rebuilds it at 28x28 with a
linear spline before a small CNN classifies it. The question is how much of
the image can be thrown away before the classifier notices.

:class:`skneuro.PoolInterpolate` does both steps, pooling and interpolating
back, for a whole batch of images at once. This example shows what the four
cases keep of the digits, how many pixels each stores and how far each
rebuilt image is from the original, and compares the three interpolation
methods.

MNIST does not ship with the install, so the example uses scikit-learn's
8x8 digits enlarged to 28x28 (MNIST's size) as a stand-in, as the
``skneuro study pool-interpolate`` command does without ``--data``.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from skimage.transform import resize

from skneuro import ImageComparisonDisplay, PoolInterpolate, load_digits_images

# %%
# The digits, enlarged to MNIST's size
# ------------------------------------
#
# :func:`skneuro.load_digits_images` returns the 1797 digits as 8x8 images
# with values 0..16. Scaled to [0, 1] and enlarged to 28x28 with a bilinear
# resize, they stand in for MNIST's digits.

digits = load_digits_images()
small = digits.images / 16.0
X = resize(small, (len(small), 28, 28), order=1).astype(np.float32)
print(f"shipped digits: {small.shape}, enlarged: {X.shape} {X.dtype}")

# %%
# One case step by step
# ---------------------
#
# With a 2x2 window and a stride of 2, the 28x28 image is stored as 14x14
# averages, a quarter of its pixels. :meth:`~skneuro.PoolInterpolate.downsample`
# returns what would be stored, :meth:`~skneuro.PoolInterpolate.upsample`
# rebuilds the full-size image from it, and
# :meth:`~skneuro.PoolInterpolate.transform` does both at once (it is what a
# :class:`~sklearn.pipeline.Pipeline` calls). Images go in as ``(n, h, w)``
# arrays here; flat rows of pixels work too.

pool = PoolInterpolate(pool_size=2, stride=2).fit(X)
stored = pool.downsample(X)
rebuilt = pool.upsample(stored)
print(f"image shape: {pool.image_shape_}, pooled shape: {pool.pooled_shape_}")
print(f"stored: {stored.shape}, rebuilt: {rebuilt.shape}")
print(f"pixels stored: {pool.compression_ratio_:.0%} of the original")
print("transform == upsample(downsample):", np.allclose(pool.transform(X), rebuilt))

# %%
# :class:`skneuro.ImageComparisonDisplay` draws the original digits, the
# stored (pooled) ones and the rebuilt ones, one row each. Each row has its
# own grey scale, from its darkest to its lightest pixel.

ImageComparisonDisplay.from_transformer(
    pool, X, n_images=6, title="2x2 window, stride 2: original, stored, rebuilt"
)

# %%
# Buell's four cases
# ------------------
#
# A stride of 1 keeps almost every pixel (the windows overlap) but blurs the
# digit; a stride of 2 stores a quarter of the pixels or fewer. The
# reconstruction error is the mean squared difference between the rebuilt
# and the original images (pixel values in [0, 1]), over all 1797 digits;
# the time is that of one :meth:`~skneuro.PoolInterpolate.transform` of the
# whole batch (best of 5).

CASES = [(2, 1), (2, 2), (3, 1), (3, 2)]

print(f"{'case':>6} {'stored':>7} {'pixels kept':>12} {'MSE':>8} {'time (ms)':>10}")
restored = {}
for window, stride in CASES:
    case = PoolInterpolate(pool_size=window, stride=stride).fit(X)
    elapsed = []
    for _ in range(5):
        start = time.perf_counter()
        out = case.transform(X)
        elapsed.append(time.perf_counter() - start)
    mse = float(np.mean((out - X) ** 2))
    h, w = case.pooled_shape_
    label = f"{window}x{window}/{stride}"
    restored[f"{label}\n{h}x{w}"] = out[:6]
    print(
        f"{label:>6} {f'{h}x{w}':>7} {case.compression_ratio_:12.1%} "
        f"{mse:8.5f} {1000 * min(elapsed):10.1f}"
    )

# %%
# Side by side, the first six digits as given and as rebuilt in each case
# (row labels: window/stride, then the stored size). The window's size
# matters more than the number of pixels stored: 3x3 windows blur the
# strokes even when they overlap.

rows = {"original\n28x28": X[:6], **restored}
display = ImageComparisonDisplay(rows).plot(title="Rebuilt at 28x28 from each case")

# %%
# Nearest, linear or cubic interpolation
# --------------------------------------
#
# Buell interpolates linearly. ``method="nearest"`` repeats each stored
# value, which gives blocky digits, and ``method="cubic"`` fits a cubic
# spline, which needs at least 4 stored values per axis. The plot shows the
# reconstruction error of each method against the share of pixels stored:
# lower and further left is better. Cubic splines gain most where the stored
# grid is coarse but sharp (2x2/2); nearest-neighbour copies are always the
# worst.

methods = ["nearest", "linear", "cubic"]
errors = {method: [] for method in methods}
ratios = []
for window, stride in CASES:
    for method in methods:
        case = PoolInterpolate(pool_size=window, stride=stride, method=method)
        out = case.fit_transform(X)
        errors[method].append(float(np.mean((out - X) ** 2)))
    ratios.append(case.compression_ratio_)

fig, ax = plt.subplots(figsize=(6.4, 4.2))
for method, marker in zip(methods, ["s", "o", "^"], strict=True):
    ax.plot(100 * np.array(ratios), errors[method], marker, label=method, ms=8)
for (window, stride), ratio, mse in zip(CASES, ratios, errors["linear"], strict=True):
    ax.annotate(
        f"{window}x{window}/{stride}",
        (100 * ratio, mse),
        textcoords="offset points",
        xytext=(8, -4),
    )
ax.set_xlabel("pixels stored (% of the 28x28 image)")
ax.set_ylabel("reconstruction MSE (pixel values in [0, 1])")
ax.set_title("Reconstruction error by case and interpolation method")
ax.set_xlim(0, 110)
ax.legend(title="method")
fig.tight_layout()

for method in methods:
    print(f"{method:>8}: " + ", ".join(f"{e:.5f}" for e in errors[method]))

# %%
# The smallest images
# -------------------
#
# On the shipped 8x8 digits themselves, a 3x3 window with a stride of 2
# stores only 3x3 values: enough for a linear spline, too few for a cubic
# one, which :class:`~skneuro.PoolInterpolate` refuses with a message that
# says why.

print(PoolInterpolate(3, 2).fit(small).pooled_shape_)
try:
    PoolInterpolate(3, 2, method="cubic").fit(small)
except ValueError as error:
    print(error)

plt.show()
