"""Transformers for images and grouped feature tables."""

from skneuro.preprocessing._feature_groups import FeatureGroupSelector
from skneuro.preprocessing._pool_interpolate import PoolInterpolate

__all__ = ["FeatureGroupSelector", "PoolInterpolate"]
