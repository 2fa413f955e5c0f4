"""skl2onnx converters of skneuro's estimators, registered on import.

Each estimator gets a shape calculator (the types of its outputs) and a
converter (its nodes), registered with skl2onnx's
``update_registered_converter``, so that ``skl2onnx.to_onnx`` converts a
pipeline mixing skneuro's steps with scikit-learn's once this module is
imported. Classifiers output ``label`` (int64 for numeric classes, strings
for string classes, as skl2onnx's classifiers do) and ``probabilities``
(float32), with skl2onnx's ``zipmap`` option.

Not exported: :class:`~skneuro.feature_extraction.PyramidHOG`, whose Canny
edges keep weak edges by hysteresis, a flood fill over connected pixels
whose length depends on the image (no fixed graph of ONNX operators
computes it). :class:`~skneuro.feature_extraction.LocalPhaseQuantization`
is exported (:mod:`._lpq`).
"""

import numbers

import numpy as np
from skl2onnx import update_registered_converter
from skl2onnx.common.data_types import (
    FloatTensorType,
    Int64TensorType,
    StringTensorType,
)
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from skneuro.feature_extraction._lpq import LocalPhaseQuantization
from skneuro.neural_network._autoencoder import PruningAutoencoder
from skneuro.neural_network._cnn import SmallCNN
from skneuro.neural_network._googlenet import GoogLeNetClassifier
from skneuro.neural_network._mlp import MLPClassifier
from skneuro.onnx._graph import (
    as_float,
    constant,
    dense_layers,
    input_layout,
    is_double,
    node,
    set_output,
    torch_graph,
)
from skneuro.onnx._lpq import convert_lpq, lpq_shapes
from skneuro.preprocessing._feature_groups import FeatureGroupSelector
from skneuro.preprocessing._pool_interpolate import PoolInterpolate

#: What cannot be exported, and why (``to_onnx`` refuses these by name).
NOT_EXPORTABLE = {
    "PyramidHOG": (
        "its Canny edges keep weak edges by hysteresis, a flood fill over "
        "connected pixels whose length depends on the image, which no fixed "
        "ONNX graph computes"
    ),
}


def _input_shape(operator):
    return operator.inputs[0].type.shape


def _batch(operator):
    return operator.inputs[0].get_first_dimension()


# -- classifiers ------------------------------------------------------------
def _label_classes(model):
    """``classes_`` as the ONNX label tensor holds them: strings, or int64
    (numbers and bools, as skl2onnx's classifiers give them)."""
    classes = np.asarray(model.classes_)
    if all(isinstance(c, str) for c in classes.tolist()):
        return classes.astype(str), StringTensorType
    if classes.dtype.kind in "biu" or all(
        isinstance(c, numbers.Integral) for c in classes.tolist()
    ):
        return classes.astype(np.int64), Int64TensorType
    values = classes.astype(np.float64) if classes.dtype.kind == "f" else None
    if values is not None and np.array_equal(values, np.round(values)):
        return values.astype(np.int64), Int64TensorType
    raise TypeError(
        f"{type(model).__name__}.classes_ is {classes.tolist()!r}: ONNX labels are "
        "int64 or strings, and these classes are neither integers nor all "
        "strings. Fit on integer or string labels (for example "
        "sklearn.preprocessing.LabelEncoder's codes) to export."
    )


def _classifier_shapes(operator):
    model = operator.raw_operator
    _, label_type = _label_classes(model)
    n = _batch(operator)
    operator.outputs[0].type = label_type([n])
    operator.outputs[1].type = FloatTensorType([n, len(model.classes_)])


def _classifier_outputs(scope, operator, container, logits):
    """``label`` and ``probabilities`` from the network's logits."""
    classes, _ = _label_classes(operator.raw_operator)
    container.add_node(
        "Softmax",
        [logits],
        [operator.outputs[1].full_name],
        name=scope.get_unique_operator_name("Softmax"),
        axis=1,
    )
    best = node(scope, container, "ArgMax", [logits], "best", axis=1, keepdims=0)
    container.add_node(
        "Gather",
        [constant(scope, container, "classes", classes), best],
        [operator.outputs[0].full_name],
        name=scope.get_unique_operator_name("Gather"),
        axis=0,
    )


def _convert_mlp(scope, operator, container):
    model = operator.raw_operator
    check_is_fitted(model)
    X = as_float(scope, container, operator.inputs[0])
    logits = dense_layers(scope, container, model.net_.module_.layers, X)
    _classifier_outputs(scope, operator, container, logits)


def _images(scope, container, operator):
    """The input as a float32 ``(n, channels, height, width)`` batch, from
    any layout the image classifier was fitted to read."""
    model = operator.raw_operator
    shape = _input_shape(operator)
    c, (h, w) = model.n_channels_, model.image_shape_
    X = as_float(scope, container, operator.inputs[0])
    if len(shape) in (2, 3):
        target = constant(scope, container, "image_shape", np.array([-1, c, h, w]))
        return node(scope, container, "Reshape", [X, target], "images")
    if input_layout(operator) == "channels_last":
        return node(scope, container, "Transpose", [X], "images", perm=[0, 3, 1, 2])
    return X


def _convert_image_classifier(scope, operator, container):
    model = operator.raw_operator
    check_is_fitted(model)
    images = _images(scope, container, operator)
    example = np.zeros((1, model.n_channels_, *model.image_shape_), np.float32)
    logits = torch_graph(scope, container, model.net_.module_, images, example)
    _classifier_outputs(scope, operator, container, logits)


