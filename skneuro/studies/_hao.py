"""Hao, "Use Neural Network to Classify and Compress Images", end to end.

Three studies on the facial-expression features and images:

- ``feature-groups``: an MLP on each feature group (and on all features),
  searched over hidden sizes with ``GridSearchCV`` (the paper's Figures 1
  and 2), beside chance and a logistic-regression reference;
- ``compression``: a ``PruningAutoencoder`` per group pruned progressively,
  its reconstruction loss by units left against PCA's (Figure 3);
- ``images``: GoogLeNet on the raw images, with loss and accuracy by epoch,
  per-class test accuracy and mean test accuracy over epoch windows.
"""

import json
from functools import partial

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    cross_validate,
    train_test_split,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skneuro.neural_network import (
    GoogLeNetClassifier,
    MLPClassifier,
    PruningAutoencoder,
)
from skneuro.plotting import (
    PruningCurveDisplay,
    SearchResultsDisplay,
    TrainingHistoryDisplay,
)
from skneuro.preprocessing import FeatureGroupSelector
from skneuro.studies._checks import check_count, check_folds, check_seed, check_splits
from skneuro.studies._common import (
    TestScores,
    by_epoch,
    markdown_table,
    save_figure,
)
from skneuro.studies._data import feature_data, image_data
from skneuro.studies._folder import StudyFolder
from skneuro.studies._runs import StudyPlan, run_plan, runs_into_out
from skneuro.utils._images import as_image_batch

SCORING = {"accuracy": "accuracy", "neg_log_loss": "neg_log_loss"}


def _search_group(group, X, y, hidden_sizes, epochs, folds, seed, device, n_jobs):
    """One run: the hidden-size search of one group, beside a logistic fit."""
    pipe = Pipeline(
        [
            ("groups", FeatureGroupSelector(select=group)),
            ("scale", StandardScaler()),
            ("clf", MLPClassifier(max_epochs=epochs, random_state=seed, device=device)),
        ]
    )
    # error_score="raise": a failed fit stops the study rather than
    # recording NaN as if it were a score.
    search = GridSearchCV(
        pipe,
        {"clf__hidden_units": list(hidden_sizes)},
        scoring=SCORING,
        cv=folds,
        refit=False,
        n_jobs=n_jobs,
        error_score="raise",
    ).fit(X, y)
    results = search.cv_results_
    reference = cross_validate(
        Pipeline(
            [
                ("groups", FeatureGroupSelector(select=group)),
                ("scale", StandardScaler()),
                ("clf", LogisticRegression(max_iter=1000)),
            ]
        ),
        X,
        y,
        scoring=SCORING,
        cv=folds,
        n_jobs=n_jobs,
        error_score="raise",
    )
    row = {"group": group}
    for name in SCORING:
        row[f"{name}_mean"] = json.dumps(
            [round(float(v), 6) for v in results[f"mean_test_{name}"]]
        )
        row[f"{name}_std"] = json.dumps(
            [round(float(v), 6) for v in results[f"std_test_{name}"]]
        )
        row[f"logistic_{name}"] = float(np.mean(reference[f"test_{name}"]))
    return row


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
    table_data = feature_data(data, random_state=seed)
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
    common = {
        "X": table_data.X,
        "y": y,
        "hidden_sizes": hidden_sizes,
        "epochs": epochs,
        "folds": StratifiedKFold(cv, shuffle=True, random_state=seed),
        "seed": seed,
        "device": device,
        "n_jobs": n_jobs,  # the searches' fits, not the groups, run at once
    }
    groups = [*table_data.groups, "all"]
    runs = [(group, {**common, "group": group}) for group in groups]
    chance = float(np.max(np.bincount(np.searchsorted(np.unique(y), y))) / len(y))
    report = partial(
        _feature_groups_report, settings=settings, chance=chance, table_data=table_data
    )
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


