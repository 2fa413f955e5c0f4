"""A score against a numeric hyper-parameter, one curve per group."""

from collections.abc import Sequence
from numbers import Real

import numpy as np
from sklearn.utils.validation import check_is_fitted

from skneuro.plotting._training_history import (
    _as_1d,
    _check_dict,
    _labelled_arrays,
)

# Colors of the reference lines, in turn: black and greys, apart from the
# curves' color cycle.
_REFERENCE_COLORS = ("black", "dimgrey", "darkgrey")


def _has_label(label):
    """Whether matplotlib would show ``label`` in a legend."""
    return label is not None and str(label) != "" and not str(label).startswith("_")


def _metric_label(scorer):
    """Axis label of a scorer, and the sign its scores are drawn with.

    ``"neg_log_loss"`` is drawn negated, as ``"log loss"``; underscores are
    spaces.
    """
    if scorer.startswith("neg_"):
        return scorer[len("neg_") :].replace("_", " "), -1.0
    return scorer.replace("_", " "), 1.0


def _group_label(value):
    """Legend label of a parameter value: lists of names joined by "+"."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        return " + ".join(map(str, value))
    return str(value)


def _as_number(value, param):
    """A numeric parameter value as a float; ``[64]`` counts as 64."""
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 1:
        value = value[0]
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"param={param!r} must take numeric values (or one-element lists of "
            f"one, such as [64]); it takes the value {value!r}."
        ) from None


def _as_level(value, label):
    """A reference level as a float; a ValueError naming references[label]."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, Real) and not isinstance(value, bool | np.bool_):
        return float(value)
    raise ValueError(
        f"references[{label!r}] must be a number, the level of its horizontal "
        f"line; got {value!r}."
    )


def _check_search_params(results, param, group):
    """Refuse a ``param`` or ``group`` that is not a parameter of the search."""
    params = [key[len("param_") :] for key in results if key.startswith("param_")]
    for name, value in (("param", param), ("group", group)):
        if value is not None and value not in params:
            raise ValueError(
                f"{name}={value!r} is not a parameter of the search; its "
                f"parameters are {params}."
            )
    if group is not None and group == param:
        raise ValueError(f"group and param are both {param!r}; pick another.")


def _score_key(search, results, metric):
    """The scorer's key in ``cv_results_`` and the name it is labelled by."""
    scorers = [
        key[len("mean_test_") :] for key in results if key.startswith("mean_test_")
    ]
    scoring = getattr(search, "scoring", None)
    if metric is None or (
        scorers == ["score"] and isinstance(scoring, str) and metric == scoring
    ):
        if "score" not in scorers:
            raise ValueError(
                f"The search has several scorers, {scorers}: pass metric= one of them."
            )
        # A single-metric search named by its scorer is labelled by it.
        name = scoring if isinstance(scoring, str) else "score"
        return "score", name
    if metric in scorers:
        return metric, metric
    raise ValueError(
        f"metric={metric!r} is not a scorer of the search; its scorers are {scorers}."
    )


def _candidate_groups(results, group, label, n_candidates):
    """The curve of each candidate: its ``group`` value, or ``label`` for all."""
    if group is None:
        return [label] * n_candidates
    group_values = results[f"param_{group}"]
    group_mask = np.ma.getmaskarray(group_values)
    return [
        "(not set)" if masked else _group_label(value)
        for value, masked in zip(np.ma.getdata(group_values), group_mask, strict=True)
    ]


def _best_candidates(x_values, x_mask, groups, means, param):
    """``best[group][x]``: index of the best candidate at that point."""
    best = {}
    for i, (value, masked) in enumerate(zip(x_values, x_mask, strict=True)):
        if masked:
            continue
        points = best.setdefault(groups[i], {})
        x = _as_number(value, param)
        j = points.get(x)
        if j is None or (np.isnan(means[j]) and not np.isnan(means[i])):
            points[x] = i
        elif means[i] > means[j]:
            points[x] = i
    if not best:
        raise ValueError(f"No candidate of the search sets param={param!r}.")
    return best


def _best_curves(best, means, stds, sign):
    """The sorted x values, and each group's scores and spreads at them.

    NaN where a group has no candidate at an x.
    """
    xs = np.array(sorted({x for points in best.values() for x in points}))
    curves, spreads = {}, {}
    for group_label, points in best.items():
        index = [points.get(x) for x in xs]
        curves[group_label] = [np.nan if i is None else sign * means[i] for i in index]
        spreads[group_label] = [np.nan if i is None else stds[i] for i in index]
    return xs, curves, spreads


