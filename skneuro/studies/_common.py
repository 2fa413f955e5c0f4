"""What the studies share: test scores by epoch, tables, figures, progress."""

import json

import numpy as np
import torch
from sklearn.metrics import accuracy_score, precision_recall_fscore_support
from skorch.callbacks import Callback
from tqdm.auto import tqdm

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

    def __init__(self, X, y, classes, prefix="test"):
        self.X = X
        self.y = y
        self.classes = classes
        self.prefix = prefix

    def on_epoch_end(self, net, **kwargs):
        module = net.module_
        was_training = module.training
        module.eval()
        logits = []
        with torch.inference_mode():
            for start in range(0, len(self.X), 256):
                chunk = torch.as_tensor(
                    self.X[start : start + 256], dtype=torch.float32
                )
                chunk = chunk.to(net.device)
                logits.append(module(chunk).float().cpu())
        module.train(was_training)
        logits = torch.cat(logits)
        index = torch.as_tensor(np.searchsorted(self.classes, self.y))
        loss = torch.nn.functional.cross_entropy(logits, index).item()
        predicted = self.classes[logits.argmax(dim=1).numpy()]
        net.history.record(f"{self.prefix}_loss", loss)
        for name, value in test_scores(self.y, predicted).items():
            net.history.record(f"{self.prefix}_{name}", value)


def by_epoch(estimator, key):
    """``key`` of every epoch row of a fitted estimator's history, as JSON."""
    return json.dumps([round(float(row[key]), 6) for row in estimator.history_])


def curves(frame, column, by):
    """Per value of ``by``: the JSON lists in ``column`` as (runs, epochs)."""
    out = {}
    for label, group in frame.groupby(by, sort=False):
        rows = [json.loads(v) for v in group[column]]
        width = min(len(r) for r in rows)
        out[str(label)] = np.array([r[:width] for r in rows])
    return out


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
