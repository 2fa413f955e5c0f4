"""Matplotlib displays in scikit-learn's ``Display.from_estimator`` style.

matplotlib is imported only when a display plots, never at import.
"""

from skneuro.plotting._pruning_curve import PruningCurveDisplay

__all__ = ["PruningCurveDisplay"]
