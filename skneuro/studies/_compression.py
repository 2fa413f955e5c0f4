"""Hao, "Use Neural Network to Classify and Compress Images", part 2.

A ``PruningAutoencoder`` per group of features, pruned progressively; its
reconstruction loss by units left, against PCA's with as many components
(the paper's Figure 3). Each run is one group; its results are one row per
width the pruning reached.
"""

from functools import partial

import numpy as np
import pandas as pd
from sklearn.preprocessing import StandardScaler

from skneuro.neural_network import PruningAutoencoder, pruning_curve
from skneuro.plotting import PruningCurveDisplay
from skneuro.studies._checks import check_count, check_seed
from skneuro.studies._common import features_line, markdown_table, save_figure
from skneuro.studies._data import feature_data
from skneuro.studies._folder import StudyFolder
from skneuro.studies._runs import StudyPlan, run_plan, runs_into_out


def _compress_group(
    group, X, hidden_units, loss_threshold, epochs, retrain_epochs, seed, device
):
    """One run: a pruned autoencoder of one group's standard-scaled features.

    Returns one row per width reached: the autoencoder's and PCA's
    reconstruction error there, and whether it is the width kept.
    """
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
    curve = pruning_curve(ae, X)
    common = {
        "group": group,
        "features": X.shape[1],
        "variance": float(np.mean(np.var(X, axis=0))),
        "threshold_mse": curve.threshold,
    }
    return [
        {
            **common,
            "units_left": int(units),
            "kept": bool(units == ae.n_hidden_units_),
            "autoencoder_mse": float(loss),
            "pca_mse": float(pca),
        }
        for units, loss, pca in zip(
            curve.units_left, curve.losses, curve.pca_losses, strict=True
        )
    ]


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
    if table_data.feature_settings is not None:
        settings["features"] = table_data.feature_settings
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
    report = partial(_report, settings=settings, table_data=table_data)
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
    joblib or Dask as for
    :func:`~skneuro.studies.run_feature_groups`). Returns the study's section
    of the report (Markdown).

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


def _report(folder, frame, *, settings, table_data):
    import matplotlib.pyplot as plt

    groups = list(dict.fromkeys(frame["group"]))
    fig, axes = plt.subplots(
        1, len(groups), figsize=(5.5 * len(groups), 4.2), squeeze=False
    )
    for ax, group in zip(axes[0], groups, strict=True):
        rows = frame[frame["group"] == group]
        PruningCurveDisplay(
            rows["units_left"].to_numpy(),
            rows["autoencoder_mse"].to_numpy(),
            pca_losses=rows["pca_mse"].to_numpy(),
            threshold=float(rows["threshold_mse"].iloc[0]),
            estimator_name=f"pruned autoencoder ({group})",
        ).plot(ax=ax)
        ax.set_title(f"{group}: {rows['features'].iloc[0]} features")
    fig.suptitle("Reconstruction loss by hidden units left (Hao, Figure 3)")
    figure = save_figure(folder, fig, "compression_by_units_left.png")
    kept = frame[frame["kept"].astype(bool)]
    summary = pd.DataFrame(
        {
            "group": kept["group"],
            "features": kept["features"],
            "units left": kept["units_left"],
            "reconstruction MSE": kept["autoencoder_mse"],
            "MSE / variance": kept["autoencoder_mse"] / kept["variance"],
            "threshold / variance": kept["threshold_mse"] / kept["variance"],
        }
    )
    lines = [
        "## Compression by pruning (Hao, part 2)",
        "",
        features_line(settings)
        + f"Data: {table_data.description}, each group standard-scaled. A sigmoid "
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
