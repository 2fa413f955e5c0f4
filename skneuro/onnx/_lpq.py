"""The ONNX converter of :class:`~skneuro.feature_extraction.LocalPhaseQuantization`.

The same computation as ``transform``, in float64 as there (the histograms
are given in the input's float type, the one the steps after it use):

1. the input as grey images ``(n, h, w)`` (RGB by the same luminance);
2. each image divided by its largest absolute pixel;
3. the 8 responses: the ``s * s`` shifted windows of every pixel (``Slice``)
   times the 2-D kernels (one ``MatMul``; onnxruntime has no float64
   ``Conv``), compared with the dead zone, weighted by ``2 ** k`` into the
   codes;
4. the histograms: one ``ScatterElements`` adding 1 at ``cell * 256 + code``
   per pixel, divided by each cell's pixel count.

The shifted windows take ``s * s`` times the images' memory: batches of
large images with large windows are best sent in parts.
"""

import numpy as np
from onnx import TensorProto, numpy_helper
from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType
from sklearn.utils.validation import check_is_fitted

from skneuro.feature_extraction._base import LUMINANCE
from skneuro.feature_extraction._lpq import (
    DEAD_ZONE,
    _folded_filters,
    _grid_pair,
    _split_sizes,
)
from skneuro.onnx._graph import constant, input_layout, is_double, node


def lpq_shapes(operator):
    """float64 histograms for float64 input, float32 for float32 input: the
    type the steps after it compute in."""
    model = operator.raw_operator
    variable = operator.inputs[0]
    tensor_type = DoubleTensorType if is_double(variable) else FloatTensorType
    operator.outputs[0].type = tensor_type(
        [variable.get_first_dimension(), model._n_out]
    )


def _code_shape(model):
    """Height and width of the code images: the pixels whose window lies
    inside the image."""
    h, w = model.image_shape_
    return h - model.window_size + 1, w - model.window_size + 1


def _grey(scope, container, operator):
    """The input as float64 grey images ``(n, h, w)``."""
    model = operator.raw_operator
    shape = operator.inputs[0].type.shape
    h, w = model.image_shape_
    X = node(
        scope,
        container,
        "Cast",
        [operator.inputs[0].full_name],
        "as_double",
        to=TensorProto.DOUBLE,
    )
    channels = 1
    if len(shape) == 4:
        layout = input_layout(operator)
        channels = shape[1] if layout == "channels_first" else shape[3]
        if channels == 3:
            if layout == "channels_first":
                X = node(scope, container, "Transpose", [X], perm=[0, 2, 3, 1])
            luminance = constant(scope, container, "luminance", LUMINANCE)
            return node(scope, container, "MatMul", [X, luminance], "grey")
    target = constant(scope, container, "grey_shape", np.array([-1, h, w]))
    return node(scope, container, "Reshape", [X, target], "grey")


def _scaled(scope, container, images):
    """Each image divided by its largest absolute pixel (1 for all zeros)."""
    peak = node(
        scope,
        container,
        "ReduceMax",
        [
            node(scope, container, "Abs", [images]),
            constant(scope, container, "axes", np.array([1, 2])),
        ],
        "peak",
        keepdims=1,
    )
    zero = constant(scope, container, "zero", np.array(0.0))
    one = constant(scope, container, "one", np.array(1.0))
    positive = node(scope, container, "Greater", [peak, zero])
    peak = node(scope, container, "Where", [positive, peak, one])
    return node(scope, container, "Div", [images, peak], "scaled")


def _codes(scope, container, model, images):
    """The LPQ codes ``(n, hh, ww)`` (float64 holding integers)."""
    _, _, K = _folded_filters(
        model.window_size,
        model.frequency_estimation,
        bool(model.decorrelate),
        float(model.rho),
    )
    s = model.window_size
    hh, ww = _code_shape(model)
    axes = constant(scope, container, "axes", np.array([1, 2]))
    windows = []
    for i in range(s):
        for j in range(s):
            starts = constant(scope, container, "starts", np.array([i, j]))
            ends = constant(scope, container, "ends", np.array([i + hh, j + ww]))
            shifted = node(scope, container, "Slice", [images, starts, ends, axes])
            last = constant(scope, container, "last", np.array([-1]))
            windows.append(node(scope, container, "Unsqueeze", [shifted, last]))
    stacked = node(scope, container, "Concat", windows, "windows", axis=-1)
    kernels = constant(scope, container, "kernels", K.reshape(8, s * s).T.copy())
    responses = node(scope, container, "MatMul", [stacked, kernels], "responses")
    reach = constant(
        scope, container, "reach", DEAD_ZONE * np.abs(K).sum(axis=(1, 2))
    )
    bits = node(scope, container, "Greater", [responses, reach], "bits")
    bits = node(scope, container, "Cast", [bits], to=TensorProto.DOUBLE)
    powers = constant(scope, container, "powers", 2.0 ** np.arange(8))
    return node(scope, container, "MatMul", [bits, powers], "codes")


def _histograms(scope, container, model, codes):
    """Normalised 256-bin histograms of each grid cell, ``(n, cells * 256)``."""
    rows, cols = _grid_pair(model.grid)
    hh, ww = _code_shape(model)
    size_r, size_c = _split_sizes(hh, rows), _split_sizes(ww, cols)
    cell = np.repeat(np.arange(rows), size_r)[:, None] * cols + np.repeat(
        np.arange(cols), size_c
    )
    bins = node(
        scope,
        container,
        "Add",
        [codes, constant(scope, container, "cell_bins", 256.0 * cell)],
    )
    flat_shape = constant(scope, container, "flat", np.array([-1, hh * ww]))
    bins = node(scope, container, "Reshape", [bins, flat_shape])
    bins = node(scope, container, "Cast", [bins], "bins", to=TensorProto.INT64)
    ones = node(
        scope,
        container,
        "ConstantOfShape",
        [node(scope, container, "Shape", [bins])],
        "ones",
        value=numpy_helper.from_array(np.array([1.0])),
    )
    n = node(
        scope,
        container,
        "Slice",
        [
            node(scope, container, "Shape", [codes]),
            constant(scope, container, "start", np.array([0])),
            constant(scope, container, "stop", np.array([1])),
        ],
        "n",
    )
    width = constant(scope, container, "width", np.array([rows * cols * 256]))
    zeros = node(
        scope,
        container,
        "ConstantOfShape",
        [node(scope, container, "Concat", [n, width], axis=0)],
        "zeros",
        value=numpy_helper.from_array(np.array([0.0])),
    )
    counts = node(
        scope,
        container,
        "ScatterElements",
        [zeros, bins, ones],
        "counts",
        axis=1,
        reduction="add",
    )
    pixels = np.repeat(np.outer(size_r, size_c).ravel().astype(np.float64), 256)
    return node(
        scope, container, "Div", [counts, constant(scope, container, "pixels", pixels)]
    )


def convert_lpq(scope, operator, container):
    model = operator.raw_operator
    check_is_fitted(model)
    images = _scaled(scope, container, _grey(scope, container, operator))
    codes = _codes(scope, container, model, images)
    histograms = _histograms(scope, container, model, codes)
    container.add_node(
        "Cast",
        [histograms],
        [operator.outputs[0].full_name],
        name=scope.get_unique_operator_name("Cast"),
        to=TensorProto.DOUBLE if is_double(operator.inputs[0]) else TensorProto.FLOAT,
    )
