"""Hao, "Use Neural Network to Classify and Compress Images", part 1.

An MLP on each group of features (and on all of them), searched over hidden
sizes with ``GridSearchCV`` (the paper's Figures 1 and 2), beside chance and
a logistic-regression reference. Each run is one group; its results are one
row per fold, hidden size and metric.
"""

from functools import partial

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skneuro.neural_network import MLPClassifier
from skneuro.plotting import SearchResultsDisplay
from skneuro.preprocessing import FeatureGroupSelector
from skneuro.studies._checks import check_count, check_folds, check_seed
from skneuro.studies._common import features_line, markdown_table, save_figure
from skneuro.studies._data import feature_data
from skneuro.studies._folder import StudyFolder
from skneuro.studies._runs import StudyPlan, run_plan, runs_into_out

#: The metrics recorded: each one's scikit-learn scorer, and the sign that
#: turns the scorer's value into the metric (scorers are higher-is-better,
#: so the log loss is scored negated).
METRICS = {"accuracy": ("accuracy", 1.0), "log loss": ("neg_log_loss", -1.0)}
_SCORING = {f"m{i}": scorer for i, (scorer, _) in enumerate(METRICS.values())}


def _fold_rows(scores, n_folds, **columns):
    """One row per fold and metric from ``scores[f"m{i}"][fold]``."""
    return [
        {
            **columns,
            "fold": fold,
            "metric": metric,
            "value": float(sign * scores[key][fold]),
        }
        for (metric, (_, sign)), key in zip(METRICS.items(), _SCORING, strict=True)
        for fold in range(n_folds)
    ]


def _pipeline(prepare, group, classifier):
    """Features (fitted per training fold, for images), group, scaling, model."""
    steps = [] if prepare is None else [("features", clone(prepare))]
    steps += [
        ("groups", FeatureGroupSelector(select=group)),
        ("scale", StandardScaler()),
        ("clf", classifier),
    ]
    return Pipeline(steps)


def _search_group(
    group, X, y, hidden_sizes, epochs, folds, seed, device, n_jobs, prepare=None
):
    """One run: the hidden-size search of one group, beside a logistic fit."""
    pipe = _pipeline(
        prepare,
        group,
        MLPClassifier(max_epochs=epochs, random_state=seed, device=device),
    )
    # error_score="raise": a failed fit stops the study rather than
    # recording NaN as if it were a score.
    search = GridSearchCV(
        pipe,
        {"clf__hidden_units": list(hidden_sizes)},
        scoring=_SCORING,
        cv=folds,
        refit=False,
        n_jobs=n_jobs,
        error_score="raise",
    ).fit(X, y)
    results = search.cv_results_
    n_folds = folds.get_n_splits()
    rows = []
    for i, hidden in enumerate(results["param_clf__hidden_units"]):
        scores = {
            key: [results[f"split{k}_test_{key}"][i] for k in range(n_folds)]
            for key in _SCORING
        }
        rows += _fold_rows(
            scores, n_folds, group=group, model="MLP", hidden_units=int(hidden)
        )
    reference = cross_validate(
        _pipeline(prepare, group, LogisticRegression(max_iter=1000)),
        X,
        y,
        scoring=_SCORING,
        cv=folds,
        n_jobs=n_jobs,
        error_score="raise",
    )
    scores = {key: reference[f"test_{key}"] for key in _SCORING}
    rows += _fold_rows(scores, n_folds, group=group, model="logistic regression")
    return rows


def plan_feature_groups(
    *,
    data=None,
    hidden_sizes=tuple(range(1, 20)),
    epochs=1000,
    cv=5,
    seed=0,
    device="auto",
    n_jobs=1,
    show_progress=True,
):
    """Hao's feature-group study, planned: options and data checked.

    Takes the keyword arguments of :func:`run_feature_groups`; returns a
    :class:`~skneuro.studies._runs.StudyPlan`. Nothing is written.
    """
    hidden_sizes = [check_count("hidden_sizes", h) for h in hidden_sizes]
    epochs = check_count("--epochs", epochs)
    cv = check_count("cv", cv, minimum=2)
    seed = check_seed(seed)
    table_data = feature_data(data, random_state=seed, cv=cv)
    y = table_data.y
    check_folds(
        y,
        cv,
        class_names=table_data.class_names,
        where=f"--data {data}" if data else "the shipped table",
    )
    settings = {
        "study": "feature-groups",
        "data": table_data.identity,
        "hidden_sizes": hidden_sizes,
        "epochs": epochs,
        "cv": cv,
        "seed": seed,
    }
    if table_data.feature_settings is not None:
        settings["features"] = table_data.feature_settings
    common = {
        "X": table_data.X,
        "y": y,
        "hidden_sizes": hidden_sizes,
        "epochs": epochs,
        "folds": StratifiedKFold(cv, shuffle=True, random_state=seed),
        "seed": seed,
        "device": device,
        "n_jobs": n_jobs,  # the searches' fits, not the groups, run at once
        "prepare": table_data.prepare,
    }
    groups = [*table_data.groups, "all"]
    runs = [(group, {**common, "group": group}) for group in groups]
    chance = float(np.max(np.bincount(np.searchsorted(np.unique(y), y))) / len(y))
    report = partial(_report, settings=settings, chance=chance, table_data=table_data)
    return StudyPlan("feature-groups", settings, runs, _search_group, report)


