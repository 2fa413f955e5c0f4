"""Metric-by-epoch curves of training runs, with bands over repeats."""

import reprlib
from collections.abc import Mapping

import numpy as np
from sklearn.utils.validation import check_is_fitted


def _check_dict(value, name, of):
    """``value`` as a dict; a TypeError naming ``name`` and what it maps.

    ``dict(value)`` would read a list of pairs, and fail on other lists with
    a message naming nothing; the displays take dicts only.
    """
    if not isinstance(value, Mapping):
        raise TypeError(
            f"{name} must be a dict of {of}; got {reprlib.repr(value)} (a "
            f"{type(value).__name__}). Pass a dict such as {{'label': ...}}, "
            "one entry per label."
        )
    return dict(value)


def _as_1d(values, name, label=None, per=None):
    """``values`` as a 1-D float array; a ValueError naming ``name[label]``
    (and what it holds one value ``per``)."""
    where = name if label is None else f"{name}[{label!r}]"
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{where} must be a 1-D array of numbers; got {values!r}."
        ) from exc
    if array.ndim != 1:
        holds = "" if per is None else f" (one value per {per})"
        raise ValueError(
            f"{where} must be 1-D{holds}; got an array of shape {array.shape}."
        )
    return array


def _labelled_arrays(mapping, name, of, *, per, expected, curves=None):
    """The dict ``mapping`` as 1-D float arrays, by label.

    ``expected(label)`` gives ``(size, what)``: the size each array must
    have and what has that size, for the message (``(5, "x")``). With
    ``curves``, every label must be one of theirs (``mapping`` holds their
    spreads).
    """
    arrays = {}
    for label, values in _check_dict(mapping, name, of).items():
        if curves is not None and label not in curves:
            raise ValueError(
                f"{name}[{label!r}] has no curve; the curves are {list(curves)}."
            )
        array = _as_1d(values, name, label, per=per)
        size, what = expected(label)
        if size is not None and array.size != size:
            unit = "epochs" if per == "epoch" else "values"
            raise ValueError(
                f"{name}[{label!r}] has {array.size} {unit}, but {what} has {size}."
            )
        arrays[label] = array
    return arrays


