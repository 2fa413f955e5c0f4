"""
=====================================================
Searching feature groups and hidden sizes (Hao's MLP)
=====================================================

Hao, "Use Neural Network to Classify and Compress Images", classifies
facial expressions into seven emotions from two groups of image features:
Local Phase Quantization (LPQ) and a Pyramid of Histograms of Oriented
Gradients (PHOG), the first principal components of each. The classifier is a
multi-layer perceptron with one hidden layer of sigmoid units, and the
questions are which group of features to use and how many hidden units.

:class:`skneuro.FeatureGroupSelector` turns the choice of feature groups
into an ordinary hyper-parameter, ``select``, so that one
:class:`~sklearn.model_selection.GridSearchCV` searches the groups and the
hidden sizes of :class:`skneuro.MLPClassifier` together, and
:class:`skneuro.SearchResultsDisplay` draws the score against the hidden
size, one curve per group, as the paper's Figures 1 and 2. Hao's features
do not ship with the install, so the data are a synthetic table in the same
layout from :func:`skneuro.make_feature_table`.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skneuro import (
    FeatureGroupSelector,
    MLPClassifier,
    SearchResultsDisplay,
    make_feature_table,
)

# %%
# A feature table in Hao's layout
# -------------------------------
#
# 675 samples, labelled 1..7 (Angry, Disgust, Fear, Happy, Neutral, Sad,
# Surprise), with the columns ``lpq_1..lpq_5`` and ``phog_1..phog_5``. The
# groups come from the column names: :class:`~skneuro.FeatureGroupSelector`
# puts ``lpq_1`` and ``lpq_2`` in the group ``"lpq"``.

table = make_feature_table(random_state=0)
X, y = table.data, table.target
print(X.shape, "groups:", {name: len(cols) for name, cols in table.groups.items()})
print(X.head(3).round(3).to_string())

X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.2, stratify=y, random_state=0
)

# %%
# The search
# ----------
#
# The pipeline selects a group of columns, standardises them and trains the
# MLP (full-batch Adam, 1000 epochs, as in the paper). The grid crosses three
# choices of features with six hidden sizes, and every candidate is scored
# by 5-fold stratified cross-validation on two metrics: the accuracy and the
# log loss (the paper's test loss).

pipe = Pipeline(
    [
        ("groups", FeatureGroupSelector()),
        ("scale", StandardScaler()),
        ("clf", MLPClassifier(max_epochs=1000, random_state=0)),
    ]
)
param_grid = {
    "groups__select": ["lpq", "phog", "all"],
    "clf__hidden_units": [1, 2, 3, 5, 10, 20],
}
search = GridSearchCV(
    pipe,
    param_grid,
    scoring={"accuracy": "accuracy", "neg_log_loss": "neg_log_loss"},
    refit="accuracy",
    cv=StratifiedKFold(5, shuffle=True, random_state=0),
)
start = time.perf_counter()
search.fit(X_train, y_train)
n_fits = 5 * len(search.cv_results_["params"])
print(f"{n_fits} fits and the refit in {time.perf_counter() - start:.1f} s")

# %%
# The cross-validated accuracy of every candidate, one row per group:

results = search.cv_results_
sizes = param_grid["clf__hidden_units"]
print(f"{'units':>6}" + "".join(f"{h:>7}" for h in sizes))
for group in param_grid["groups__select"]:
    scores = [
        results["mean_test_accuracy"][i]
        for i, params in enumerate(results["params"])
        if params["groups__select"] == group
    ]
    print(f"{group:>6}" + "".join(f"{s:7.3f}" for s in scores))

# %%
# Scores by hidden size and feature group
# ---------------------------------------
#
# :meth:`SearchResultsDisplay.from_search
# <skneuro.SearchResultsDisplay.from_search>` reads the search's
# ``cv_results_``: one curve per value of ``group``, the standard deviation
# over the folds as error bars. The log loss is drawn as a loss (lower is
# better), the accuracy beside the rate of the most frequent class.

chance = np.bincount(y_train).max() / len(y_train)
fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
SearchResultsDisplay.from_search(
    search,
    param="clf__hidden_units",
    group="groups__select",
    metric="neg_log_loss",
    ax=axes[0],
    title="Cross-validated log loss",
)
SearchResultsDisplay.from_search(
    search,
    param="clf__hidden_units",
    group="groups__select",
    metric="accuracy",
    references={"chance (majority class)": chance},
    ax=axes[1],
    title="Cross-validated accuracy",
)
axes[1].set_ylim(0, 1)
axes[1].legend(loc="upper left", ncols=2)
for ax in axes:
    ax.set_xticks(param_grid["clf__hidden_units"])
fig.suptitle("MLP by hidden size and feature group (Hao, Figures 1 and 2)")
fig.tight_layout()

# %%
# Both groups carry information, and together they do better than either
# alone. The accuracy climbs steeply up to about five hidden units and only
# slowly after; the log loss of a single group rises again with many units,
# as the network grows confident in its mistakes (overfitting), and varies
# more from fold to fold. The search refits the candidate of best
# cross-validated accuracy (``refit="accuracy"``) on the whole training set,
# and it scores on the held-out 20%:

print("best:", search.best_params_)
print(f"cross-validated accuracy: {search.best_score_:.3f}")
print(f"held-out accuracy: {search.score(X_test, y_test):.3f}")
selector = search.best_estimator_["groups"]
print("features used:", list(selector.get_feature_names_out()))

plt.show()
