"""
==============================================
Pruning hidden units while a classifier trains
==============================================

Gedeon and Harris's distinctiveness pruning, which Hao, "Use Neural Network
to Classify and Compress Images", uses to compress networks, compares the
hidden units of a layer by the angle between their activation vectors over
the training data. Two units whose vectors point the same way (a small
angle) do the same job: one goes, and its outgoing weights are added to the
other's. Two units pointing opposite ways (an angle near 180 degrees)
cancel out: both go, their mean contribution moved into the next layer's
bias.

:class:`skneuro.DistinctivenessPruning` is a skorch callback that applies
these rules every ``every`` epochs while a network trains, through the
``callbacks`` parameter of any skneuro estimator. This example prunes an
:class:`skneuro.MLPClassifier` of 64 hidden units on the digits, counts the
hidden units before and after, and compares the test accuracy with the
unpruned network and with a network of the final width trained from
scratch.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from skneuro import DistinctivenessPruning, MLPClassifier, load_digits_images

# %%
# Data
# ----

digits = load_digits_images()
X_train, X_test, y_train, y_test = train_test_split(
    digits.data / 16.0,
    digits.target,
    test_size=0.2,
    stratify=digits.target,
    random_state=0,
)
print(f"train: {X_train.shape}, test: {X_test.shape}")


# %%
# Training with the callback
# --------------------------
#
# The same 64-unit sigmoid network is trained for 800 epochs three times:
# without pruning, with pruning every 50 epochs at Gedeon and Harris's
# angles (similar below 15 degrees, complementary above 165), and with wider
# angles (30 and 150 degrees), which treat more pairs as redundant.
#
# The estimator trains with a copy of its callbacks, so the parameter never
# changes; the trained callback, with its ``pruning_history_``, is in the
# fitted network's ``net_.callbacks_``.


def hidden_units(clf):
    """Width of the hidden layer of a fitted MLPClassifier."""
    return clf.net_.module_.layers[0].out_features


def n_weights(clf):
    """Number of weights and biases of a fitted MLPClassifier."""
    return sum(p.numel() for p in clf.net_.module_.parameters())


settings = {
    "no pruning": None,
    "pruning at 15/165 degrees": DistinctivenessPruning(every=50),
    "pruning at 30/150 degrees": DistinctivenessPruning(
        every=50, similar_angle=30, complementary_angle=150
    ),
}
fitted, histories = {}, {}
print(f"{'':>26} {'units':>5} {'weights':>7} {'test accuracy':>13}")
for label, callback in settings.items():
    clf = MLPClassifier(
        hidden_units=64,
        max_epochs=800,
        random_state=0,
        callbacks=None if callback is None else [callback],
    )
    clf.fit(X_train, y_train)
    fitted[label] = clf
    if callback is not None:
        trained = dict(clf.net_.callbacks_)["DistinctivenessPruning"]
        histories[label] = trained.pruning_history_
    print(
        f"{label:>26} {hidden_units(clf):5d} {n_weights(clf):7d} "
        f"{clf.score(X_test, y_test):13.3f}"
    )

# %%
# Each record of ``pruning_history_`` is one pruning pass that removed
# units: the epoch, the hidden layer, the units left and the decisions
# taken (kind, pair of units, angle).

for label, history in histories.items():
    print(label)
    for record in history:
        kinds = [kind for kind, _, _ in record["decisions"]]
        counts = ", ".join(f"{kinds.count(k)} {k}" for k in sorted(set(kinds)))
        print(
            f"  epoch {record['epoch']:3d}: {record['units_left']:2d} units left "
            f"({counts})"
        )

# %%
# Units left and training loss by epoch
# -------------------------------------
#
# With the wider angles most units go at the first pass. Each pass bumps the
# training loss up, and training brings it back down within a few epochs.
# After a pass the optimiser starts afresh (a new Adam state for the new
# parameters), and Adam's first steps are large ones: this is why the pruned
# networks end with a lower training loss than the unpruned one, even the
# one that lost a single unit at epoch 50.

fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
epochs = np.arange(1, 801)
for label, clf in fitted.items():
    units = np.full(len(epochs), 64)
    for record in histories.get(label, []):
        units[epochs >= record["epoch"]] = record["units_left"]
    (line,) = axes[0].step(epochs, units, where="post", label=label)
    axes[1].plot(epochs, clf.loss_curve_, color=line.get_color(), label=label)
axes[0].set_xlabel("epoch")
axes[0].set_ylabel("hidden units")
axes[0].set_ylim(0, 70)
axes[0].set_title("Hidden units left")
axes[0].legend(loc="lower left")
axes[1].set_xlabel("epoch")
axes[1].set_ylabel("training loss (cross-entropy)")
axes[1].set_yscale("log")
axes[1].set_title("Training loss")
axes[1].legend()
fig.tight_layout()

# %%
# Pruned, or small from the start?
# --------------------------------
#
# A network of the final width, trained from scratch for as many epochs, is
# the fair comparison: had the width been known beforehand, would pruning be
# needed at all?

for label in list(histories):
    width = hidden_units(fitted[label])
    small = MLPClassifier(hidden_units=width, max_epochs=800, random_state=0)
    small.fit(X_train, y_train)
    print(
        f"{width} units: pruned {fitted[label].score(X_test, y_test):.3f}, "
        f"trained from scratch {small.score(X_test, y_test):.3f}"
    )

# %%
# On these digits the answer is no: the network trained at its final width
# from the start does at least as well as the pruned one, and pruning costs
# no accuracy against the unpruned network either (its test accuracy is
# printed above). What pruning gives is the width itself, found during
# training instead of by a search over hidden sizes (see the feature-groups
# example).

plt.show()
