"""Select named groups of columns, so that the choice of groups is searchable."""

import numbers
import re
import warnings
from collections.abc import Mapping

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.feature_selection import SelectorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from skneuro.utils._fitted import forget_fit_on_error

__all__ = ["FeatureGroupSelector"]

ALL = "all"

# "lpq_1" -> "lpq", "a_b_12" -> "a_b"; "lpq", "_1" and "lpq_x" have no suffix.
_SUFFIX = re.compile(r"^(?P<prefix>.+)_\d+$")

# How many group names an error message lists before it abbreviates.
_MAX_LISTED = 30


def _group_from_name(name):
    """Group name of a column: its name without a trailing ``_<digits>``."""
    match = _SUFFIX.match(name)
    return match.group("prefix") if match else name


def _format_names(names):
    names = [repr(name) for name in names]
    if len(names) > _MAX_LISTED:
        extra = len(names) - _MAX_LISTED
        names = names[:_MAX_LISTED] + [f"... ({extra} more)"]
    return ", ".join(names)


def _infer_groups(feature_names):
    """Groups from column-name prefixes, in order of first appearance."""
    groups = {}
    for position, name in enumerate(feature_names):
        groups.setdefault(_group_from_name(name), []).append(position)
    if ALL in groups:
        columns = [feature_names[i] for i in groups.pop(ALL)]
        warnings.warn(
            f"Columns {columns} would form a group named {ALL!r}, but {ALL!r} is "
            "reserved for every feature; these columns are not put in a group "
            f"of their own (select={ALL!r} still selects them). Pass `groups` "
            "explicitly to name them.",
            UserWarning,
            stacklevel=3,
        )
    return {
        name: np.asarray(positions, dtype=np.intp) for name, positions in groups.items()
    }


def _position_of_name(group, name, feature_names):
    if feature_names is None:
        raise ValueError(
            f"Group {group!r} refers to column {name!r} by name, but X has no "
            "feature names. Fit on a pandas DataFrame with string column names, "
            "or give the group's columns as integer positions, slices or a "
            "boolean mask."
        )
    positions = np.flatnonzero(feature_names == name)
    if positions.size == 0:
        raise ValueError(
            f"Group {group!r} refers to column {name!r}, which is not a column "
            f"of X. Columns of X: {_format_names(feature_names)}."
        )
    return int(positions[0])


def _check_position(group, position, n_features):
    if not -n_features <= position < n_features:
        raise ValueError(
            f"Group {group!r} refers to column position {position}, which is out "
            f"of range for X with {n_features} features (valid positions are "
            f"0..{n_features - 1}, or negative positions counted from the end)."
        )
    return position % n_features


def _slice_positions(group, columns, n_features, feature_names):
    """Positions of a slice: integers as in Python, names inclusive as in pandas."""
    start, stop, step = columns.start, columns.stop, columns.step
    if isinstance(start, str) or isinstance(stop, str):
        if start is not None:
            start = _position_of_name(group, start, feature_names)
        if stop is not None:
            stop = _position_of_name(group, stop, feature_names) + 1
    for bound in (start, stop, step):
        if bound is not None and (
            not isinstance(bound, numbers.Integral) or isinstance(bound, bool)
        ):
            raise ValueError(
                f"Group {group!r} is the slice {columns!r}; slice bounds must be "
                "integers, column names or None."
            )
    return np.arange(n_features)[slice(start, stop, step)]


def _resolve_columns(group, columns, n_features, feature_names):
    """Integer positions (sorted, unique) of one group's column specification."""
    if isinstance(columns, slice):
        positions = _slice_positions(group, columns, n_features, feature_names)
        return np.unique(positions).astype(np.intp)
    if isinstance(columns, (str, numbers.Integral)) and not isinstance(
        columns, (bool, np.bool_)
    ):
        columns = [columns]
    if isinstance(columns, (bool, np.bool_)) or not hasattr(columns, "__iter__"):
        raise ValueError(
            f"Group {group!r} is {columns!r}; a group's columns must be integer "
            "positions, column names, a slice or a boolean mask."
        )
    items = columns.tolist() if hasattr(columns, "tolist") else list(columns)
    if items and all(isinstance(item, (bool, np.bool_)) for item in items):
        if len(items) != n_features:
            raise ValueError(
                f"Group {group!r} is a boolean mask of length {len(items)}, but X "
                f"has {n_features} features."
            )
        return np.flatnonzero(items).astype(np.intp)
    positions = []
    for item in items:
        if isinstance(item, str):
            positions.append(_position_of_name(group, item, feature_names))
        elif isinstance(item, numbers.Integral) and not isinstance(
            item, (bool, np.bool_)
        ):
            positions.append(_check_position(group, int(item), n_features))
        else:
            raise ValueError(
                f"Group {group!r} contains {item!r}; a group's columns must be "
                "integer positions or column names (or, as a whole, a slice or "
                "a boolean mask)."
            )
    return np.unique(np.asarray(positions, dtype=np.intp))


