"""Model files that load without pickle: :func:`dump` and :func:`load`.

A model file is one zip archive: JSON for the model's structure and plain
values, ``.npy`` arrays read without pickle, the torch tensors in one
safetensors file and plain scikit-learn objects as skops files, with a
format version. :func:`load` checks the whole file first and builds only
the classes and functions on the allow-list, :data:`TRUSTED`.
"""

from skneuro.io._api import dump, load
from skneuro.io._format import FORMAT_VERSION, ModelFileError
from skneuro.io._trusted import TRUSTED

__all__ = ["FORMAT_VERSION", "TRUSTED", "ModelFileError", "dump", "load"]
