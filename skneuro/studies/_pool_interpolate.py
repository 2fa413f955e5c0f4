"""Buell, "Approximate Computation Image Classification", end to end.

Images are average-pooled (2x2 or 3x3 windows, stride 1 or 2) and
interpolated back to full size, then standard-scaled and classified by the
paper's small CNN; a baseline skips the pooling. Each case is repeated over
fresh 80/20 stratified splits, and scored on the test split after every
epoch and at the end (accuracy, macro precision, recall and F1).
"""

from functools import partial

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skneuro.neural_network import SmallCNN
from skneuro.plotting import ImageComparisonDisplay, TrainingHistoryDisplay
from skneuro.preprocessing import PoolInterpolate
from skneuro.studies._checks import check_count, check_seed, check_unique
from skneuro.studies._common import (
    SCORES,
    TestScores,
    epoch_curves,
    final_rows,
    final_scores,
    history_rows,
    markdown_table,
    mean_and_spread,
    save_figure,
    test_scores,
)
from skneuro.studies._data import split_image_data
from skneuro.studies._folder import StudyFolder
from skneuro.studies._runs import StudyPlan, run_plan, runs_into_out
from skneuro.utils._images import as_image_batch

#: Buell's four cases, (window, stride), and the baseline without pooling.
CASES = {
    "baseline": None,
    "2x2/1": (2, 1),
    "2x2/2": (2, 2),
    "3x3/1": (3, 1),
    "3x3/2": (3, 2),
}


def _pipeline(case, image_shape, epochs, seed, device, verbose=0):
    steps = []
    if CASES[case] is not None:
        window, stride = CASES[case]
        steps.append(("pool", PoolInterpolate(window, stride, image_shape=image_shape)))
    steps.append(("scale", StandardScaler()))
    cnn = SmallCNN(
        image_shape=image_shape,
        max_epochs=epochs,
        random_state=seed,
        device=device,
        verbose=verbose,
    )
    steps.append(("cnn", cnn))
    return Pipeline(steps)


#: What each run records after every epoch: the test scores and the loss.
EPOCH_KEYS = {
    **{("test", name): f"test_{name}" for name in SCORES},
    ("train", "loss"): "train_loss",
}


def _run_case(X, y, image_shape, case, repeat, seed, epochs, device, verbose):
    """One run: ``case`` trained and scored on the 80/20 split of ``seed``.

    Returns one row per measurement: the test scores and the training loss
    after every epoch, and the final model's test scores.
    """
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=seed
    )
    pipe = _pipeline(case, image_shape, epochs, seed, device, verbose=verbose)
    prefix, cnn = pipe[:-1], pipe[-1]
    # The pooling and scaling are fitted once; the test images are scored
    # after every epoch as the network sees them.
    seen_train = prefix.fit_transform(X_train)
    seen_test = as_image_batch(prefix.transform(X_test), image_shape)
    scorer = TestScores(seen_test, y_test, np.unique(y_train))
    cnn.set_params(callbacks=[("test", scorer)]).fit(seen_train, y_train)
    scores = test_scores(y_test, pipe.predict(X_test))
    rows = history_rows(cnn, EPOCH_KEYS) + final_rows(scores, epoch=cnn.n_epochs_)
    return [{"case": case, "repeat": repeat, **row} for row in rows]


def plan_pool_interpolate(
    *,
    data=None,
    repeats=10,
    epochs=20,
    seed=0,
    device="auto",
    cases=tuple(CASES),
    n_jobs=1,
    show_progress=True,
):
    """Buell's study, planned: options and data checked, nothing written.

    Takes the keyword arguments of :func:`run_pool_interpolate`; returns a
    :class:`~skneuro.studies._runs.StudyPlan`.
    """
    cases = check_unique("--cases", cases)
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        raise ValueError(f"unknown pooling cases {unknown}; choose from {list(CASES)}")
    repeats = check_count("--repeats", repeats)
    epochs = check_count("--epochs", epochs)
    seed = check_seed(seed, repeats)
    seeds = [seed + r for r in range(repeats)]
    images = split_image_data(
        data, image_size=(28, 28), shipped="digits28", seeds=seeds
    )
    X = images.X.reshape(len(images.X), -1)
    image_shape = images.X.shape[1:3]
    settings = {
        "study": "pool-interpolate",
        "data": images.identity,
        "repeats": repeats,
        "epochs": epochs,
        "seed": seed,
        "cases": list(cases),
    }
    common = {
        "X": X,
        "y": images.y,
        "image_shape": image_shape,
        "epochs": epochs,
        "device": device,
        "verbose": int(show_progress and n_jobs == 1),
    }
    runs = [
        (f"{case} #{r}", {**common, "case": case, "repeat": r, "seed": seed + r})
        for r in range(repeats)
        for case in cases
    ]
    report = partial(
        _report,
        X=X,
        image_shape=image_shape,
        description=images.description,
        settings=settings,
    )
    return StudyPlan("pool-interpolate", settings, runs, _run_case, report, n_jobs)