class FeatureGroupSelector(SelectorMixin, BaseEstimator):
    """Select named groups of columns.

    Columns are gathered into named groups (given, or read from the column
    names of a DataFrame), and ``select`` names the groups to keep. Because
    ``select`` is an ordinary parameter, the choice of feature groups can be
    searched like any other hyper-parameter, e.g. with
    ``{"groups__select": ["lpq", "phog", "all"]}`` in a
    :class:`~sklearn.model_selection.GridSearchCV` over a
    :class:`~sklearn.pipeline.Pipeline` whose first step is named ``"groups"``.

    The selected columns keep their original order, whatever the order of the
    names in ``select``. Values are passed through untouched: any dtype,
    missing values and sparse input are accepted.

    Parameters
    ----------
    groups : mapping of str to columns, default=None
        Group name -> the group's columns, given as

        - an integer position or a list/array of them (negative positions
          count from the end, as in Python);
        - a ``slice`` of positions, or of column names (then both ends are
          included, as with ``DataFrame.loc``);
        - a column name or a list of them (only when ``X`` is a DataFrame
          with string column names);
        - a boolean mask with one entry per feature.

        Groups may overlap, and need not cover every column. The name
        ``"all"`` is reserved (see ``select``), so a group of that name is an
        error.

        If None, groups come from the feature names: a name ending in
        ``_<digits>`` belongs to the group named by what comes before the last
        underscore (``lpq_1`` and ``lpq_2`` -> ``lpq``); any other column is a
        group of its own, named after the column. Without feature names (a
        plain array) the names ``x0, x1, ...`` of
        :meth:`get_feature_names_out` are used, so each column is a group of
        its own.

    select : str or list of str, default="all"
        ``"all"`` (every feature, including columns in no group), the name of
        one group, or a list or tuple of group names (the union of their
        columns). ``"all"`` always means every feature: it takes precedence
        over a group of that name, and may also appear in a list.

    Attributes
    ----------
    groups_ : dict of str to ndarray of int
        Each group's column positions, sorted. With ``groups=None`` the groups
        appear in the order of their first column.

    support_ : ndarray of bool of shape (`n_features_in_`,)
        Mask of the selected features.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    sklearn.compose.ColumnTransformer : Applies transformers to subsets of
        columns.
    sklearn.feature_selection.SelectorMixin : Feature selection by a support
        mask, which this selector builds on.
    skneuro.datasets.load_feature_table : Loads a table whose columns are
        named ``<group>_<k>``, ready for this selector.

    Examples
    --------
    >>> import pandas as pd
    >>> from skneuro.preprocessing import FeatureGroupSelector
    >>> X = pd.DataFrame({"lpq_1": [0.1, 0.2, 0.3], "lpq_2": [1.0, 2.0, 3.0],
    ...                   "phog_1": [5.0, 6.0, 7.0]})
    >>> selector = FeatureGroupSelector(select="lpq").fit(X)
    >>> selector.groups_
    {'lpq': array([0, 1]), 'phog': array([2])}
    >>> selector.get_feature_names_out()
    array(['lpq_1', 'lpq_2'], dtype=object)
    >>> selector.transform(X)
    array([[0.1, 1. ],
           [0.2, 2. ],
           [0.3, 3. ]])

    Explicit groups work on plain arrays too:

    >>> selector = FeatureGroupSelector(
    ...     groups={"first": [0], "rest": slice(1, None)}, select="rest"
    ... )
    >>> selector.fit_transform(X.to_numpy())
    array([[1., 5.],
           [2., 6.],
           [3., 7.]])
    """

    _parameter_constraints: dict = {
        "groups": [Mapping, None],
        "select": [str, list, tuple],
    }

    def __init__(self, groups=None, select=ALL):
        self.groups = groups
        self.select = select

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Resolve the groups against the columns of `X`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; only its columns (and their names) matter.

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted selector.
        """
        # A failed refit must not leave the old support with new columns.
        with forget_fit_on_error(self):
            self._fit(X)
        return self

    def _fit(self, X):
        validate_data(
            self,
            X,
            reset=True,
            accept_sparse=True,
            dtype=None,
            ensure_all_finite=False,
        )
        n_features = self.n_features_in_
        feature_names = getattr(self, "feature_names_in_", None)

        if self.groups is None:
            names = (
                feature_names.tolist()
                if feature_names is not None
                else [f"x{i}" for i in range(n_features)]
            )
            groups = _infer_groups(names)
        else:
            groups = {}
            for name, columns in self.groups.items():
                if not isinstance(name, str):
                    raise ValueError(
                        f"Group names must be strings; got {name!r} in `groups`."
                    )
                if name == ALL:
                    raise ValueError(
                        f"{ALL!r} is reserved for every feature and cannot be the "
                        "name of a group in `groups`; rename that group."
                    )
                groups[name] = _resolve_columns(
                    name, columns, n_features, feature_names
                )
        self.groups_ = groups
        self.support_ = self._mask_of(self.select)

    def _mask_of(self, select):
        """Support mask of the names in `select`; errors name the problem."""
        names = [select] if isinstance(select, str) else list(select)
        if not names:
            raise ValueError(
                "`select` is empty; give 'all', a group name or a list of group "
                f"names. Known groups: {_format_names(self.groups_)}."
            )
        mask = np.zeros(self.n_features_in_, dtype=bool)
        for name in names:
            if isinstance(name, str) and name == ALL:
                mask[:] = True
            elif isinstance(name, str) and name in self.groups_:
                mask[self.groups_[name]] = True
            else:
                raise ValueError(
                    f"Unknown group {name!r} in `select`. Known groups: "
                    f"{_format_names(self.groups_)} (and {ALL!r} for every "
                    "feature)."
                )
        if not mask.any():
            raise ValueError(
                f"`select={select!r}` selects no column of X (n_features="
                f"{self.n_features_in_}): the selected groups are empty. Known "
                "groups and their sizes: "
                + ", ".join(
                    f"{name!r} ({len(cols)})" for name, cols in self.groups_.items()
                )
                + "."
            )
        return mask

    def transform(self, X):
        """Keep the columns of the selected groups.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data with the columns seen in :meth:`fit`.

        Returns
        -------
        X_selected : array-like of shape (n_samples, n_selected_features)
            The selected columns, in their original order.
        """
        # Before scikit-learn's feature-name check, which would warn about
        # names first and only then say the selector is not fitted.
        check_is_fitted(self)
        return super().transform(X)

    def _get_support_mask(self):
        check_is_fitted(self)
        return self.support_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.sparse = True
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