def _feature_groups_report(folder, frame, *, settings, chance, table_data):
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    sizes = np.array(settings["hidden_sizes"])
    figures = []
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, name, label in [
        (axes[0], "neg_log_loss", "log loss"),
        (axes[1], "accuracy", "accuracy"),
    ]:
        sign = -1.0 if name.startswith("neg_") else 1.0
        curves = {
            g: sign * np.array(json.loads(v))
            for g, v in zip(frame["group"], frame[f"{name}_mean"], strict=True)
        }
        spreads = {
            g: np.array(json.loads(v))
            for g, v in zip(frame["group"], frame[f"{name}_std"], strict=True)
        }
        references = {}
        if name == "accuracy":
            references["chance (majority class)"] = chance
        if "all" in set(frame["group"]):
            value = frame.loc[frame["group"] == "all", f"logistic_{name}"].iloc[0]
            references["logistic regression, all features"] = sign * float(value)
        display = SearchResultsDisplay(
            sizes,
            curves,
            spreads=spreads,
            x_label="hidden units",
            metric=f"cross-validated test {label}",
            references=references,
        )
        display.plot(ax=ax)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="best", fontsize="small")
    fig.suptitle("MLP by hidden size and feature group (Hao, Figures 1 and 2)")
    figures.append(save_figure(folder, fig, "feature_groups_by_hidden_size.png"))

    rows = []
    for _, row in frame.iterrows():
        accuracy = np.array(json.loads(row["accuracy_mean"]))
        loss = -np.array(json.loads(row["neg_log_loss_mean"]))
        best = int(np.argmax(accuracy))
        rows.append(
            {
                "group": row["group"],
                "best hidden units": int(sizes[best]),
                "accuracy": float(accuracy[best]),
                "log loss": float(loss[best]),
                "logistic regression accuracy": float(row["logistic_accuracy"]),
                "chance": chance,
            }
        )
    lines = [
        "## Feature groups and hidden sizes (Hao, part 1)",
        "",
        f"Data: {table_data.description}. `Pipeline(FeatureGroupSelector, "
        "StandardScaler, MLPClassifier)` in `GridSearchCV` over "
        f"{len(sizes)} hidden sizes ({sizes.min()}-{sizes.max()}), "
        f"{settings['epochs']} full-batch Adam epochs, {settings['cv']}-fold "
        "stratified cross-validation. Best setting per group "
        "(cross-validated test scores), with a logistic regression on the same "
        "features and the majority-class rate for scale:",
        "",
        markdown_table(pd.DataFrame(rows)),
        "",
    ]
    lines += [f"![{name}]({name})" for name in figures]
    return "\n".join(lines) + "\n"


def _compress_group(
    group, X, hidden_units, loss_threshold, epochs, retrain_epochs, seed, device
):
    """One run: a pruned autoencoder of one group's standard-scaled features."""
    import matplotlib.pyplot as plt

    X = StandardScaler().fit_transform(X)
    ae = PruningAutoencoder(
        hidden_units,
        loss_threshold=loss_threshold,
        threshold_kind="relative",
        max_epochs=epochs,
        retrain_epochs=retrain_epochs,
        min_hidden_units=1,
        random_state=seed,
        device=device,
    ).fit(X)
    curve = PruningCurveDisplay.from_estimator(ae, X)
    plt.close(curve.figure_)
    return {
        "group": group,
        "features": X.shape[1],
        "units_left": int(ae.n_hidden_units_),
        "loss": float(-ae.score(X)),
        "variance": float(np.mean(np.var(X, axis=0))),
        "threshold_mse": float(ae.loss_threshold_),
        "curve_units": json.dumps([int(u) for u in curve.units_left]),
        "curve_loss": json.dumps([float(v) for v in curve.losses]),
        "curve_pca": json.dumps([float(v) for v in curve.pca_losses]),
    }


def plan_compression(
    *,
    data=None,
    hidden_units=10,
    loss_threshold=0.1,
    epochs=2000,
    retrain_epochs=200,
    seed=0,
    device="auto",
    n_jobs=1,
    show_progress=True,
):
    """Hao's compression study, planned: options and data checked.

    Takes the keyword arguments of :func:`run_compression`; returns a
    :class:`~skneuro.studies._runs.StudyPlan`. Nothing is written.
    """
    hidden_units = check_count("hidden_units", hidden_units)
    epochs = check_count("--epochs", epochs)
    retrain_epochs = check_count("retrain_epochs", retrain_epochs, minimum=0)
    seed = check_seed(seed)
    if isinstance(loss_threshold, bool) or not (
        isinstance(loss_threshold, int | float) and loss_threshold > 0
    ):
        raise ValueError(
            f"loss_threshold must be a positive number; got {loss_threshold!r}."
        )
    table_data = feature_data(data, random_state=seed)
    settings = {
        "study": "compression",
        "data": table_data.identity,
        "hidden_units": hidden_units,
        "loss_threshold": loss_threshold,
        "epochs": epochs,
        "retrain_epochs": retrain_epochs,
        "seed": seed,
    }
    runs = [
        (
            group,
            {
                "group": group,
                "X": table_data.X[columns].to_numpy(dtype=np.float64),
                "hidden_units": hidden_units,
                "loss_threshold": loss_threshold,
                "epochs": epochs,
                "retrain_epochs": retrain_epochs,
                "seed": seed,
                "device": device,
            },
        )
        for group, columns in table_data.groups.items()
    ]
    report = partial(_compression_report, settings=settings, table_data=table_data)
    return StudyPlan("compression", settings, runs, _compress_group, report, n_jobs)


