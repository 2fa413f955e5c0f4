"""
============================================
The pool-interpolate study (Buell), in small
============================================

:func:`skneuro.studies.run_pool_interpolate` reproduces the experiment of
Buell, "Approximate Computation Image Classification", end to end: the
digits are average-pooled in one of four ways (a 2x2 or 3x3 window, a
stride of 1 or 2), interpolated back to 28x28 with a linear spline,
standardised and classified by Buell's small CNN, all in one
``Pipeline(PoolInterpolate, StandardScaler, SmallCNN)``; a baseline skips
the pooling. Each case is trained on fresh 80/20 stratified splits and
scored on the test split after every epoch (accuracy, macro precision,
recall and F1).

The study writes a results CSV (one row per finished run, so that an
interrupted study resumes where it stopped), PNG figures, and returns its
section of the report in Markdown. From a shell, the full study (10 repeats
of 20 epochs per case) is::

    skneuro study pool-interpolate --out results/

and ``--quick`` runs 3 repeats of 8 epochs. Without ``--data`` it runs on
scikit-learn's digits enlarged to 28x28; ``--data`` takes an MNIST folder
(IDX or ``.npz`` files) or a folder of images with one sub-folder per class.
This example runs it with 2 repeats of 3 epochs, to finish in well under a
minute on a CPU.
"""

import re
import tempfile
import time
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import pandas as pd

from skneuro.studies import run_pool_interpolate

# %%
# Running the study
# -----------------
#
# The same as ``skneuro study pool-interpolate --repeats 2 --epochs 3 --out
# OUT``, into a temporary folder.

out = Path(tempfile.mkdtemp())
start = time.perf_counter()
section = run_pool_interpolate(out, repeats=2, epochs=3, seed=0, show_progress=False)
print(f"5 cases x 2 repeats in {time.perf_counter() - start:.1f} s")
print("files written:", sorted(path.name for path in out.iterdir()))

# %%
# The section of the report
# -------------------------
#
# The command line gathers the sections of every study into ``report.md``
# beside the figures; the function returns its own:

print(section)

# %%
# The results table
# -----------------
#
# ``pool_interpolate.csv`` holds one row per measurement: each run's test
# scores and training loss after every epoch (``stage="epoch"``), and the
# final model's test scores (``stage="final"``). It opens in pandas as a
# tidy table, ready for any other summary:

results = pd.read_csv(out / "pool_interpolate.csv")
print(results.head())
final = results[results["stage"] == "final"]
print(final.pivot_table(index="case", columns="metric", values="value").round(3))

# %%
# Running it again with the same settings reads the finished runs back from
# the CSV instead of training again, and only redraws the figures; a rerun
# with other settings into the same folder is refused, so that runs that
# are not comparable never mix.

start = time.perf_counter()
again = run_pool_interpolate(out, repeats=2, epochs=3, seed=0, show_progress=False)
print(f"rerun in {time.perf_counter() - start:.1f} s, same report: {again == section}")
try:
    run_pool_interpolate(out, repeats=2, epochs=5, seed=0, show_progress=False)
except ValueError as error:
    print(str(error).replace(str(out), "OUT"))

# %%
# The figures
# -----------
#
# The figures the study wrote, as PNG files, in the order of the report:
# each pooling case's stored and rebuilt digits, the four test scores by
# epoch (mean and standard deviation over the repeats) and the final test
# scores per case. With 3 epochs the scores are still rising; the full study
# trains 20.


def show_png(path):
    """Show a PNG file at its own size, without axes."""
    image = mpimg.imread(path)
    height, width = image.shape[:2]
    fig = plt.figure(figsize=(width / 100, height / 100))
    ax = fig.add_axes([0, 0, 1, 1])
    ax.imshow(image)
    ax.set_axis_off()


for name in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", section):
    show_png(out / name)

plt.show()
