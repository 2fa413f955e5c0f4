"""
=======================================================
A small CNN on the digits, and Buell's pooling pipeline
=======================================================

Buell, "Approximate Computation Image Classification", classifies MNIST
digits with a small convolutional network: two blocks of two 3x3
convolutions and a 2x2 max-pool, then dense ReLU layers of 64, 64, 32 and 32
units. :class:`skneuro.SmallCNN` is that network as a scikit-learn
classifier. It takes images the way users hold them (flat rows of pixels,
``(n, height, width)`` or ``(n, channels, height, width)`` arrays), so it
sits at the end of a :class:`~sklearn.pipeline.Pipeline`.

This example trains it on scikit-learn's 8x8 digits, draws its training
curve with :class:`skneuro.TrainingHistoryDisplay`, and then
cross-validates Buell's whole pipeline, :class:`skneuro.PoolInterpolate`,
:class:`~sklearn.preprocessing.StandardScaler` and the CNN, on a subset of
the digits enlarged to MNIST's 28x28.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from skimage.transform import resize
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skneuro import (
    PoolInterpolate,
    SmallCNN,
    TrainingHistoryDisplay,
    load_digits_images,
)

# %%
# Training on the 8x8 digits
# --------------------------
#
# The images are scaled to [0, 1] and split 80/20, stratified by digit. With
# ``padding="same"`` (the default) the convolutions keep the maps' size, so
# that images as small as 8x8 go through both pooling layers; the paper's
# exact layout, ``padding="valid"``, needs images of at least 16x16.

digits = load_digits_images()
images = digits.images / 16.0
X_train, X_test, y_train, y_test = train_test_split(
    images, digits.target, test_size=0.2, stratify=digits.target, random_state=0
)

cnn = SmallCNN(max_epochs=20, random_state=0)
start = time.perf_counter()
cnn.fit(X_train, y_train)
print(f"20 epochs on {X_train.shape} in {time.perf_counter() - start:.1f} s")
print(f"image shape: {cnn.image_shape_}, channels: {cnn.n_channels_}")
print(f"test accuracy: {cnn.score(X_test, y_test):.3f}")

# %%
# The training curve
# ------------------
#
# :meth:`TrainingHistoryDisplay.from_estimator
# <skneuro.TrainingHistoryDisplay.from_estimator>` draws the training loss
# recorded in ``history_``. To follow the test accuracy as well, a second
# network with the same settings is trained one epoch at a time with
# ``partial_fit``, as scikit-learn's incremental estimators are, and scored
# after every epoch.

online = SmallCNN(random_state=0)
test_accuracy = []
for _ in range(20):
    online.partial_fit(X_train, y_train, classes=np.arange(10))
    test_accuracy.append(online.score(X_test, y_test))
print(f"partial_fit: {online.n_epochs_} epochs, test accuracy {test_accuracy[-1]:.3f}")

fig, axes = plt.subplots(1, 2, figsize=(11, 4))
TrainingHistoryDisplay.from_estimator(
    cnn, metric="training loss (cross-entropy)", ax=axes[0], title="fit"
)
axes[0].set_yscale("log")
TrainingHistoryDisplay({"test accuracy": test_accuracy}, metric="test accuracy").plot(
    ax=axes[1], title="partial_fit, one epoch per call"
)
fig.suptitle("SmallCNN on the 8x8 digits")
fig.tight_layout()

# %%
# The digits the network gets wrong
# ---------------------------------

predicted = cnn.predict(X_test)
wrong = np.flatnonzero(predicted != y_test)
print(f"{len(wrong)} of {len(y_test)} test digits misclassified")
shown = wrong[:10] if len(wrong) else np.arange(5)  # correct ones if none
fig, axes = plt.subplots(1, len(shown), figsize=(1.3 * len(shown), 1.9))
for ax, i in zip(np.atleast_1d(axes), shown, strict=True):
    ax.imshow(X_test[i], cmap="gray_r")
    ax.set_title(f"{y_test[i]} as {predicted[i]}", fontsize=9)
    ax.set_axis_off()
fig.suptitle("Misclassified test digits (true label as predicted)", fontsize=10)
fig.tight_layout()

# %%
# Buell's pipeline, cross-validated
# ---------------------------------
#
# Buell pools every 28x28 digit, interpolates it back to 28x28, standardises
# the pixels and trains the CNN on the result. Every step is a scikit-learn
# estimator, so the pipeline is cross-validated as a whole: the scaler and
# the network see only the training folds. The digits are enlarged to 28x28
# and passed flat (784 columns); :class:`~skneuro.PoolInterpolate` and
# :class:`~skneuro.SmallCNN` read them as square images. To keep the example
# short, 600 digits, 3 folds and 10 epochs, with the paper's ``"valid"``
# convolutions.

big = resize(images, (len(images), 28, 28), order=1).astype(np.float32)
X_big = big.reshape(len(big), -1)
X_sub, _, y_sub, _ = train_test_split(
    X_big, digits.target, train_size=600, stratify=digits.target, random_state=0
)
cv = StratifiedKFold(3, shuffle=True, random_state=0)
cases = {"no pooling": None, "2x2/2": (2, 2), "3x3/2": (3, 2)}
scores = {}
for label, case in cases.items():
    steps = [] if case is None else [("pool", PoolInterpolate(*case))]
    steps += [
        ("scale", StandardScaler()),
        ("cnn", SmallCNN(padding="valid", max_epochs=10, random_state=0)),
    ]
    start = time.perf_counter()
    scores[label] = cross_val_score(Pipeline(steps), X_sub, y_sub, cv=cv)
    print(
        f"{label:>10}: accuracy {scores[label].mean():.3f} "
        f"± {scores[label].std():.3f} ({time.perf_counter() - start:.1f} s)"
    )

# %%
# Each point is one fold's test accuracy, the bar their mean. Storing a
# quarter of the pixels or fewer (stride 2) costs a few points of accuracy
# here, with 400 training digits and 10 epochs; the
# :ref:`pool-interpolate study <sphx_glr_auto_examples_plot_study_pool_interpolate.py>`
# runs all of Buell's cases on every digit, over repeated splits.

fig, ax = plt.subplots(figsize=(6, 4))
positions = np.arange(len(scores))
ax.bar(positions, [s.mean() for s in scores.values()], color="lightsteelblue")
for position, fold_scores in zip(positions, scores.values(), strict=True):
    ax.plot(np.full(len(fold_scores), position), fold_scores, "ko", ms=5)
ax.set_xticks(positions, [f"{label}" for label in scores])
ax.set_ylim(0.5, 1.0)
ax.set_xlabel("pooling case (window/stride)")
ax.set_ylabel("cross-validated accuracy")
ax.set_title("PoolInterpolate + StandardScaler + SmallCNN, 600 digits")
fig.tight_layout()

plt.show()