@runs_into_out(plan_compression)
def run_compression(out, *, show_progress=True, **kwargs):
    """Prune an autoencoder per feature group; write results, figures, report.

    Each group's standard-scaled features train a sigmoid
    ``PruningAutoencoder(hidden_units)`` that is pruned progressively (Hao's
    strategy) while its reconstruction error stays under ``loss_threshold``
    times the data's mean feature variance (``threshold_kind="relative"``).
    Takes ``data``, ``hidden_units``, ``loss_threshold``, ``epochs``,
    ``retrain_epochs``, ``seed``, ``device`` and ``n_jobs`` (groups at once,
    joblib or Dask as for :func:`run_feature_groups`). Returns the study's
    section of the report (Markdown).

    Examples
    --------
    >>> import tempfile
    >>> from skneuro.studies import run_compression
    >>> section = run_compression(tempfile.mkdtemp(), hidden_units=3, epochs=50,
    ...                           retrain_epochs=10, show_progress=False)
    >>> "units left" in section
    True
    """
    plan = plan_compression(show_progress=show_progress, **kwargs)
    return run_plan(plan, StudyFolder(out), show_progress=show_progress)


def _compression_report(folder, frame, *, settings, table_data):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        1, len(frame), figsize=(5.5 * len(frame), 4.2), squeeze=False
    )
    for ax, (_, row) in zip(axes[0], frame.iterrows(), strict=True):
        display = PruningCurveDisplay(
            json.loads(row["curve_units"]),
            json.loads(row["curve_loss"]),
            pca_losses=json.loads(row["curve_pca"]),
            threshold=row["threshold_mse"],
            estimator_name=f"pruned autoencoder ({row['group']})",
        )
        display.plot(ax=ax)
        ax.set_title(f"{row['group']}: {row['features']} features")
    fig.suptitle("Reconstruction loss by hidden units left (Hao, Figure 3)")
    figure = save_figure(folder, fig, "compression_by_units_left.png")
    summary = pd.DataFrame(
        {
            "group": frame["group"],
            "features": frame["features"],
            "units left": frame["units_left"],
            "reconstruction MSE": frame["loss"],
            "MSE / variance": frame["loss"] / frame["variance"],
            "threshold / variance": frame["threshold_mse"] / frame["variance"],
        }
    )
    lines = [
        "## Compression by pruning (Hao, part 2)",
        "",
        f"Data: {table_data.description}, each group standard-scaled. A sigmoid "
        f"`PruningAutoencoder({settings['hidden_units']})` trained "
        f"{settings['epochs']} epochs, then pruned progressively (the least "
        f"distinct pair's unit, {settings['retrain_epochs']} retraining epochs a "
        "step) while the reconstruction error stays under "
        f"{settings['loss_threshold']} of the data's variance:",
        "",
        markdown_table(summary),
        "",
        f"![{figure}]({figure})",
    ]
    return "\n".join(lines) + "\n"


def _train_googlenet(
    X, y, class_names, repeat, seed, input_size, epochs, device, verbose
):
    """One run: GoogLeNet on the 80/20 split of ``seed``, scored every epoch."""
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=seed
    )
    classes = np.unique(y_train)
    clf = GoogLeNetClassifier(
        input_size=input_size,
        max_epochs=epochs,
        random_state=seed,
        device=device,
        verbose=verbose,
        callbacks=[
            ("test", TestScores(_as_batch(X_test), y_test, classes)),
            (
                "train_scores",
                TestScores(_as_batch(X_train), y_train, classes, prefix="fit"),
            ),
        ],
    ).fit(_as_batch(X_train), y_train)
    predicted = clf.predict(_as_batch(X_test))
    row = {"repeat": repeat}
    for prefix in ("test", "fit"):
        for metric in ("loss", "accuracy"):
            name = f"{prefix}_{metric}"
            row[f"{name}_by_epoch"] = by_epoch(clf, name)
    row["test_accuracy"] = float(np.mean(predicted == y_test))
    for c in classes:
        mask = y_test == c
        # The plan checked that every split has each class on both sides.
        row[f"class {class_names[c]}"] = float(np.mean(predicted[mask] == c))
    return row


