"""ONNX building blocks of skneuro's converters.

Each function adds nodes to a skl2onnx ``container`` under unique names
from its ``scope`` and returns the name of the tensor it computes, so the
converters read as the computation they export:

- :func:`constant`, :func:`node`: an initializer, one node;
  :func:`set_output`: a tensor as the operator's output;
- :func:`as_float`: the input in float32, as the networks compute;
  :func:`is_double`, :func:`input_layout`: the input's type and layout;
- :func:`dense_layers`: ``Linear`` layers and activations as ``Gemm`` nodes,
  written directly (as skl2onnx's own MLP converter does): exact, and
  instant where torch's exporter takes seconds per network;
- :func:`torch_graph`: any other torch module (the convolutional networks,
  with GoogLeNet's resizing and normalisation) through torch's ONNX
  exporter, its graph spliced into the container.
"""

import copy
import warnings

import numpy as np
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

from skneuro.utils._images import layout_of

#: The ONNX opset of every graph skneuro exports: the first with ``Resize``'s
#: ``antialias`` (GoogLeNet shrinks larger images with an antialiased
#: bilinear filter), torch's exporter's own default, and one that
#: onnxruntime 1.17 and later run.
OPSET = 18

_ACTIVATIONS = {nn.ReLU: "Relu", nn.Tanh: "Tanh", nn.Sigmoid: "Sigmoid"}


def constant(scope, container, seed, array):
    """Add ``array`` as an initializer; returns its name."""
    name = scope.get_unique_variable_name(seed)
    array = np.asarray(array)
    if array.dtype.kind in "OUS":
        values = [str(v).encode("utf-8") for v in array.ravel()]
        container.add_initializer(name, TensorProto.STRING, list(array.shape), values)
    else:
        container.add_initializer(
            name, None, None, numpy_helper.from_array(np.ascontiguousarray(array))
        )
    return name


def node(scope, container, op_type, inputs, seed=None, **attrs):
    """Add one ``op_type`` node of ``inputs``; returns its output's name."""
    output = scope.get_unique_variable_name(seed or op_type.lower())
    container.add_node(
        op_type,
        list(inputs),
        [output],
        name=scope.get_unique_operator_name(op_type),
        **attrs,
    )
    return output


def set_output(scope, container, tensor, variable):
    """Make ``tensor`` the value of the operator's output ``variable``."""
    container.add_node(
        "Identity",
        [tensor],
        [variable.full_name],
        name=scope.get_unique_operator_name("Identity"),
    )


def is_double(variable):
    """Whether the skl2onnx Variable ``variable`` holds float64."""
    return variable.type.to_onnx_type().tensor_type.elem_type == TensorProto.DOUBLE


def input_layout(operator):
    """How the operator's 4-D image input is laid out (``"channels_first"``
    or ``"channels_last"``), read as its fitted model reads such input."""
    model = operator.raw_operator
    shape = operator.inputs[0].type.shape
    return layout_of((1, *shape[1:]), model.data_format, model.data_format_)


def as_float(scope, container, variable):
    """``variable`` (a skl2onnx Variable) in float32, cast if it is not."""
    if variable.type.to_onnx_type().tensor_type.elem_type == TensorProto.FLOAT:
        return variable.full_name
    return node(
        scope, container, "Cast", [variable.full_name], "as_float", to=TensorProto.FLOAT
    )


def dense_layers(scope, container, layers, X):
    """``Linear`` layers and activations applied to ``X``, as ONNX nodes."""
    for layer in layers:
        if isinstance(layer, nn.Linear):
            weight = layer.weight.detach().cpu().numpy()
            bias = layer.bias.detach().cpu().numpy()
            X = node(
                scope,
                container,
                "Gemm",
                [
                    X,
                    constant(scope, container, "weight", weight),
                    constant(scope, container, "bias", bias),
                ],
                transB=1,
            )
        elif type(layer) in _ACTIVATIONS:
            X = node(scope, container, _ACTIVATIONS[type(layer)], [X])
        else:
            raise TypeError(
                f"skneuro's dense ONNX graphs hold Linear layers and ReLU, tanh "
                f"or sigmoid activations, not {type(layer).__name__}."
            )
    return X


def export_module(module, example):
    """torch's ONNX export of ``module`` (evaluation mode, on the CPU) for
    inputs like ``example``, any number of rows: a ``ModelProto``.

    The module is copied first: exporting leaves the fitted one where it is,
    in the mode it is in.
    """
    module = copy.deepcopy(module).cpu().eval()
    example = torch.from_numpy(np.repeat(example[:1], 2, axis=0))
    with warnings.catch_warnings():
        # The exporter's progress and deprecation notes are not the user's.
        warnings.simplefilter("ignore")
        program = torch.onnx.export(
            module,
            (example,),
            input_names=["X"],
            output_names=["Y"],
            dynamic_shapes=({0: torch.export.Dim("batch")},),
            opset_version=OPSET,
            dynamo=True,
            optimize=True,
            verbose=False,
        )
    return program.model_proto


def torch_graph(scope, container, module, X, example):
    """``module`` applied to ``X``: torch's exported graph, spliced in.

    Every name in the exported graph is renamed into ``scope``, so that a
    pipeline may hold several such graphs; nodes keep their attributes but
    not the exporter's metadata (stack traces naming local files).
    """
    model = export_module(module, example)
    graph = model.graph
    if model.functions or any(
        a.type in (a.GRAPH, a.GRAPHS) for n in graph.node for a in n.attribute
    ):
        raise TypeError(
            f"torch exported {type(module).__name__} with local functions or "
            "subgraphs, which skneuro's converters do not splice."
        )
    names = {graph.input[0].name: X}
    for tensor in graph.initializer:
        names[tensor.name] = constant(
            scope, container, tensor.name, numpy_helper.to_array(tensor)
        )
    for n in graph.node:
        outputs = []
        for name in n.output:
            names[name] = scope.get_unique_variable_name(name or "unused")
            outputs.append(names[name])
        container.add_node(
            n.op_type,
            _spliced_inputs(scope, container, n.input, names),
            outputs,
            op_domain=n.domain,
            name=scope.get_unique_operator_name(n.op_type),
            **{a.name: helper.get_attribute_value(a) for a in n.attribute},
        )
    return names[graph.output[0].name]


def _spliced_inputs(scope, container, inputs, names):
    """A node's inputs, renamed. An omitted optional input (``""``, such as
    ``Resize``'s ``roi`` and ``scales`` before its ``sizes``) is dropped at
    the end of the list and is an empty float tensor before a given one,
    which ONNX reads as not given: skl2onnx's ordering of the nodes takes
    every input name for a tensor some node must compute."""
    inputs = list(inputs)
    while inputs and not inputs[-1]:
        inputs.pop()
    return [
        names[name]
        if name
        else constant(scope, container, "omitted", np.zeros(0, np.float32))
        for name in inputs
    ]
