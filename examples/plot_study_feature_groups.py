"""
================================================
The feature-groups study (Hao, part 1), in small
================================================

:func:`skneuro.studies.run_feature_groups` reproduces the first experiment
of Hao, "Use Neural Network to Classify and Compress Images": a sigmoid MLP
classifies seven facial expressions from groups of image features (LPQ and
PHOG), and its cross-validated loss and accuracy are drawn against the
number of hidden units, one curve per feature group and one for all the
features together (the paper's Figures 1 and 2). Each group is a
``GridSearchCV`` of ``Pipeline(FeatureGroupSelector, StandardScaler,
MLPClassifier)`` over the hidden sizes; a logistic regression on the same
features and the rate of the most frequent class give the scale.

From a shell, the full study (hidden sizes 1 to 19, 1000 epochs, 5 folds)
is::

    skneuro study feature-groups --out results/

and ``--quick`` runs 5 hidden sizes and 3 folds. Without ``--data`` it runs
on a synthetic table in the layout of Hao's spreadsheet
(:func:`skneuro.make_feature_table`); ``--data features.xlsx`` (or
``.csv``) runs it on a real one. This example runs 6 hidden sizes, 500
epochs and 3 folds.
"""

import re
import tempfile
import time
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt

from skneuro.studies import run_feature_groups

# %%
# Running the study
# -----------------

out = Path(tempfile.mkdtemp())
start = time.perf_counter()
section = run_feature_groups(
    out,
    hidden_sizes=(1, 2, 3, 5, 10, 19),
    epochs=500,
    cv=3,
    seed=0,
    show_progress=False,
)
print(f"3 searches of 6 hidden sizes x 3 folds in {time.perf_counter() - start:.1f} s")
print("files written:", sorted(path.name for path in out.iterdir()))

# %%
# The section of the report
# -------------------------
#
# The best hidden size of each group by cross-validated accuracy, with its
# log loss, beside the logistic regression and chance:

print(section)

# %%
# The figure
# ----------
#
# Left, the cross-validated log loss; right, the accuracy; the error bars
# are the standard deviation over the folds. The two groups together beat
# either alone and, from about five hidden units on, the logistic regression
# on all the features too.


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
