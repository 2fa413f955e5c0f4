"""The layout of a skneuro model file, and the error a bad one raises.

One zip archive:

- ``model.json``: ``{"format": "skneuro-model", "format_version": 1,
  "versions": {...}, "root": <value tree>}`` (the value tree:
  :mod:`skneuro.io._encode`);
- ``arrays/<n>.npy``: numeric, bool or fixed-width unicode numpy arrays,
  written and read without pickle;
- ``tensors.safetensors``: every torch tensor (module and optimizer states);
- ``skops/<n>.skops``: scikit-learn objects that hold no skneuro object, as
  :func:`skops.io.dumps` writes them.

Nothing else may be in the archive.
"""

import importlib.metadata
import re

import numpy as np
import sklearn
import torch

FORMAT = "skneuro-model"
#: The format version this skneuro writes, and the newest it reads.
FORMAT_VERSION = 1
MODEL_JSON = "model.json"
TENSORS = "tensors.safetensors"
ARRAY_MEMBER = re.compile(r"arrays/[0-9]+\.npy")
SKOPS_MEMBER = re.compile(r"skops/[0-9]+\.skops")


class ModelFileError(ValueError):
    """A file that is not a skneuro model file this skneuro can load safely.

    Raised by :func:`skneuro.io.load` before any object of the model is
    constructed: the file is not a skneuro model archive, was written in a
    newer format, holds a member that is not part of the format, or names a
    class or function that is not on skneuro.io's allow-list.
    """


def versions():
    """The versions of the libraries the model was written with."""
    return {
        "skneuro": importlib.metadata.version("skneuro"),
        "torch": torch.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
    }


def is_member(name):
    """Whether ``name`` is a member the format has."""
    return (
        name in (MODEL_JSON, TENSORS)
        or ARRAY_MEMBER.fullmatch(name) is not None
        or SKOPS_MEMBER.fullmatch(name) is not None
    )
