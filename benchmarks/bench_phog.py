"""Throughput of PyramidHOG against the same maths one image at a time, and
against scikit-image's HOG for scale.

On grey crops (64x64 and 128x128) cut at random from scikit-image's sample
photographs, with PyramidHOG's defaults (8 bins over 360 degrees, levels
0..3, MATLAB's automatic Canny thresholds), times (median of several
interleaved repeats, each a run of back-to-back calls lasting at least
``--min-time``):

- ``PyramidHOG().fit_transform(images)`` on the ``(n, h, w)`` batch;
- a direct per-image port of the same maths, as one would write it from the
  reference's MATLAB: for each image, the smoothed Sobel magnitude and its
  64-bin histogram for the thresholds, ``skimage.feature.canny``,
  ``np.gradient``, then a loop over the levels and cells, each cell's
  histogram by ``np.histogram(..., weights=magnitude)``. Checked to give
  the same features;
- ``skimage.feature.hog`` per image with its defaults (9 orientations,
  8x8-pixel cells, 3x3-cell blocks): a different descriptor, shown for
  scale only.

Prints throughput (images/s), the ratio PyramidHOG / port with PASS or FAIL
against its target (> 1: faster than the per-image port) and PyramidHOG /
hog for information. Run: ``python benchmarks/bench_phog.py [--quick]``.
"""

import argparse
import os
import platform
import sys
import time

import numpy as np

SIZES = (64, 128)
# PyramidHOG must be faster than the per-image port by at least this.
TARGET = 1.0
# MATLAB's edge(I, 'canny') smoothing, PyramidHOG's default.
SIGMA = float(np.sqrt(2.0))


def sample_crops(n, size, seed):
    """``n`` grey ``size x size`` crops of scikit-image's photographs."""
    from skimage import color, data

    photos = [
        data.camera(),
        color.rgb2gray(data.astronaut()) * 255,
        color.rgb2gray(data.coffee()) * 255,
        color.rgb2gray(data.chelsea()) * 255,
        data.coins(),
        data.moon(),
    ]
    rng = np.random.default_rng(seed)
    crops = []
    for i in range(n):
        photo = photos[i % len(photos)]
        r = rng.integers(0, photo.shape[0] - size + 1)
        c = rng.integers(0, photo.shape[1] - size + 1)
        crops.append(photo[r : r + size, c : c + size])
    return np.stack(crops).astype(np.float64)


def port_one_image(image, n_bins=8, angle=360, levels=3, sigma=SIGMA):
    """PHOG of one image, written directly: canny, then loops over cells."""
    from scipy import ndimage as ndi
    from skimage.feature import canny
    from skimage.filters import gaussian

    # MATLAB's automatic thresholds on canny's own magnitude.
    smoothed = gaussian(image, sigma=sigma, mode="constant", preserve_range=True)
    smoothed /= (
        gaussian(np.ones_like(image), sigma=sigma, mode="constant")
        + np.finfo(float).eps
    )
    di, dj = ndi.sobel(smoothed, axis=0), ndi.sobel(smoothed, axis=1)
    magnitude = np.sqrt(di * di + dj * dj)
    peak = magnitude.max()
    scaled = magnitude / peak if peak > 0 else magnitude
    counts = np.bincount(np.floor(scaled.ravel() * 63 + 0.5).astype(int), minlength=64)
    k = np.argmax(np.cumsum(counts) > 0.7 * image.size) + 1
    high = k / 64 * peak
    edges = canny(image, sigma, 0.4 * high, high)

    gy, gx = np.gradient(image)
    weight = np.where(edges, np.hypot(gx, gy), 0.0)
    theta = np.degrees(np.arctan2(gy, gx)) % angle
    h, w = image.shape
    parts = []
    for level in range(levels + 1):
        cells = 2**level
        rows = np.arange(cells + 1) * h // cells
        cols = np.arange(cells + 1) * w // cells
        for i in range(cells):
            for j in range(cells):
                cell = (slice(rows[i], rows[i + 1]), slice(cols[j], cols[j + 1]))
                mask = edges[cell]
                hist, _ = np.histogram(
                    theta[cell][mask],
                    bins=n_bins,
                    range=(0, angle),
                    weights=weight[cell][mask],
                )
                parts.append(hist)
    p = np.concatenate(parts)
    return p / p.sum() if p.sum() > 0 else p


