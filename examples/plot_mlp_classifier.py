"""
========================================================
MLPClassifier next to scikit-learn's, and early stopping
========================================================

:class:`skneuro.MLPClassifier` is the classifier of Hao, "Use Neural
Network to Classify and Compress Images" (sigmoid hidden units, full-batch
Adam), trained with PyTorch through skorch. It is meant as a drop-in for
:class:`sklearn.neural_network.MLPClassifier`: same fitted attributes
(``loss_curve_``, ``n_iter_``, ``validation_scores_``...), same
``early_stopping`` parameters, and it composes in pipelines and searches.

This example trains both on the same digits with the same architecture and
optimiser settings, compares their accuracy, training time and training
curves, then shows early stopping: a held-out validation split, its loss
drawn beside the training loss by
:class:`skneuro.TrainingHistoryDisplay`, and the epoch whose weights are kept.
"""

import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier

from skneuro import MLPClassifier, TrainingHistoryDisplay, load_digits_images

# %%
# Data
# ----
#
# scikit-learn's 8x8 digits as flat rows of 64 pixels, scaled to [0, 1], with
# a stratified 80/20 split.

digits = load_digits_images()
X = digits.data / 16.0
X_train, X_test, y_train, y_test = train_test_split(
    X, digits.target, test_size=0.2, stratify=digits.target, random_state=0
)
print(f"train: {X_train.shape}, test: {X_test.shape}")

# %%
# The same network, twice
# -----------------------
#
# One hidden layer of 32 sigmoid units, full-batch Adam at a learning rate of
# 0.01, no L2 penalty, 300 epochs. scikit-learn's parameters have other
# names: ``hidden_layer_sizes``, ``activation="logistic"``,
# ``learning_rate_init``, ``max_iter``, and its batches hold 200 samples by
# default, so ``batch_size`` is set to the whole training set. Its own
# stopping rule (no improvement of the training loss for 10 epochs) is
# turned off, so that both train 300 epochs; it then warns that the
# optimisation has not converged, which is silenced here.

ours = MLPClassifier(hidden_units=32, max_epochs=300, lr=0.01, random_state=0)
theirs = SklearnMLPClassifier(
    hidden_layer_sizes=(32,),
    activation="logistic",
    solver="adam",
    alpha=0.0,
    batch_size=len(X_train),
    learning_rate_init=0.01,
    max_iter=300,
    n_iter_no_change=300,
    random_state=0,
)

for name, model in [("skneuro", ours), ("scikit-learn", theirs)]:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    print(
        f"{name:>12}: {model.n_iter_} epochs in {seconds:.2f} s, final training "
        f"loss {model.loss_:.4f}, test accuracy {model.score(X_test, y_test):.3f}"
    )

# %%
# Both minimise the same cross-entropy from different random initial
# weights, so their curves differ in detail but not in shape.
# :class:`~skneuro.TrainingHistoryDisplay` draws any per-epoch curves; here
# the two ``loss_curve_`` lists, on a logarithmic scale.

display = TrainingHistoryDisplay(
    {"skneuro": ours.loss_curve_, "scikit-learn": theirs.loss_curve_},
    metric="training loss (cross-entropy)",
).plot(title="Full-batch Adam, 32 sigmoid units")
display.ax_.set_yscale("log")
display.figure_.tight_layout()

# %%
# The fitted networks answer the same questions in the same way:

print("classes:", ours.classes_, "n_features_in_:", ours.n_features_in_)
print("probabilities of the first test digit:")
print("  skneuro     ", np.round(ours.predict_proba(X_test[:1]), 2))
print("  scikit-learn", np.round(theirs.predict_proba(X_test[:1]), 2))

# %%
# Early stopping
# --------------
#
# With ``early_stopping=True``, 10% of the training data (stratified) are
# held out, and training stops when the validation loss has not improved by
# more than ``tol`` for ``n_iter_no_change`` epochs; the weights of the
# epoch of the last such improvement are kept, and ``best_validation_score_``
# is their validation accuracy. skneuro watches the validation *loss*;
# scikit-learn watches the validation *accuracy* (and also keeps its best
# epoch's weights). Both record the validation accuracy of every epoch in
# ``validation_scores_``.

early = MLPClassifier(
    hidden_units=32,
    max_epochs=1000,
    lr=0.01,
    early_stopping=True,
    validation_fraction=0.1,
    n_iter_no_change=20,
    random_state=0,
).fit(X_train, y_train)
n_fit = len(X_train) - int(np.ceil(0.1 * len(X_train)))  # without validation
sk_early = SklearnMLPClassifier(
    hidden_layer_sizes=(32,),
    activation="logistic",
    alpha=0.0,
    batch_size=n_fit,
    learning_rate_init=0.01,
    max_iter=1000,
    early_stopping=True,
    validation_fraction=0.1,
    n_iter_no_change=20,
    random_state=0,
).fit(X_train, y_train)

# Training stops n_iter_no_change epochs after the last real improvement.
kept_epoch = early.n_iter_ - early.n_iter_no_change
for name, model in [("skneuro", early), ("scikit-learn", sk_early)]:
    print(
        f"{name:>12}: stopped after {model.n_iter_} epochs, best validation "
        f"accuracy {model.best_validation_score_:.3f}, test accuracy "
        f"{model.score(X_test, y_test):.3f}"
    )
print(f"skneuro kept the weights of epoch {kept_epoch}")

# %%
# :meth:`TrainingHistoryDisplay.from_estimator
# <skneuro.TrainingHistoryDisplay.from_estimator>` reads the fitted
# network's ``history_``: the training loss and, with early stopping, the
# validation loss (log scale). The training loss keeps falling; the
# validation loss flattens out, and training stops ``n_iter_no_change``
# epochs after its last decrease by more than ``tol``. On the right, the
# validation accuracy of each epoch of both estimators (each on its own
# random validation split).

fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
TrainingHistoryDisplay.from_estimator(
    early, metric="cross-entropy loss", ax=axes[0], title="skneuro, early stopping"
)
axes[0].axvline(kept_epoch, color="grey", linestyle=":", label="weights kept")
axes[0].set_yscale("log")
axes[0].legend()
TrainingHistoryDisplay(
    {
        "skneuro": early.validation_scores_,
        "scikit-learn": sk_early.validation_scores_,
    },
    metric="validation accuracy",
).plot(ax=axes[1], title="Validation accuracy by epoch")
fig.tight_layout()

plt.show()