# -- the autoencoder ---------------------------------------------------------
class AutoencoderDecoder(TransformerMixin, BaseEstimator):
    """A fitted :class:`PruningAutoencoder`'s ``inverse_transform``, as an
    estimator of its own, so that skl2onnx can export it (``to_onnx(...,
    method="inverse_transform")`` wraps the autoencoder in it)."""

    def __init__(self, autoencoder):
        self.autoencoder = autoencoder

    def __sklearn_is_fitted__(self):
        return hasattr(self.autoencoder, "net_")

    def transform(self, X):
        return self.autoencoder.inverse_transform(X)


def _autoencoder_shapes(operator):
    module = operator.raw_operator._code_module()
    operator.outputs[0].type = FloatTensorType([_batch(operator), module.n_codes])


def _convert_autoencoder(scope, operator, container):
    module = operator.raw_operator._code_module()
    X = as_float(scope, container, operator.inputs[0])
    codes = dense_layers(scope, container, [module.encoder, module.activation], X)
    set_output(scope, container, codes, operator.outputs[0])


def _decoder_shapes(operator):
    module = operator.raw_operator.autoencoder._code_module()
    operator.outputs[0].type = FloatTensorType(
        [_batch(operator), module.decoder.out_features]
    )


def _convert_decoder(scope, operator, container):
    module = operator.raw_operator.autoencoder._code_module()
    codes = as_float(scope, container, operator.inputs[0])
    restored = dense_layers(scope, container, [module.decoder], codes)
    set_output(scope, container, restored, operator.outputs[0])


# -- transformers -------------------------------------------------------------
def _same_type_shapes(width):
    """A shape calculator: the input's element type, ``width(model)`` columns
    (or the input's own shape when ``width`` is None)."""

    def shapes(operator):
        shape = list(_input_shape(operator))
        if width is not None:
            shape = [shape[0], width(operator.raw_operator)]
        operator.outputs[0].type = operator.inputs[0].type.__class__(shape)

    return shapes


def _convert_selector(scope, operator, container):
    model = operator.raw_operator
    check_is_fitted(model)
    columns = np.flatnonzero(model.support_).astype(np.int64)
    container.add_node(
        "Gather",
        [operator.inputs[0].full_name, constant(scope, container, "columns", columns)],
        [operator.outputs[0].full_name],
        name=scope.get_unique_operator_name("Gather"),
        axis=1,
    )


def _convert_pool_interpolate(scope, operator, container):
    """``A_h @ image @ A_w.T`` per image, the two folded pool-and-interpolate
    matrices as constants, in the input's float type and layout."""
    model = operator.raw_operator
    check_is_fitted(model)
    variable, shape = operator.inputs[0], _input_shape(operator)
    dtype = np.float64 if is_double(variable) else np.float32
    (h, w), X = model.image_shape_, variable.full_name
    A_h, A_w = (m[np.dtype(dtype)]["full"] for m in model._matrices)
    layout = None
    if len(shape) == 2:
        target = constant(scope, container, "image_shape", np.array([-1, h, w]))
        X = node(scope, container, "Reshape", [X, target], "images")
    elif len(shape) == 4:
        layout = input_layout(operator)
        if layout == "channels_last":
            X = node(scope, container, "Transpose", [X], perm=[0, 3, 1, 2])
    X = node(scope, container, "MatMul", [X, constant(scope, container, "A_w", A_w.T)])
    X = node(scope, container, "MatMul", [constant(scope, container, "A_h", A_h), X])
    if len(shape) == 2:
        flat = constant(scope, container, "flat_shape", np.array([-1, h * w]))
        X = node(scope, container, "Reshape", [X, flat])
    elif layout == "channels_last":
        X = node(scope, container, "Transpose", [X], perm=[0, 2, 3, 1])
    set_output(scope, container, X, operator.outputs[0])


_CLASSIFIER_OPTIONS = {"zipmap": [True, False, "columns"], "nocl": [False]}

#: estimator class -> (skl2onnx alias, shape calculator, converter, options)
CONVERTERS = {
    MLPClassifier: (
        "SkneuroMLPClassifier",
        _classifier_shapes,
        _convert_mlp,
        _CLASSIFIER_OPTIONS,
    ),
    SmallCNN: (
        "SkneuroSmallCNN",
        _classifier_shapes,
        _convert_image_classifier,
        _CLASSIFIER_OPTIONS,
    ),
    GoogLeNetClassifier: (
        "SkneuroGoogLeNetClassifier",
        _classifier_shapes,
        _convert_image_classifier,
        _CLASSIFIER_OPTIONS,
    ),
    PruningAutoencoder: (
        "SkneuroPruningAutoencoder",
        _autoencoder_shapes,
        _convert_autoencoder,
        None,
    ),
    AutoencoderDecoder: (
        "SkneuroAutoencoderDecoder",
        _decoder_shapes,
        _convert_decoder,
        None,
    ),
    FeatureGroupSelector: (
        "SkneuroFeatureGroupSelector",
        _same_type_shapes(lambda model: int(model.support_.sum())),
        _convert_selector,
        None,
    ),
    PoolInterpolate: (
        "SkneuroPoolInterpolate",
        _same_type_shapes(None),
        _convert_pool_interpolate,
        None,
    ),
    LocalPhaseQuantization: (
        "SkneuroLocalPhaseQuantization",
        lpq_shapes,
        convert_lpq,
        None,
    ),
}

def register():
    """Register every converter with skl2onnx (done on import of
    :mod:`skneuro.onnx`; calling it again changes nothing)."""
    for cls, (alias, shapes, convert, options) in CONVERTERS.items():
        update_registered_converter(
            cls, alias, shapes, convert, overwrite=True, options=options
        )