@runs_into_out(plan_feature_groups)
def run_feature_groups(out, *, show_progress=True, **kwargs):
    """Search hidden sizes per feature group; write results, figures, report.

    ``Pipeline(FeatureGroupSelector, StandardScaler, MLPClassifier)`` in
    ``GridSearchCV`` over ``hidden_sizes`` for each group and for all
    features together, cross-validated (stratified ``cv`` folds; every class
    needs at least ``cv`` samples). The searches fit ``n_jobs`` pipelines at
    once (joblib; on a Dask cluster under
    ``joblib.parallel_config(backend="dask")``). Takes ``data``,
    ``hidden_sizes``, ``epochs``, ``cv``, ``seed``, ``device`` and
    ``n_jobs``; ``out`` is a study folder as for
    :func:`~skneuro.studies.run_pool_interpolate`. Returns the study's
    section of the report (Markdown).

    Examples
    --------
    >>> import tempfile
    >>> from skneuro.studies import run_feature_groups
    >>> section = run_feature_groups(tempfile.mkdtemp(), hidden_sizes=(2, 4),
    ...                              epochs=20, cv=2, show_progress=False)
    >>> "| all |" in section
    True
    """
    plan = plan_feature_groups(show_progress=show_progress, **kwargs)
    return run_plan(plan, StudyFolder(out), show_progress=show_progress)


def _report(folder, frame, *, settings, chance, table_data):
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    mlp = frame[frame["model"] == "MLP"]
    # Sorted groups: look-ups by (metric, group) on a lexsorted index.
    by_size = mlp.groupby(["metric", "group", "hidden_units"])["value"]
    mean, std = by_size.mean(), by_size.std(ddof=0)
    logistic = (
        frame[frame["model"] == "logistic regression"]
        .groupby(["metric", "group"])["value"]
        .mean()
    )
    sizes = np.array(settings["hidden_sizes"])
    groups = list(dict.fromkeys(frame["group"]))
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, metric in zip(axes, ["log loss", "accuracy"], strict=True):
        references = {}
        if metric == "accuracy":
            references["chance (majority class)"] = chance
        if "all" in groups:
            references["logistic regression, all features"] = logistic[metric, "all"]
        SearchResultsDisplay(
            sizes,
            {g: mean[metric, g].reindex(sizes).to_numpy() for g in groups},
            spreads={g: std[metric, g].reindex(sizes).to_numpy() for g in groups},
            x_label="hidden units",
            metric=f"cross-validated test {metric}",
            references=references,
        ).plot(ax=ax)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="best", fontsize="small")
    fig.suptitle("MLP by hidden size and feature group (Hao, Figures 1 and 2)")
    figure = save_figure(folder, fig, "feature_groups_by_hidden_size.png")

    rows = []
    for group in groups:
        accuracy = mean["accuracy", group]
        best = accuracy.idxmax()
        rows.append(
            {
                "group": group,
                "best hidden units": int(best),
                "accuracy": float(accuracy[best]),
                "log loss": float(mean["log loss", group][best]),
                "logistic regression accuracy": float(logistic["accuracy", group]),
                "chance": chance,
            }
        )
    lines = [
        "## Feature groups and hidden sizes (Hao, part 1)",
        "",
        features_line(settings)
        + f"Data: {table_data.description}. `Pipeline(FeatureGroupSelector, "
        "StandardScaler, MLPClassifier)` in `GridSearchCV` over "
        f"{len(sizes)} hidden sizes ({sizes.min()}-{sizes.max()}), "
        f"{settings['epochs']} full-batch Adam epochs, {settings['cv']}-fold "
        "stratified cross-validation. Best setting per group "
        "(cross-validated test scores), with a logistic regression on the same "
        "features and the majority-class rate for scale:",
        "",
        markdown_table(pd.DataFrame(rows)),
        "",
        f"![{figure}]({figure})",
    ]
    return "\n".join(lines) + "\n"
