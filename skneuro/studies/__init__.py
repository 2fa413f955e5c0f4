"""The studies of the two papers, end to end: ``skneuro study ...``.

Each study is a function built on skneuro's public estimators, writing a
resumable results CSV, PNG figures and a section of ``report.md`` into an
output folder:

- :func:`run_pool_interpolate`: Buell, "Approximate Computation Image
  Classification";
- :func:`run_feature_groups`, :func:`run_compression`, :func:`run_images`:
  Hao, "Use Neural Network to Classify and Compress Images".

The command line (``skneuro study NAME`` or ``python -m skneuro study NAME``)
is a thin layer over them. The output folder is skneuro's only: see
:mod:`skneuro.studies._folder` for what it may hold and what is refused.
"""

from skneuro.studies._compression import run_compression
from skneuro.studies._feature_groups import run_feature_groups
from skneuro.studies._images import run_images
from skneuro.studies._pool_interpolate import run_pool_interpolate

__all__ = [
    "run_compression",
    "run_feature_groups",
    "run_images",
    "run_pool_interpolate",
]
