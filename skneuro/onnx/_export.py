"""``to_onnx``: a fitted skneuro estimator or pipeline as an ONNX model."""

import numpy as np
import skl2onnx
from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils.validation import check_is_fitted

from skneuro.neural_network._autoencoder import PruningAutoencoder
from skneuro.neural_network._classifier import BaseNeuralClassifier
from skneuro.onnx._converters import (
    CONVERTERS,
    NOT_EXPORTABLE,
    AutoencoderDecoder,
)
from skneuro.onnx._graph import OPSET

_METHODS = ("predict", "inverse_transform")


def _steps(model):
    """``model`` and every estimator inside its pipelines and unions."""
    yield model
    if isinstance(model, Pipeline):
        inner = [step for _, step in model.steps]
    elif isinstance(model, FeatureUnion):
        inner = [step for _, step in model.transformer_list]
    elif isinstance(model, ColumnTransformer):
        inner = [step for _, step, _ in getattr(model, "transformers_", [])]
    else:
        inner = []
    for step in inner:
        if step not in (None, "drop", "passthrough"):
            yield from _steps(step)


def _check_exportable(model):
    for step in _steps(model):
        reason = NOT_EXPORTABLE.get(type(step).__name__)
        if reason is not None and type(step).__module__.startswith("skneuro."):
            raise TypeError(
                f"{type(step).__name__} cannot be exported to ONNX: {reason}. "
                "Compute its features before the exported model instead."
            )


def _input_type(X_sample):
    """The graph's input type: the sample's float type and its shape past the
    first axis, any number of rows."""
    X = X_sample.to_numpy() if hasattr(X_sample, "to_numpy") else X_sample
    X = np.asarray(X)
    if X.ndim < 2 or not len(X):
        raise ValueError(
            f"X_sample must hold at least one sample, of shape (n_samples, ...); "
            f"got shape {X.shape}."
        )
    if X.dtype.kind not in "biuf":
        raise ValueError(
            f"X_sample must be numeric; got dtype {X.dtype}. The exported model "
            "takes one float tensor."
        )
    tensor_type = DoubleTensorType if X.dtype == np.float64 else FloatTensorType
    return tensor_type([None, *X.shape[1:]])


def _check_sample(model, X_sample):
    """The model's own checks of ``X_sample``, as in ``predict`` (or
    ``transform``): a sample of another shape than the fit's would give a
    graph that reads its input wrongly (flat rows of 128 pixels as two 8x8
    images, say), so it is refused here with the model's message."""
    method = "predict" if hasattr(model, "predict") else "transform"
    getattr(model, method)(X_sample)


def to_onnx(model, X_sample, *, method="predict", name=None):
    """Export a fitted skneuro estimator or pipeline to ONNX.

    The model may be any fitted skneuro estimator that has a converter
    (:class:`~skneuro.MLPClassifier`, :class:`~skneuro.SmallCNN`,
    :class:`~skneuro.GoogLeNetClassifier`, :class:`~skneuro.PruningAutoencoder`,
    :class:`~skneuro.PoolInterpolate`, :class:`~skneuro.FeatureGroupSelector`,
    :class:`~skneuro.LocalPhaseQuantization`; not :class:`~skneuro.PyramidHOG`,
    see :data:`NOT_EXPORTABLE`), or a :class:`~sklearn.pipeline.Pipeline`,
    :class:`~sklearn.pipeline.FeatureUnion` or
    :class:`~sklearn.compose.ColumnTransformer` mixing them with
    scikit-learn's steps that skl2onnx converts (StandardScaler, PCA, ...).
    Importing :mod:`skneuro.onnx` registers skneuro's converters with
    skl2onnx, so ``skl2onnx.to_onnx`` converts such pipelines too.

    The graph has one input, ``"X"``, of the sample's float type (float64
    samples give a double input, anything else float) and shape past the
    first axis; the batch axis is free. Classifiers give ``"label"``
    (int64 for numeric classes, strings for string classes) and
    ``"probabilities"`` (float32, one column per class in ``classes_``);
    transformers one float tensor. Opset :data:`OPSET`.

    Parameters
    ----------
    model : estimator
        The fitted model.
    X_sample : array-like of shape (n_samples, ...)
        A few samples as ``predict`` takes them (the model predicts them
        once, so that its own checks refuse a sample of another shape than
        the fit's); a DataFrame's columns become the input's columns, in
        order.
    method : {"predict", "inverse_transform"}, default="predict"
        ``"predict"`` exports what the model predicts or transforms;
        ``"inverse_transform"`` exports a PruningAutoencoder's decoder, whose
        input is the codes (give codes as ``X_sample``).
    name : str, default=None
        The name of the ONNX graph.

    Returns
    -------
    onnx_model : onnx.ModelProto
        Save it with ``onnx_model.SerializeToString()`` or ``onnx.save``.

    Raises
    ------
    TypeError
        When the model holds an estimator that cannot be exported (named,
        with the reason), or one skl2onnx has no converter for.
    ValueError
        When ``X_sample`` is not what the model predicts on.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> from sklearn.datasets import load_iris
    >>> from skneuro import MLPClassifier
    >>> from skneuro.onnx import to_onnx
    >>> X, y = load_iris(return_X_y=True)
    >>> X = X.astype(np.float32)
    >>> clf = MLPClassifier(hidden_units=8, max_epochs=50, random_state=0).fit(X, y)
    >>> session = ort.InferenceSession(to_onnx(clf, X[:1]).SerializeToString())
    >>> label, proba = session.run(None, {"X": X[:5]})
    >>> bool(np.all(label == clf.predict(X[:5])))
    True
    >>> bool(np.allclose(proba, clf.predict_proba(X[:5]), atol=1e-5))
    True
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}; got {method!r}.")
    check_is_fitted(model)
    if method == "inverse_transform":
        if not isinstance(model, PruningAutoencoder):
            raise TypeError(
                "method='inverse_transform' exports a PruningAutoencoder's "
                f"decoder; got a {type(model).__name__}."
            )
        model = AutoencoderDecoder(model)
    _check_exportable(model)
    input_type = _input_type(X_sample)
    _check_sample(model, X_sample)
    options = {
        cls: {"zipmap": False}
        for cls in CONVERTERS
        if issubclass(cls, BaseNeuralClassifier)
    }
    return skl2onnx.to_onnx(
        model,
        initial_types=[("X", input_type)],
        target_opset=OPSET,
        options=options,
        name=name,
    )
