"""Fitted-state bookkeeping shared by the estimators."""

from contextlib import contextmanager


def forget_fitted_state(estimator, private=()):
    """Delete every fitted attribute of ``estimator``.

    The fitted state is every public attribute ending in ``_`` (scikit-learn's
    convention) plus the ``private`` attribute names given.
    """
    state = vars(estimator)
    for name in [k for k in state if k.endswith("_") and not k.startswith("_")]:
        del state[name]
    for name in private:
        state.pop(name, None)


@contextmanager
def forget_fit_on_error(estimator, private=()):
    """Drop ``estimator``'s fitted state if the block raises, then re-raise.

    A failed (re)fit must leave no half-model: neither the previous fit's
    attributes next to the new input's, nor a partly updated network.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from skneuro.utils._fitted import forget_fit_on_error
    >>> est = SimpleNamespace(coef_=1.0, alpha=0.5)
    >>> try:
    ...     with forget_fit_on_error(est):
    ...         raise ValueError("bad input")
    ... except ValueError:
    ...     pass
    >>> vars(est)
    {'alpha': 0.5}
    """
    try:
        yield
    except BaseException:
        forget_fitted_state(estimator, private)
        raise