class SearchResultsDisplay:
    """A score against a numeric hyper-parameter, one curve per group.

    The figures of Hao, "Use Neural Network to Classify and Compress Images"
    (Figures 1 and 2: test loss and accuracy by the number of hidden units,
    one curve per group of features), with reference levels such as chance
    or a logistic regression's score as dashed lines. The constructor takes
    plain arrays, so results kept in a file can be drawn without the search;
    :meth:`from_search` reads a fitted search's ``cv_results_``.

    Parameters
    ----------
    x : array-like of shape (n_points,)
        Values of the hyper-parameter.
    curves : dict of str to array-like of shape (n_points,)
        Score at each ``x``, by group label (NaN where a group has no score:
        the line is broken there).
    spreads : dict of str to array-like of shape (n_points,), default=None
        Spread of some curves' scores (their standard deviation over the
        cross-validation folds, say), drawn as error bars. Its labels must be
        labels of ``curves``.
    x_label : str, default="hidden units"
        Label of the x axis.
    metric : str, default="accuracy"
        Label of the y axis.
    references : dict of str to float, default=None
        Reference levels, drawn as horizontal dashed lines with their label
        in the legend (``{"chance": 0.1}``, say).

    Attributes
    ----------
    lines_ : dict of str to matplotlib Line2D
        The curve of each group (the data line of its error bars, if any).
    reference_lines_ : dict of str to matplotlib Line2D
        The line of each reference level.
    ax_ : matplotlib Axes
        Axes with the curves.
    figure_ : matplotlib Figure
        Figure holding the axes.

    See Also
    --------
    sklearn.model_selection.GridSearchCV : Its ``cv_results_`` are what
        :meth:`from_search` reads.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skneuro.plotting import SearchResultsDisplay
    >>> display = SearchResultsDisplay(
    ...     [8, 16, 32],
    ...     {"lpq": [0.50, 0.60, 0.62], "all": [0.55, 0.66, 0.70]},
    ...     spreads={"all": [0.02, 0.02, 0.01]},
    ...     references={"chance": 0.1},
    ... ).plot(title="Hao, Figure 2")
    >>> display.lines_["lpq"].get_ydata().tolist()
    [0.5, 0.6, 0.62]
    >>> list(display.reference_lines_["chance"].get_ydata())
    [0.1, 0.1]
    >>> display.ax_.get_xlabel(), display.ax_.get_ylabel()
    ('hidden units', 'accuracy')
    """

    def __init__(
        self,
        x,
        curves,
        *,
        spreads=None,
        x_label="hidden units",
        metric="accuracy",
        references=None,
    ):
        self.x = _as_1d(x, "x")

        def same_as_x(label):
            return self.x.size, "x"

        self.curves = _labelled_arrays(
            curves,
            "curves",
            "label -> array of one score per x",
            per=None,
            expected=same_as_x,
        )
        if not self.curves:
            raise ValueError("curves is empty: pass at least one curve.")
        self.spreads = None
        if spreads is not None:
            self.spreads = _labelled_arrays(
                spreads,
                "spreads",
                "label -> array of one spread per x",
                per=None,
                expected=same_as_x,
                curves=self.curves,
            )
        self.x_label = x_label
        self.metric = metric
        self.references = None
        if references is not None:
            references = _check_dict(
                references,
                "references",
                "label -> level (a number), such as {'chance': 0.1}",
            )
            self.references = {
                label: _as_level(value, label) for label, value in references.items()
            }

    def plot(self, ax=None, *, title=None):
        """Draw the curves (with error bars) and the reference lines on ``ax``.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        title : str, default=None
            Title of the axes.

        Returns
        -------
        display : SearchResultsDisplay
            ``self``, with the plotting attributes set.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        spreads = self.spreads or {}
        self.lines_, self.reference_lines_ = {}, {}
        for label, values in self.curves.items():
            if label in spreads:
                bars = ax.errorbar(
                    self.x,
                    values,
                    yerr=spreads[label],
                    marker="o",
                    capsize=3,
                    label=label,
                )
                self.lines_[label] = bars.lines[0]
            else:
                self.lines_[label] = ax.plot(self.x, values, marker="o", label=label)[0]
        for i, (label, value) in enumerate((self.references or {}).items()):
            self.reference_lines_[label] = ax.axhline(
                value,
                linestyle="--",
                color=_REFERENCE_COLORS[i % len(_REFERENCE_COLORS)],
                label=label,
            )
        ax.set_xlabel(self.x_label)
        ax.set_ylabel(self.metric)
        labels = [*self.curves, *self.reference_lines_]
        if any(map(_has_label, labels)):
            ax.legend()
        if title is not None:
            ax.set_title(title)
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_search(cls, search, *, param, group=None, metric=None, ax=None, **kwargs):
        """Plot a fitted search's mean test score against one parameter.

        Parameters
        ----------
        search : GridSearchCV or RandomizedSearchCV
            A fitted search (``refit=False`` is fine: only ``cv_results_`` is
            read).
        param : str
            The numeric parameter on the x axis, as named in the search
            (``"clf__hidden_units"``, say). A one-element list value, such
            as ``[64]`` (one hidden layer), counts as its element.
        group : str, default=None
            Another parameter of the search, one curve per value
            (``"groups__select"``, say; a list value is labelled with its
            items joined by ``" + "``). None draws a single curve.
        metric : str, default=None
            The scorer, for a search with several (``scoring`` a dict or a
            list): ``"accuracy"`` or ``"neg_log_loss"``, say. None reads the
            ``score`` of a single-metric search. A scorer named ``neg_...``
            is drawn negated and labelled without the prefix (``"log
            loss"``); underscores are spaces.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        **kwargs
            ``x_label`` (default: ``param`` without its step prefix, with
            spaces: ``"hidden units"``) and ``references`` are passed to the
            constructor, the others (``title``) to :meth:`plot`.

        Returns
        -------
        display : SearchResultsDisplay
            ``x`` the sorted values of ``param``; the curves the
            ``mean_test_<metric>`` of each group at each ``x`` (NaN where the
            search has no such candidate), with ``std_test_<metric>`` as
            spreads.

        Raises
        ------
        ValueError
            If ``param``, ``group`` or ``metric`` is not one of the search's
            (the message lists those), or ``param`` is not numeric.

        Notes
        -----
        Where several candidates share a group and an ``x`` (the search
        varies other parameters too), the point drawn is the best of them by
        ``mean_test_<metric>`` (higher is better, as for every scikit-learn
        scorer), with its own standard deviation.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.model_selection import GridSearchCV
        >>> from sklearn.neighbors import KNeighborsClassifier
        >>> from skneuro.plotting import SearchResultsDisplay
        >>> X, y = load_iris(return_X_y=True)
        >>> search = GridSearchCV(
        ...     KNeighborsClassifier(),
        ...     {"n_neighbors": [1, 5, 15], "weights": ["uniform", "distance"]},
        ...     scoring={"accuracy": "accuracy", "neg_log_loss": "neg_log_loss"},
        ...     refit=False,
        ... ).fit(X, y)
        >>> display = SearchResultsDisplay.from_search(
        ...     search, param="n_neighbors", group="weights",
        ...     metric="neg_log_loss")
        >>> display.x.tolist(), list(display.curves)
        ([1.0, 5.0, 15.0], ['uniform', 'distance'])
        >>> display.ax_.get_ylabel()
        'log loss'
        >>> bool((display.curves["uniform"] > 0).all())  # a loss, not its negative
        True
        """
        check_is_fitted(search, "cv_results_")
        results = search.cv_results_
        _check_search_params(results, param, group)
        key, name = _score_key(search, results, metric)
        label, sign = _metric_label(name)

        x_values = results[f"param_{param}"]
        x_mask = np.ma.getmaskarray(x_values)
        x_values = np.ma.getdata(x_values)
        groups = _candidate_groups(results, group, label, len(x_mask))
        means = np.asarray(results[f"mean_test_{key}"], dtype=float)
        stds = np.asarray(results[f"std_test_{key}"], dtype=float)
        best = _best_candidates(x_values, x_mask, groups, means, param)
        xs, curves, spreads = _best_curves(best, means, stds, sign)
        x_label = kwargs.pop("x_label", param.rsplit("__", 1)[-1].replace("_", " "))
        display = cls(
            xs,
            curves,
            spreads=spreads,
            x_label=x_label,
            metric=label,
            references=kwargs.pop("references", None),
        )
        return display.plot(ax=ax, **kwargs)
