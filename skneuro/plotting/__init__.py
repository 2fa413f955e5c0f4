"""Matplotlib displays in scikit-learn's ``Display.from_estimator`` style.

matplotlib is imported only when a display plots, never at import.
"""

from skneuro.plotting._image_comparison import ImageComparisonDisplay
from skneuro.plotting._pruning_curve import PruningCurveDisplay
from skneuro.plotting._search_results import SearchResultsDisplay
from skneuro.plotting._training_history import TrainingHistoryDisplay

__all__ = [
    "ImageComparisonDisplay",
    "PruningCurveDisplay",
    "SearchResultsDisplay",
    "TrainingHistoryDisplay",
]
