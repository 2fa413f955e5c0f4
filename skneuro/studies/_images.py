"""Hao, "Use Neural Network to Classify and Compress Images", part 3.

GoogLeNet on the raw images: loss and accuracy by epoch on the training and
the test split, per-class test accuracy, and mean test accuracy over epoch
windows. Each run is one 80/20 split; its results are one row per epoch,
split and metric, and one per final score.
"""

from functools import partial

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from skneuro.neural_network import GoogLeNetClassifier
from skneuro.plotting import TrainingHistoryDisplay
from skneuro.studies._checks import check_count, check_seed
from skneuro.studies._common import (
    TestScores,
    epoch_curves,
    final_rows,
    history_rows,
    markdown_table,
    save_figure,
)
from skneuro.studies._data import split_image_data
from skneuro.studies._folder import StudyFolder
from skneuro.studies._runs import StudyPlan, run_plan, runs_into_out
from skneuro.utils._images import as_image_batch

#: What each run records after every epoch: loss and accuracy on the
#: training split (as "train") and on the test split.
EPOCH_KEYS = {
    (split, metric): f"{prefix}_{metric}"
    for split, prefix in (("train", "fit"), ("test", "test"))
    for metric in ("loss", "accuracy")
}


def _as_batch(X):
    """Images as the classifier sees them, ``(n, channels, h, w)``."""
    return np.ascontiguousarray(as_image_batch(X))


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
    rows = history_rows(clf, EPOCH_KEYS)
    rows += final_rows(
        {"accuracy": float(np.mean(predicted == y_test))}, epoch=clf.n_epochs_
    )
    for c in classes:
        # The plan checked that every split has each class on both sides.
        mask = y_test == c
        accuracy = {"accuracy": float(np.mean(predicted[mask] == c))}
        rows += final_rows(accuracy, epoch=clf.n_epochs_, **{"class": class_names[c]})
    return [{"repeat": repeat, **row} for row in rows]


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
    seeds = [seed + r for r in range(repeats)]
    images = split_image_data(data, image_size=(64, 64), shipped="faces", seeds=seeds)
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
    report = partial(_report, settings=settings, images=images)
    return StudyPlan("images", settings, runs, _train_googlenet, report, n_jobs)


@runs_into_out(plan_images)
def run_images(out, *, show_progress=True, **kwargs):
    """GoogLeNet on raw images; write results, figures, report.

    An 80/20 stratified split per repeat (every class on both sides of each
    split); after every epoch the network is scored on the training and the
    test split. Takes ``data``, ``input_size``, ``epochs``, ``repeats``,
    ``seed``, ``device`` and ``n_jobs`` (repeats at once, joblib or Dask as
    for :func:`~skneuro.studies.run_feature_groups`). Returns the study's
    section of the report (Markdown).

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


def _report(folder, frame, *, settings, images):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, metric, label in [
        (axes[0], "loss", "cross-entropy loss"),
        (axes[1], "accuracy", "accuracy"),
    ]:
        TrainingHistoryDisplay.from_histories(
            {
                split: epoch_curves(frame, split=split, metric=metric)
                for split in ("train", "test")
            },
            metric=label,
            ax=ax,
        )
    fig.suptitle(f"GoogLeNet (input {settings['input_size']}x{settings['input_size']})")
    figure = save_figure(folder, fig, "images_by_epoch.png")

    test = epoch_curves(frame, split="test", metric="accuracy")
    epochs = test.shape[1]
    width = max(1, epochs // 5)
    windows = [
        {
            "epochs": f"{start + 1}-{min(epochs, start + width)}",
            "mean test accuracy": float(test[:, start : start + width].mean()),
        }
        for start in range(0, epochs, width)
    ]
    final = frame[frame["stage"] == "final"]
    overall = final[final["class"].isna()]["value"].mean()
    per_class = (
        final[final["class"].notna()]
        .groupby("class", sort=False)["value"]
        .mean()
        .rename("test accuracy")
        .reset_index()
    )
    lines = [
        "## GoogLeNet on the raw images (Hao, part 3)",
        "",
        f"Data: {images.description}. `GoogLeNetClassifier(input_size="
        f"{settings['input_size']})`, {settings['epochs']} epochs, "
        f"{settings['repeats']} 80/20 stratified split(s). Final test accuracy: "
        f"{overall:.3f}.",
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