@runs_into_out(plan_pool_interpolate)
def run_pool_interpolate(out, *, show_progress=True, **kwargs):
    """Run Buell's pooling study and write its results, figures and report.

    Parameters
    ----------
    out : path-like
        Output folder: new, empty, or one an earlier study wrote (see
        :mod:`skneuro.studies._folder`); results already there for the same
        settings and data are resumed, not redone.
    data : path-like or None
        An MNIST-format folder or an image folder; ``None`` for the shipped
        digits enlarged to 28x28.
    repeats, epochs, seed : int
        Fresh 80/20 splits per case, training epochs, and the base seed
        (repeat ``r`` uses ``seed + r`` for the split and the network).
    device : str
        Training device.
    cases : sequence of str
        Among ``"baseline"``, ``"2x2/1"``, ``"2x2/2"``, ``"3x3/1"``,
        ``"3x3/2"``.
    n_jobs : int
        Runs at once, in joblib workers (``-1``: all cores); under
        ``joblib.parallel_config(backend="dask")``, on a Dask cluster. Rows
        are written as runs finish, in the same order and with the same
        scores as one after another.
    show_progress : bool
        tqdm progress bars over runs (and epochs, with ``n_jobs=1``).

    Returns
    -------
    section : str
        The study's section of the report (Markdown).

    Examples
    --------
    >>> import tempfile
    >>> from skneuro.studies import run_pool_interpolate
    >>> out = tempfile.mkdtemp()
    >>> section = run_pool_interpolate(out, repeats=1, epochs=1,
    ...                                cases=["baseline", "2x2/2"],
    ...                                show_progress=False)
    >>> section.splitlines()[0]
    '## Pooling and interpolation (Buell)'
    """
    plan = plan_pool_interpolate(show_progress=show_progress, **kwargs)
    return run_plan(plan, StudyFolder(out), show_progress=show_progress)


def _report(folder, frame, *, X, image_shape, description, settings):
    import matplotlib.pyplot as plt

    figures = []
    for case in settings["cases"]:
        if CASES[case] is None:
            continue
        window, stride = CASES[case]
        pool = PoolInterpolate(window, stride, image_shape=image_shape).fit(X)
        display = ImageComparisonDisplay.from_transformer(pool, X, n_images=6)
        display.figure_.suptitle(f"Pooled {case} and restored (Buell)")
        name = f"pool_interpolate_images_{case.replace('/', '_s')}.png"
        figures.append(save_figure(folder, display.figure_, name))

    fig, axes = plt.subplots(2, 2, figsize=(11, 8), sharex=True)
    for ax, name in zip(axes.ravel(), SCORES, strict=True):
        TrainingHistoryDisplay.from_histories(
            epoch_curves(frame, "case", split="test", metric=name),
            metric=f"test {name}" + ("" if name == "accuracy" else " (macro)"),
            ax=ax,
        )
    fig.suptitle("Test scores by epoch, mean ± std over repeats")
    figures.append(save_figure(folder, fig, "pool_interpolate_scores_by_epoch.png"))

    final = final_scores(frame, ["case", "repeat"])
    summary = final.groupby("case", sort=False)[list(SCORES)]
    mean, std = summary.mean(), summary.std(ddof=0).fillna(0.0)
    fig, ax = plt.subplots(figsize=(10.5, 4.5))
    width = 0.8 / len(SCORES)
    positions = np.arange(len(mean))
    for i, name in enumerate(SCORES):
        ax.bar(
            positions + (i - 1.5) * width,
            mean[name],
            width,
            yerr=std[name],
            capsize=3,
            label=name if name == "accuracy" else f"{name} (macro)",
        )
    ax.set_xticks(positions, mean.index)
    low = float((mean - std).min().min())
    ax.set_ylim(max(0.0, low - 0.05), 1.0)
    ax.set_xlabel("pooling case (window/stride)")
    ax.set_ylabel("test score")
    ax.set_title("Test scores per case, mean ± std over repeats")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    figures.append(save_figure(folder, fig, "pool_interpolate_test_scores.png"))

    table = mean_and_spread(final, "case", SCORES)
    table.insert(1, "runs", final.groupby("case", sort=False).size().to_numpy())
    lines = [
        "## Pooling and interpolation (Buell)",
        "",
        f"Data: {description}. Each case is `Pipeline(PoolInterpolate, "
        "StandardScaler, SmallCNN)` (no pooling for the baseline), trained for "
        f"{settings['epochs']} epochs on {settings['repeats']} fresh 80/20 "
        "stratified splits. Test scores, mean ± std over repeats:",
        "",
        markdown_table(table),
        "",
    ]
    lines += [f"![{name}]({name})" for name in figures]
    return "\n".join(lines) + "\n"
