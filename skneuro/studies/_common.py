"""What the studies share: test scores by epoch, tables, figures, progress."""

import numpy as np
import torch
from sklearn.metrics import accuracy_score, precision_recall_fscore_support
from skorch.callbacks import Callback
from tqdm.auto import tqdm

from skneuro._engine import predict_in_chunks

#: Scores recorded on the test split after every epoch and at the end.
SCORES = ("accuracy", "precision", "recall", "f1")


def test_scores(y_true, y_pred):
    """Accuracy and macro precision, recall and F1 (as Buell reports them)."""
    precision, recall, f1, _ = precision_recall_fscore_support(
        y_true, y_pred, average="macro", zero_division=0
    )
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
    }


class TestScores(Callback):
    """Score the network on held-out images after every epoch.

    A skorch callback for the ``callbacks`` parameter of skneuro's image
    classifiers: after each epoch it runs the module in evaluation mode over
    ``X`` (already transformed as the classifier sees it, shaped
    ``(n, channels, height, width)``) and records ``test_loss`` and
    ``test_<score>`` for each of :data:`SCORES` in the net's history.

    Parameters
    ----------
    X : ndarray of shape (n_samples, channels, height, width)
        Test images.
    y : ndarray of shape (n_samples,)
        Their labels.
    classes : ndarray
        The classifier's classes (the sorted training labels), whose
        positions the network's outputs follow.
    prefix : str, default="test"
        Prefix of the recorded keys.
    """

    #: Most images per chunk of the forward pass.
    _chunk_rows = 256

    def __init__(self, X, y, classes, prefix="test"):
        self.X = X
        self.y = y
        self.classes = classes
        self.prefix = prefix

    def on_epoch_end(self, net, **kwargs):
        X = np.asarray(self.X, dtype=np.float32)
        outputs = predict_in_chunks(
            net.module_, X, net.device, max_rows=self._chunk_rows
        )
        logits = torch.from_numpy(outputs).float()
        index = torch.as_tensor(np.searchsorted(self.classes, self.y))
        loss = torch.nn.functional.cross_entropy(logits, index).item()
        predicted = self.classes[logits.argmax(dim=1).numpy()]
        net.history.record(f"{self.prefix}_loss", loss)
        for name, value in test_scores(self.y, predicted).items():
            net.history.record(f"{self.prefix}_{name}", value)


def history_rows(estimator, keys):
    """One row per epoch and measurement of a fitted estimator's history.

    ``keys`` maps ``(split, metric)`` to the history's key, such as
    ``{("test", "accuracy"): "test_accuracy", ("train", "loss"): "train_loss"}``;
    each row is ``{"stage": "epoch", "epoch", "split", "metric", "value"}``.
    """
    return [
        {
            "stage": "epoch",
            "epoch": int(record["epoch"]),
            "split": split,
            "metric": metric,
            "value": round(float(record[key]), 6),
        }
        for record in estimator.history_
        for (split, metric), key in keys.items()
    ]


def final_rows(scores, *, epoch, split="test", **columns):
    """One row per score of the final model (``stage="final"``)."""
    return [
        {
            "stage": "final",
            "epoch": int(epoch),
            "split": split,
            "metric": metric,
            "value": float(value),
            **columns,
        }
        for metric, value in scores.items()
    ]


def epoch_curves(frame, by=None, *, split, metric):
    """``metric`` on ``split`` by epoch, as an array of (runs, epochs).

    With ``by`` (a column), a dict of such arrays per value of it.
    """
    rows = frame[
        (frame["stage"] == "epoch")
        & (frame["split"] == split)
        & (frame["metric"] == metric)
    ]

    def by_run(group):
        table = group.pivot(index="run", columns="epoch", values="value")
        return table.dropna(axis=1).to_numpy()

    if by is None:
        return by_run(rows)
    return {str(label): by_run(group) for label, group in rows.groupby(by, sort=False)}


def final_scores(frame, index, *, split="test"):
    """The final model's scores, one row per run and a column per metric."""
    rows = frame[(frame["stage"] == "final") & (frame["split"] == split)]
    if "class" in rows:
        rows = rows[rows["class"].isna()]
    wide = rows.pivot_table(
        index=["run", *index], columns="metric", values="value", sort=False
    )
    return wide.reset_index()


def markdown_table(frame, floatfmt="{:.3f}"):
    """A DataFrame as a Markdown table (no extra dependency)."""
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    lines = [header, rule]
    for row in frame.itertuples(index=False):
        cells = [
            floatfmt.format(v) if isinstance(v, float | np.floating) else str(v)
            for v in row
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def mean_and_spread(frame, by, columns):
    """Mean and standard deviation of ``columns`` per value of ``by``."""
    grouped = frame.groupby(by, sort=False)[list(columns)]
    mean, std = grouped.mean(), grouped.std(ddof=0).fillna(0.0)
    table = mean.copy()
    for c in columns:
        table[c] = [f"{m:.3f} ± {s:.3f}" for m, s in zip(mean[c], std[c], strict=True)]
    return table.reset_index()


def progress(runs, done, description, enabled):
    """tqdm over the runs still to do (finished ones counted in)."""
    bar = tqdm(
        total=len(runs),
        initial=sum(1 for key, *_ in runs if key in done),
        desc=description,
        unit="run",
        disable=not enabled,
        leave=True,
    )
    return bar


def save_figure(folder, figure, name):
    """Save a figure as the PNG ``name`` of the study folder, and close it."""
    import matplotlib.pyplot as plt

    figure.tight_layout()
    try:
        folder.write(name, lambda file: figure.savefig(file, format="png", dpi=110))
    finally:
        plt.close(figure)
    return name


def features_line(settings):
    """The report's line stating how features were computed from images
    (``settings["features"]``), or ``""`` for a feature table."""
    features = settings.get("features")
    if not features:
        return ""
    described = []
    for name, title in (("lpq", "LocalPhaseQuantization"), ("phog", "PyramidHOG")):
        params = ", ".join(f"{k}={v!r}" for k, v in sorted(features[name].items()))
        described.append(f"`{title}({params})`")
    return (
        f"Features from images: {' and '.join(described)}, then "
        f"{features['n_components']} principal components of each "
        "(`skneuro.feature_extraction.make_hao_features`). "
    )
