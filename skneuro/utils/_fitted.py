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
def forget_fit_on_error(estimator, private=(), keep_on_interrupt=None, unchanged=None):
    """Drop ``estimator``'s fitted state if the block raises, then re-raise.

    The one rule for what a failed fit leaves behind. A failed (re)fit must
    leave no half-model: neither the previous fit's attributes next to the
    new input's, nor a partly updated network. Two exceptions:

    - while ``unchanged()`` is true, the block has not touched the fitted
      state it continues (a warm fit refusing its input before it touches
      the network), and an error leaves that state as it was;
    - a ``KeyboardInterrupt`` (Ctrl-C) is a failure too, unless
      ``keep_on_interrupt`` keeps the fit: called then, with no arguments,
      it puts the estimator in the fitted state of its last finished step
      and returns True, or returns False when there is none. Whatever it
      returns, the interrupt propagates; should it raise (a second Ctrl-C,
      say), the state is dropped and its exception propagates.

    Parameters
    ----------
    estimator : object
        The estimator being fitted.
    private : tuple of str, default=()
        Private attribute names that belong to the fitted state as well.
    keep_on_interrupt : callable or None, default=None
        The keep-rule for a ``KeyboardInterrupt``; ``None`` keeps nothing.
    unchanged : callable or None, default=None
        Whether the fitted state is still untouched by the block; ``None``
        for never (a fit from scratch changes it from its first line).

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
    >>> est.coef_ = 1.0
    >>> try:
    ...     with forget_fit_on_error(est, keep_on_interrupt=lambda: True):
    ...         raise KeyboardInterrupt
    ... except KeyboardInterrupt:
    ...     pass
    >>> est.coef_
    1.0
    >>> try:
    ...     with forget_fit_on_error(est, unchanged=lambda: True):
    ...         raise ValueError("refused before anything changed")
    ... except ValueError:
    ...     pass
    >>> est.coef_
    1.0
    """
    try:
        yield
    except BaseException as exc:
        if unchanged is not None and unchanged():
            raise
        if isinstance(exc, KeyboardInterrupt) and keep_on_interrupt is not None:
            try:
                kept = keep_on_interrupt()
            except BaseException:
                forget_fitted_state(estimator, private)
                raise
            if kept:
                raise
        forget_fitted_state(estimator, private)
        raise
