"""
=====================================
GoogLeNet on raw images (Hao, part 3)
=====================================

After classifying facial expressions from hand-made features, Hao, "Use
Neural Network to Classify and Compress Images", trains GoogLeNet on the
raw images. :class:`skneuro.GoogLeNetClassifier` wraps torchvision's
GoogLeNet as a scikit-learn classifier: it takes grey or colour images of
any size as arrays, resizes them inside the network to ``input_size``
squares, and repeats grey images to three channels.

Hao's images do not ship with the install, and nothing here downloads, so
this example uses the small face / non-face subset of Labeled Faces in the
Wild that ships with scikit-image: 200 grey 25x25 images, read by
:func:`skneuro.load_lfw_faces`. The network trains from random weights
(pretrained ones would come from a local file, ``weights=``) for 10 epochs
at ``input_size=32``, small settings that keep it to a few seconds on a CPU.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from skneuro import GoogLeNetClassifier, TrainingHistoryDisplay, load_lfw_faces

# %%
# The faces
# ---------
#
# ``target`` is 1 for a face and 0 for a non-face (a patch of the same
# photographs' background). An 80/20 split, stratified, leaves 160 images
# to train on and 40 to test.

faces = load_lfw_faces()
X_train, X_test, y_train, y_test = train_test_split(
    faces.images, faces.target, test_size=0.2, stratify=faces.target, random_state=0
)
print(f"train: {X_train.shape}, test: {X_test.shape}")
print("classes:", ", ".join(f"{i} = {n}" for i, n in enumerate(faces.target_names)))

# %%
# Training
# --------
#
# The images go in as ``(n, 25, 25)`` arrays; the network normalises them
# with the mean and standard deviation of the training images
# (``input_mean_``, ``input_std_``) and resizes them to 32x32.

clf = GoogLeNetClassifier(input_size=32, max_epochs=10, random_state=0)
start = time.perf_counter()
clf.fit(X_train, y_train)
print(f"{clf.n_epochs_} epochs in {time.perf_counter() - start:.1f} s on {clf.device_}")
print(f"image shape: {clf.image_shape_}, channels: {clf.n_channels_}")
print(f"training accuracy: {clf.score(X_train, y_train):.3f}")
print(f"test accuracy: {clf.score(X_test, y_test):.3f}")

# %%
# For scale, a logistic regression on the 625 raw pixels:

logistic = LogisticRegression(max_iter=2000).fit(
    X_train.reshape(len(X_train), -1), y_train
)
print(
    "logistic regression test accuracy: "
    f"{logistic.score(X_test.reshape(len(X_test), -1), y_test):.3f}"
)

# %%
# The task is easy: a linear model on the pixels separates the test images as
# well. GoogLeNet is built for far larger images and data sets; here it
# shows the estimator at work, not an advantage over simpler models.
#
# The training curve
# ------------------
#
# :meth:`TrainingHistoryDisplay.from_estimator
# <skneuro.TrainingHistoryDisplay.from_estimator>` draws the training loss
# of each epoch from the fitted network's ``history_``. The loss of each
# epoch is the mean over its mini-batches (32 images each), measured while
# the network is in training mode (dropout on, batch statistics from the
# batch).

display = TrainingHistoryDisplay.from_estimator(
    clf, metric="training loss (cross-entropy)", title="GoogLeNet on the LFW subset"
)
display.figure_.tight_layout()

# %%
# Test images and their predictions
# ---------------------------------
#
# The probability of "face" for the first 16 test images; titles in red
# mark mistakes.

proba = clf.predict_proba(X_test[:16])[:, list(clf.classes_).index(1)]
predicted = clf.predict(X_test[:16])
fig, axes = plt.subplots(2, 8, figsize=(11, 4.4))
for ax, image, p, pred, true in zip(
    axes.ravel(), X_test[:16], proba, predicted, y_test[:16], strict=True
):
    ax.imshow(image, cmap="gray")
    ax.set_title(
        f"{faces.target_names[pred]}\nP(face)={p:.2f}",
        fontsize=8,
        color="black" if pred == true else "red",
    )
    ax.set_axis_off()
fig.suptitle("Test images: predicted class and probability of a face")
fig.tight_layout()

n_wrong = int(np.sum(clf.predict(X_test) != y_test))
print(f"{n_wrong} of {len(y_test)} test images misclassified")

plt.show()
