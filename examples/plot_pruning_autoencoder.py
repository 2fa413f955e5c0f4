"""
======================================================
Compressing with a pruned autoencoder (Hao's Figure 3)
======================================================

Hao, "Use Neural Network to Classify and Compress Images", compresses data
with an autoencoder whose hidden layer is pruned step by step, after Gedeon
and Harris's distinctiveness pruning: a hidden unit whose outputs over the
training data point the same way as another unit's (a small angle between
their activation vectors) is redundant, so it is removed and its outgoing
weights are folded into the unit it duplicates; the network is retrained
briefly, and pruning stops before the reconstruction error passes a
threshold.

:class:`skneuro.PruningAutoencoder` runs that loop and keeps the network at
every width it reaches. This example prunes an autoencoder of the 64-pixel
digits from 24 hidden units, draws its reconstruction error against the
units left beside PCA's with :class:`skneuro.PruningCurveDisplay`, and
encodes and decodes at other widths with ``set_params(n_components=...)``,
without refitting.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from skneuro import (
    ImageComparisonDisplay,
    PruningAutoencoder,
    PruningCurveDisplay,
    load_digits_images,
)

# %%
# Data
# ----
#
# The digits as flat rows of 64 pixels in [0, 1]; three quarters train the
# autoencoder, the rest measure its reconstruction on unseen digits.

digits = load_digits_images()
X_train, X_test = train_test_split(digits.data / 16.0, test_size=0.25, random_state=0)
print(f"train: {X_train.shape}, test: {X_test.shape}")
print(f"mean pixel variance: {X_train.var(axis=0).mean():.4f}")

# %%
# Training and pruning
# --------------------
#
# 24 sigmoid hidden units, trained for 1000 full-batch epochs; then, one
# unit per step, the least distinct unit is removed and the network retrains
# for 100 epochs. With ``threshold_kind="relative"`` the threshold is a
# fraction of the data's mean pixel variance: pruning goes on while the
# reconstruction error stays under 40% of it, and the network kept is the
# last one under the threshold.

ae = PruningAutoencoder(
    hidden_units=24,
    loss_threshold=0.4,
    threshold_kind="relative",
    max_epochs=1000,
    retrain_epochs=100,
    random_state=0,
)
start = time.perf_counter()
ae.fit(X_train)
print(f"trained and pruned in {time.perf_counter() - start:.1f} s")
print(f"threshold: {ae.loss_threshold_:.4f} (MSE)")
print(f"units kept: {ae.n_hidden_units_} of {ae.hidden_units}")
print(f"widths reached: {sorted(ae.networks_)}")

# %%
# ``pruning_history_`` has one record per step: the unit pair, the angle
# between their activation vectors, and the training error right after the
# removal and after retraining. The angles stay far from 0 degrees: the
# progressive strategy removes the least distinct unit whatever its angle,
# and retraining recovers part of the loss each time.

print(f"{'units':>5} {'action':>20} {'angle':>6} {'pruned':>8} {'retrained':>9}")
for step in ae.pruning_history_:
    print(
        f"{step['units_left']:5d} {step['action']:>20} {step['angle']:6.1f} "
        f"{step['loss_pruned']:8.4f} {step['loss_after']:9.4f}"
    )

# %%
# Loss by units left, against PCA
# -------------------------------
#
# :meth:`PruningCurveDisplay.from_estimator
# <skneuro.PruningCurveDisplay.from_estimator>` measures the reconstruction
# error of the network at every width on the data it is given (here the
# held-out digits), and fits PCA on the same data with as many components
# for reference. PCA is the best *linear* code of each width, and it is
# fitted on the very digits it is scored on, so it is an optimistic
# reference. The threshold (dotted) applies to the training error, which is
# why the kept network sits just at it on unseen digits.

display = PruningCurveDisplay.from_estimator(ae, X_test, name="pruned autoencoder")
display.ax_.set_title("Reconstruction error of held-out digits")
display.ax_.set_ylabel("reconstruction MSE (pixels in [0, 1])")
display.ax_.xaxis.set_major_locator(MaxNLocator(integer=True))
display.figure_.tight_layout()

for k, loss, pca_loss in zip(
    display.units_left, display.losses, display.pca_losses, strict=True
):
    if k % 4 == 0 or k == ae.n_hidden_units_:
        print(f"{k:2d} units: autoencoder {loss:.4f}, PCA {pca_loss:.4f}")

# %%
# The pruned network follows PCA's curve closely all the way down: pruning
# and short retraining lose little against a code computed for each width
# from scratch.
#
# Codes of another width
# ----------------------
#
# ``transform`` encodes with the kept network by default. Any width reached
# by pruning can be chosen afterwards with ``set_params(n_components=k)``,
# without refitting, and ``inverse_transform`` decodes with the same
# network.

for k in (24, 16, ae.n_hidden_units_):
    ae.set_params(n_components=k)
    codes = ae.transform(X_test)
    mse = -ae.score(X_test)
    print(f"n_components={k:2d}: codes {codes.shape}, test MSE {mse:.4f}")

# %%
# The first test digits, rebuilt from codes of each width, and from PCA with
# as many components (fitted on the training digits, this time):

rows = {"original": X_test[:8].reshape(-1, 8, 8)}
for k in (16, ae.n_hidden_units_):
    ae.set_params(n_components=k)
    rebuilt = ae.inverse_transform(ae.transform(X_test[:8]))
    rows[f"{k} units"] = np.clip(rebuilt, 0, 1).reshape(-1, 8, 8)
    pca = PCA(n_components=k).fit(X_train)
    rows[f"PCA, {k}"] = np.clip(
        pca.inverse_transform(pca.transform(X_test[:8])), 0, 1
    ).reshape(-1, 8, 8)
ae.set_params(n_components=None)
ImageComparisonDisplay(rows).plot(title="Held-out digits rebuilt from their codes")

plt.show()
