"""Small shared helpers."""

from skneuro.utils.discovery import all_estimators

__all__ = ["all_estimators"]
