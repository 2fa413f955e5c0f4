"""scikit-learn's input validation, with errors that name the input.

scikit-learn's ``validate_data`` and ``check_array`` report text in a numeric
array as numpy does, "could not convert string to float: 'abc'", which does
not say whether ``X``, ``y`` or ``sample_weight`` held it. These wrappers
say so, and change nothing else.
"""

from contextlib import contextmanager

import numpy as np
from sklearn.utils.validation import _check_sample_weight, check_array, validate_data

_NOT_A_NUMBER = (
    "could not convert",
    "invalid literal",
    "Unable to convert",
    "dtype='numeric' is not compatible",
)


@contextmanager
def _naming(name, fault_of=None):
    try:
        yield
    except (ValueError, TypeError) as exc:
        if not str(exc).startswith(_NOT_A_NUMBER):
            raise
        culprit = name if fault_of is None else fault_of()
        raise ValueError(
            f"{culprit} holds values that are not numbers ({exc}); skneuro's "
            f"estimators take numeric {culprit}."
        ) from exc


def _numeric(values):
    try:
        np.asarray(values, dtype=np.float64)
    except (ValueError, TypeError):
        return False
    return True


def validate_input(estimator, X="no_validation", y="no_validation", **kwargs):
    """``sklearn.utils.validation.validate_data``, naming ``X`` or ``y`` when
    one of them holds text where numbers are meant.

    Examples
    --------
    >>> from sklearn.base import BaseEstimator
    >>> from skneuro.utils._validation import validate_input
    >>> validate_input(BaseEstimator(), [[1, "a"]], reset=True)
    Traceback (most recent call last):
    ...
    ValueError: X holds values that are not numbers (...
    """
    has_y = not (isinstance(y, str) and y == "no_validation")

    def fault_of():
        return "y" if has_y and _numeric(X) else "X"

    with _naming("X", fault_of):
        return validate_data(estimator, X, y, **kwargs)


def check_input(X, input_name="X", **kwargs):
    """``check_array``, naming ``input_name`` when it holds text."""
    with _naming(input_name):
        return check_array(X, input_name=input_name, **kwargs)


def check_sample_weight(sample_weight, X, **kwargs):
    """``_check_sample_weight``, naming ``sample_weight`` when it holds text."""
    with _naming("sample_weight"):
        return _check_sample_weight(sample_weight, X, **kwargs)
