"""Pool images down, interpolate them back up: Buell's four cases.

Buell, "Approximate Computation Image Classification", stores each 28x28 MNIST
digit average-pooled (2x2 or 3x3 window, stride 1 or 2: 27x27, 14x14, 26x26
or 13x13 pixels), then rebuilds it at 28x28 with a linear spline before
classifying it.
:class:`skneuro.preprocessing.PoolInterpolate` does both steps for a whole
batch at once.

This demo runs on data that ships with scikit-learn, so it needs no download:
the 8x8 handwritten digits, and a 28x28 upscale of them (``skimage``'s
``resize``) standing in for MNIST so that Buell's four cases apply as in the
paper. It prints each case's pooled shape, compression ratio (pooled pixels
over original pixels) and reconstruction error, and saves a before/after grid
(original, then each case rebuilt) as a PNG in ``--out``.

Run: ``python examples/demo_pool_interpolate.py [--out demo_output/]``.
"""

import argparse
from pathlib import Path

import numpy as np

CASES = [(2, 1), (2, 2), (3, 1), (3, 2)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="demo_output", help="output directory")
    parser.add_argument("--n-shown", type=int, default=6, help="digits in the grid")
    parser.add_argument(
        "--method", default="linear", choices=["nearest", "linear", "cubic"]
    )
    args = parser.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from skimage.transform import resize
    from sklearn.datasets import load_digits

    from skneuro.preprocessing import PoolInterpolate

    digits = load_digits()
    small = digits.images / 16.0  # (1797, 8, 8) in [0, 1]
    big = resize(small, (len(small), 28, 28), order=1, anti_aliasing=False)
    big = big.astype(np.float32)
    print(
        f"{len(small)} digits: shipped 8x8 images, and a 28x28 upscale of them "
        f"(float32) standing in for MNIST. Method: {args.method!r}.\n"
    )

    header = (
        f"{'case':>14} | {'28x28: pooled':>13} {'ratio':>15} {'MSE':>8} | "
        f"{'8x8: pooled':>11} {'ratio':>6} {'MSE':>8}"
    )
    print(header)
    print("-" * len(header))
    rebuilt = []
    for pool, stride in CASES:
        est = PoolInterpolate(pool_size=pool, stride=stride, method=args.method)
        out = est.fit_transform(big)
        rebuilt.append((est, out))
        mse = float(np.mean((out - big) ** 2))
        ph, pw = est.pooled_shape_
        ratio = f"{ph * pw}/784={est.compression_ratio_:.3f}"
        # The same case on the native 8x8 digits (too small for 3x3/2 cubic).
        try:
            est8 = PoolInterpolate(pool_size=pool, stride=stride, method=args.method)
            out8 = est8.fit_transform(small)
            ph8, pw8 = est8.pooled_shape_
            small_cols = (
                f"{f'{ph8}x{pw8}':>11} {est8.compression_ratio_:6.3f} "
                f"{np.mean((out8 - small) ** 2):8.5f}"
            )
        except ValueError:
            small_cols = f"{'too small for ' + args.method:>27}"
        print(
            f"{f'{pool}x{pool}, stride {stride}':>14} | {f'{ph}x{pw}':>13} "
            f"{ratio:>15} {mse:8.5f} | {small_cols}"
        )

    shown = min(args.n_shown, len(big))
    columns = 1 + len(CASES)
    fig, axes = plt.subplots(
        shown, columns, figsize=(1.6 * columns, 1.6 * shown), squeeze=False
    )
    for row in range(shown):
        panels = [big[row]] + [out[row] for _, out in rebuilt]
        for col, image in enumerate(panels):
            ax = axes[row, col]
            ax.imshow(image, cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                if col == 0:
                    ax.set_title("original\n28x28", fontsize=8)
                else:
                    est = rebuilt[col - 1][0]
                    ph, pw = est.pooled_shape_
                    pool, stride = CASES[col - 1]
                    ax.set_title(
                        f"{pool}x{pool}/{stride}: {ph}x{pw}\n"
                        f"{est.compression_ratio_:.0%} stored",
                        fontsize=8,
                    )
    fig.suptitle(f"Average pooling, then {args.method} interpolation", fontsize=9)
    fig.tight_layout()
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"pool_interpolate_{args.method}.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"\nbefore/after grid saved to {path}")


if __name__ == "__main__":
    main()