def _as_2d(values, label):
    """A history of shape (n_repeats, n_epochs) as a float array."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        try:
            lengths = [len(repeat) for repeat in values]
        except TypeError:
            lengths = None
        detail = (
            f"its repeats have {lengths} epochs"
            if lengths is not None
            else "its rows are not all sequences of numbers"
        )
        raise ValueError(
            f"histories[{label!r}] is ragged ({detail}); it must be a 2-D array "
            "of shape (n_repeats, n_epochs): trim or pad its repeats to a common "
            "number of epochs."
        ) from exc
    if array.ndim != 2 or 0 in array.shape:
        raise ValueError(
            f"histories[{label!r}] must be a non-empty 2-D array of shape "
            f"(n_repeats, n_epochs); got an array of shape {array.shape}."
        )
    return array


def _has_label(label):
    """Whether matplotlib would show ``label`` in a legend."""
    return label is not None and str(label) != "" and not str(label).startswith("_")


class TrainingHistoryDisplay:
    """Curves of a metric by epoch, with optional bands (e.g. over repeats).

    One curve per label, epochs numbered from 1, as the training curves of
    Hao, "Use Neural Network to Classify and Compress Images". The
    constructor takes plain arrays, so curves kept in a file can be drawn
    without the fitted estimators; :meth:`from_estimator` reads a fitted
    network's ``history_``, and :meth:`from_histories` averages repeated
    runs.

    Parameters
    ----------
    curves : dict of str to array-like of shape (n_epochs,)
        Value of the metric at epochs 1, 2, ..., n_epochs, by curve label.
        Curves may have different lengths.
    metric : str, default="loss"
        Name of the metric, the label of the y axis.
    spreads : dict of str to array-like of shape (n_epochs,), default=None
        Spread of some curves (the standard deviation over repeats, say),
        drawn as a shaded band from ``curve - spread`` to ``curve + spread``.
        Its labels must be labels of ``curves``, with as many epochs.

    Attributes
    ----------
    lines_ : dict of str to matplotlib Line2D
        The curve of each label.
    bands_ : dict of str to matplotlib PolyCollection
        The band of each label that has a spread (others are absent).
    ax_ : matplotlib Axes
        Axes with the curves.
    figure_ : matplotlib Figure
        Figure holding the axes.

    See Also
    --------
    PruningCurveDisplay : Reconstruction loss against the units left.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skneuro.plotting import TrainingHistoryDisplay
    >>> display = TrainingHistoryDisplay(
    ...     {"train": [0.9, 0.5, 0.3], "valid": [1.0, 0.7, 0.6]},
    ...     spreads={"valid": [0.1, 0.1, 0.05]},
    ... ).plot(title="digits")
    >>> display.lines_["valid"].get_ydata().tolist()
    [1.0, 0.7, 0.6]
    >>> sorted(display.bands_)
    ['valid']
    >>> display.ax_.get_xlabel(), display.ax_.get_ylabel()
    ('epoch', 'loss')
    """

    def __init__(self, curves, *, metric="loss", spreads=None):
        self.curves = _labelled_arrays(
            curves,
            "curves",
            "label -> array of one value per epoch",
            per="epoch",
            expected=lambda label: (None, None),
        )
        if not self.curves:
            raise ValueError("curves is empty: pass at least one curve.")
        self.metric = metric
        self.spreads = None
        if spreads is not None:
            self.spreads = _labelled_arrays(
                spreads,
                "spreads",
                "label -> array of one spread per epoch",
                per="epoch",
                expected=lambda label: (
                    self.curves[label].size,
                    f"curves[{label!r}]",
                ),
                curves=self.curves,
            )

    def plot(self, ax=None, *, title=None):
        """Draw the curves (and bands) on ``ax``.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        title : str, default=None
            Title of the axes.

        Returns
        -------
        display : TrainingHistoryDisplay
            ``self``, with the plotting attributes set.
        """
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator

        if ax is None:
            _, ax = plt.subplots()
        spreads = self.spreads or {}
        self.lines_, self.bands_ = {}, {}
        for label, values in self.curves.items():
            epochs = np.arange(1, values.size + 1)
            # A single epoch would be an invisible line without a marker.
            marker = "o" if values.size == 1 else None
            line = ax.plot(epochs, values, marker=marker, label=label)[0]
            self.lines_[label] = line
            if label in spreads:
                self.bands_[label] = ax.fill_between(
                    epochs,
                    values - spreads[label],
                    values + spreads[label],
                    color=line.get_color(),
                    alpha=0.2,
                    linewidth=0,
                )
        ax.set_xlabel("epoch")
        ax.set_ylabel(self.metric)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if len(self.curves) > 1 or any(map(_has_label, self.curves)):
            ax.legend()
        if title is not None:
            ax.set_title(title)
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(
        cls, estimator, *, keys=("train_loss", "valid_loss"), ax=None, **kwargs
    ):
        """Plot the per-epoch records of a fitted network's ``history_``.

        Parameters
        ----------
        estimator : estimator
            A fitted estimator with a ``history_``: a list-like of one dict
            per epoch, such as skorch's ``History`` (the neural estimators of
            :mod:`skneuro.neural_network` keep one).
        keys : sequence of str, default=("train_loss", "valid_loss")
            Keys of the records to draw, one curve each, labelled by the key.
            Only the keys recorded at every epoch are drawn (``valid_loss``
            exists only with a validation split, such as early stopping).
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        **kwargs
            ``metric`` (the y axis label, default ``"loss"``) is passed to
            the constructor, the others (``title``) to :meth:`plot`.

        Returns
        -------
        display : TrainingHistoryDisplay

        Raises
        ------
        ValueError
            If none of ``keys`` is recorded at every epoch.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from sklearn.datasets import load_iris
        >>> from skneuro.neural_network import MLPClassifier
        >>> from skneuro.plotting import TrainingHistoryDisplay
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = MLPClassifier(max_epochs=5, random_state=0).fit(X, y)
        >>> display = TrainingHistoryDisplay.from_estimator(clf)
        >>> list(display.lines_)  # no validation split, so no valid_loss
        ['train_loss']
        >>> display.lines_["train_loss"].get_xdata().tolist()
        [1, 2, 3, 4, 5]
        """
        check_is_fitted(estimator)
        name = type(estimator).__name__
        history = getattr(estimator, "history_", None)
        if history is None:
            raise ValueError(
                f"{name} has no history_ attribute: from_estimator needs a "
                "fitted network that records one dict per epoch."
            )
        rows = list(history)
        if not rows:
            raise ValueError(f"{name}.history_ is empty: it records no epoch.")
        keys = (keys,) if isinstance(keys, str) else tuple(keys)
        present = [key for key in keys if all(key in row for row in rows)]
        if not present:
            common = sorted(set.intersection(*(set(row) for row in rows)), key=str)
            raise ValueError(
                f"None of the keys {list(keys)} is recorded at every epoch of "
                f"{name}.history_; the keys recorded at every epoch are {common}."
            )
        curves = {key: [row[key] for row in rows] for key in present}
        display = cls(curves, metric=kwargs.pop("metric", "loss"))
        return display.plot(ax=ax, **kwargs)

    @classmethod
    def from_histories(cls, histories, *, metric, ax=None, **kwargs):
        """Plot the mean over repeated runs, with the standard deviation band.

        Parameters
        ----------
        histories : dict of str to array-like of shape (n_repeats, n_epochs)
            The metric at every epoch of every repeat (a row per repeat), by
            curve label. Labels may have different numbers of repeats and of
            epochs, but within a label every repeat has as many epochs.
        metric : str
            Name of the metric, the label of the y axis.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        **kwargs
            Passed to :meth:`plot` (``title``).

        Returns
        -------
        display : TrainingHistoryDisplay
            With ``curves`` the means over the repeats and ``spreads`` their
            standard deviations (``numpy.std``, ``ddof=0``, as scikit-learn's
            ``cv_results_``).

        Raises
        ------
        ValueError
            If a history is ragged, or not 2-D.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from skneuro.plotting import TrainingHistoryDisplay
        >>> display = TrainingHistoryDisplay.from_histories(
        ...     {"hidden=8": [[1.0, 0.5], [0.8, 0.3]]}, metric="test loss")
        >>> display.curves["hidden=8"].tolist()
        [0.9, 0.4]
        >>> display.spreads["hidden=8"].round(6).tolist()
        [0.1, 0.1]
        """
        curves, spreads = {}, {}
        histories = _check_dict(
            histories, "histories", "label -> array of shape (n_repeats, n_epochs)"
        )
        for label, values in histories.items():
            array = _as_2d(values, label)
            curves[label] = array.mean(axis=0)
            spreads[label] = array.std(axis=0)
        display = cls(curves, metric=metric, spreads=spreads)
        return display.plot(ax=ax, **kwargs)
