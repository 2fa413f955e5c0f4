"""
=============================================
The compression study (Hao, part 2), in small
=============================================

:func:`skneuro.studies.run_compression` reproduces the second experiment
of Hao, "Use Neural Network to Classify and Compress Images": each group of
features is compressed by an autoencoder whose hidden units are pruned one
at a time, after Gedeon and Harris's distinctiveness pruning, while the
reconstruction error stays under a threshold; the error is drawn against
the hidden units left, beside PCA's with as many components (the paper's
Figure 3). Each group's standardised features train a sigmoid
:class:`skneuro.PruningAutoencoder`, with the threshold a fraction of the
features' variance.

From a shell, the full study (10 hidden units, 2000 epochs, then 200
retraining epochs after each pruning step) is::

    skneuro study compression --out results/

and ``--quick`` trains 1000 epochs and retrains 100. Without ``--data`` it
runs on a synthetic table in the layout of Hao's spreadsheet
(:func:`skneuro.make_feature_table`); ``--data features.xlsx`` (or
``.csv``) runs it on a real one. This example uses the quick settings.
"""

import re
import tempfile
import time
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt

from skneuro.studies import run_compression

# %%
# Running the study
# -----------------

out = Path(tempfile.mkdtemp())
start = time.perf_counter()
section = run_compression(
    out,
    hidden_units=10,
    loss_threshold=0.1,
    epochs=1000,
    retrain_epochs=100,
    seed=0,
    show_progress=False,
)
print(f"2 feature groups compressed in {time.perf_counter() - start:.1f} s")
print("files written:", sorted(path.name for path in out.iterdir()))

# %%
# The section of the report
# -------------------------
#
# Per group: the units left at the threshold and the reconstruction error,
# in the features' units and as a fraction of their variance.

print(section)

# %%
# The figure
# ----------
#
# One panel per group: the pruned autoencoder's reconstruction error at
# every width it went through, PCA's at the same widths, and the threshold.
# Each synthetic group holds five informative features with no redundancy
# among them, so PCA too needs all five components, and pruning stops at
# five units: at four, the error jumps past the threshold. Data with
# redundant features, such as the digits' pixels in the
# :ref:`pruning autoencoder example
# <sphx_glr_auto_examples_plot_pruning_autoencoder.py>`, prune much further.


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