def _calls_per_timing(func, min_time):
    """Back-to-back calls of ``func`` that take at least ``min_time`` seconds."""
    if min_time <= 0:
        return 1
    start = time.perf_counter()
    func()
    once = time.perf_counter() - start
    return max(1, int(np.ceil(min_time / max(once, 1e-9))))


def time_size(size, args):
    """Images/s of each contender on ``size x size`` crops, and the largest
    difference between PyramidHOG and the port."""
    from skimage.feature import hog

    from skneuro.feature_extraction import PyramidHOG

    n = args.n_images if size == 64 else max(1, args.n_images // 4)
    n_slow = min(n, args.slow_images if size == 64 else args.slow_images // 4)
    images = sample_crops(n, size, args.seed)
    slow = images[:n_slow]

    def run_ours():
        return PyramidHOG().fit_transform(images)

    def run_port():
        return np.stack([port_one_image(image) for image in slow])

    def run_hog():
        return np.stack([hog(image) for image in slow])

    funcs = {"ours": run_ours, "port": run_port, "hog": run_hog}
    counts = {"ours": n, "port": n_slow, "hog": n_slow}
    difference = np.abs(run_ours()[:n_slow] - run_port()).max()
    run_hog()
    numbers = {name: _calls_per_timing(f, args.min_time) for name, f in funcs.items()}
    times = {name: [] for name in funcs}
    for _ in range(args.repeats):
        for name, func in funcs.items():
            start = time.perf_counter()
            for _ in range(numbers[name]):
                func()
            times[name].append((time.perf_counter() - start) / numbers[name])
    speed = {name: counts[name] / np.median(t) for name, t in times.items()}
    return n, n_slow, speed, difference


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n-images",
        type=int,
        default=2000,
        help="64x64 images timed with PyramidHOG (a quarter of it at 128x128)",
    )
    parser.add_argument(
        "--slow-images",
        type=int,
        default=400,
        help="64x64 images timed with the per-image port and hog (a quarter "
        "at 128x128), scaled per image",
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--min-time",
        type=float,
        default=0.5,
        help="seconds of back-to-back calls per timing (0: time single calls)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 if a target is missed"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.n_images, args.slow_images = 200, 40
        args.repeats, args.min_time = 3, 0.0

    import skimage

    print(
        "Grey crops of scikit-image's photographs; PyramidHOG defaults (8 bins, "
        "360 degrees, levels 0..3); median of "
        f"{args.repeats} interleaved repeats.\n"
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-image {skimage.__version__}, {os.cpu_count()} CPUs, load "
        f"average {os.getloadavg()[0]:.2f}"
    )
    rows = [(size, *time_size(size, args)) for size in SIZES]

    header = (
        f"{'size':>7} {'n':>5} {'n slow':>6} | {'ours img/s':>10} {'port':>7} "
        f"{'hog':>7} | {'/port':>11} {'/hog':>6} | {'max|d| port':>11}"
    )
    print()
    print(header)
    print("-" * len(header))
    missed = []
    for size, n, n_slow, s, difference in rows:
        vs_port, vs_hog = s["ours"] / s["port"], s["ours"] / s["hog"]
        verdict = "PASS" if vs_port > TARGET else "FAIL"
        if vs_port <= TARGET:
            missed.append(f"{size}x{size} /port = {vs_port:.2f}")
        print(
            f"{size:>3}x{size:<3} {n:>5} {n_slow:>6} | {s['ours']:10.0f} "
            f"{s['port']:7.0f} {s['hog']:7.0f} | {vs_port:6.2f} {verdict} "
            f"{vs_hog:6.2f} | {difference:11.1e}"
        )
    print(
        "\nthroughput in images/s; the port and hog are timed on the first "
        "'n slow' images and scaled per image. target: /port > "
        f"{TARGET:g} (faster than the same maths one image at a time). /hog "
        "is for scale only: skimage.feature.hog is another descriptor (all "
        "pixels, block-normalised cells, no Canny). 'max|d|' is the largest "
        "difference between PyramidHOG's features and the port's."
    )
    if missed:
        print("FAIL, missed: " + "; ".join(missed))
    else:
        print("PASS: all targets met")
    return 1 if (missed and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