def plan_images(
    *,
    data=None,
    input_size=64,
    epochs=50,
    repeats=1,
    seed=0,
    device="auto",
    n_jobs=1,
    show_progress=True,
):
    """Hao's GoogLeNet study, planned: options and data checked.

    Takes the keyword arguments of :func:`run_images`; returns a
    :class:`~skneuro.studies._runs.StudyPlan`. Nothing is written.
    """
    input_size = check_count("input_size", input_size, minimum=16)
    epochs = check_count("--epochs", epochs)
    repeats = check_count("--repeats", repeats)
    seed = check_seed(seed, repeats)
    images = image_data(data, image_size=(64, 64) if data else "faces")
    check_splits(
        images.y,
        [seed + r for r in range(repeats)],
        class_names=images.class_names,
        where=f"--data {data}" if data else "the shipped faces",
    )
    settings = {
        "study": "images",
        "data": images.identity,
        "input_size": input_size,
        "epochs": epochs,
        "repeats": repeats,
        "seed": seed,
    }
    all_classes = np.unique(images.y)
    names = images.target_names or [str(c) for c in all_classes]
    common = {
        "X": images.X,
        "y": images.y,
        "class_names": dict(zip(all_classes.tolist(), names, strict=True)),
        "input_size": input_size,
        "epochs": epochs,
        "device": device,
        "verbose": int(show_progress and n_jobs == 1),
    }
    runs = [
        (f"#{r}", {**common, "repeat": r, "seed": seed + r}) for r in range(repeats)
    ]
    report = partial(_images_report, settings=settings, images=images)
    return StudyPlan("images", settings, runs, _train_googlenet, report, n_jobs)


@runs_into_out(plan_images)
def run_images(out, *, show_progress=True, **kwargs):
    """GoogLeNet on raw images; write results, figures, report.

    An 80/20 stratified split per repeat (every class on both sides of each
    split); after every epoch the network is scored on the training and the
    test split. Takes ``data``, ``input_size``, ``epochs``, ``repeats``,
    ``seed``, ``device`` and ``n_jobs`` (repeats at once, joblib or Dask as
    for :func:`run_feature_groups`). Returns the study's section of the
    report (Markdown).

    Examples
    --------
    >>> import tempfile
    >>> from skneuro.studies import run_images
    >>> section = run_images(tempfile.mkdtemp(), input_size=16, epochs=1,
    ...                      show_progress=False)
    >>> "Per-class test accuracy" in section
    True
    """
    plan = plan_images(show_progress=show_progress, **kwargs)
    return run_plan(plan, StudyFolder(out), show_progress=show_progress)


def _as_batch(X):
    """Images as the classifier sees them, ``(n, channels, h, w)``."""
    return np.ascontiguousarray(as_image_batch(X))


def _images_report(folder, frame, *, settings, images):
    import matplotlib.pyplot as plt

    def stack(column):
        return np.array([json.loads(v) for v in frame[column]])

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    TrainingHistoryDisplay.from_histories(
        {"train": stack("fit_loss_by_epoch"), "test": stack("test_loss_by_epoch")},
        metric="cross-entropy loss",
        ax=axes[0],
    )
    TrainingHistoryDisplay.from_histories(
        {
            "train": stack("fit_accuracy_by_epoch"),
            "test": stack("test_accuracy_by_epoch"),
        },
        metric="accuracy",
        ax=axes[1],
    )
    fig.suptitle(f"GoogLeNet (input {settings['input_size']}x{settings['input_size']})")
    figure = save_figure(folder, fig, "images_by_epoch.png")

    test = stack("test_accuracy_by_epoch")
    epochs = test.shape[1]
    width = max(1, epochs // 5)
    windows = []
    for start in range(0, epochs, width):
        stop = min(epochs, start + width)
        windows.append(
            {
                "epochs": f"{start + 1}-{stop}",
                "mean test accuracy": float(test[:, start:stop].mean()),
            }
        )
    per_class = frame[[c for c in frame.columns if c.startswith("class ")]].mean()
    per_class = pd.DataFrame(
        {
            "class": [c[len("class ") :] for c in per_class.index],
            "test accuracy": per_class.to_numpy(),
        }
    )
    lines = [
        "## GoogLeNet on the raw images (Hao, part 3)",
        "",
        f"Data: {images.description}. `GoogLeNetClassifier(input_size="
        f"{settings['input_size']})`, {settings['epochs']} epochs, "
        f"{settings['repeats']} 80/20 stratified split(s). Final test accuracy: "
        f"{frame['test_accuracy'].mean():.3f}.",
        "",
        "Mean test accuracy over epoch windows:",
        "",
        markdown_table(pd.DataFrame(windows)),
        "",
        "Per-class test accuracy of the final model (its batch-norm statistics "
        "recomputed on the training data after the last epoch, so it may differ "
        "slightly from the last point of the curves):",
        "",
        markdown_table(per_class),
        "",
        f"![{figure}]({figure})",
    ]
    return "\n".join(lines) + "\n"
