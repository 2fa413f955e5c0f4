"""Collection rules for the whole tree (the tests' fixtures: tests/conftest.py).

The doctests of :mod:`skneuro.onnx` need the ``onnx`` extra; where it is not
installed they are not collected (tests/test_onnx.py skips with the reason).
"""

import importlib.util

_ONNX_EXTRA = ("onnx", "onnxruntime", "onnxscript", "skl2onnx")

collect_ignore_glob = (
    []
    if all(importlib.util.find_spec(name) for name in _ONNX_EXTRA)
    else ["skneuro/onnx/*"]
)
