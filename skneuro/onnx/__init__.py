"""ONNX export of fitted skneuro estimators and pipelines (extra ``onnx``).

Importing this module registers skneuro's converters with skl2onnx
(:mod:`skneuro.onnx._converters`), so that :func:`to_onnx`, and
``skl2onnx.to_onnx`` too, convert pipelines that mix skneuro's steps with
scikit-learn's. It needs the ``onnx`` extra: ``pip install "skneuro[onnx]"``
(onnx, onnxruntime, skl2onnx, and onnxscript for torch's exporter).
"""

try:
    import onnx  # noqa: F401
    import onnxscript  # noqa: F401
    import skl2onnx  # noqa: F401
except ImportError as exc:  # pragma: no cover - the extra is installed in CI
    raise ImportError(
        f"skneuro.onnx needs the 'onnx' extra, which is not installed ({exc}); "
        'install it with: pip install "skneuro[onnx]"'
    ) from exc

from skneuro.onnx._converters import NOT_EXPORTABLE, register
from skneuro.onnx._export import to_onnx
from skneuro.onnx._graph import OPSET

register()

__all__ = ["NOT_EXPORTABLE", "OPSET", "to_onnx"]
