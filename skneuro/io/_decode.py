"""Value tree to model, in two passes.

:func:`check_tree` reads the whole tree first and raises
:class:`~skneuro.io._format.ModelFileError` for anything a model file may
not hold (an unknown tag, a member that is missing, a class or function
that is not on the allow-list); only then does :class:`Decoder` build
objects, from allow-listed classes only.
"""

import numpy as np
import pandas as pd

from skneuro.io._format import ModelFileError
from skneuro.io._nets import build_net, load_device
from skneuro.io._trusted import FUNCTIONS, OBJECTS, TYPES
from skneuro.neural_network._base import BaseNeuralNet

_TAG_KEYS = {
    "__float__": {"__float__"},
    "__tuple__": {"__tuple__"},
    "__dict__": {"__dict__"},
    "__ndarray__": {"__ndarray__", "readonly"},
    "__objects__": {"__objects__", "shape"},
    "__scalar__": {"__scalar__", "value"},
    "__dtype__": {"__dtype__"},
    "__slice__": {"__slice__"},
    "__tensor__": {"__tensor__"},
    "__class__": {"__class__"},
    "__function__": {"__function__"},
    "__object__": {"__object__", "state", "fields"},
    "__net__": {"__net__"},
    "__skops__": {"__skops__"},
    "__index__": {"__index__", "dtype", "name"},
}
_FLOATS = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}


def _from_hex(text):
    """``float.fromhex``, which reads "inf" but not "nan"."""
    return _FLOATS[text] if text in _FLOATS else float.fromhex(text)


def _malformed(path, what):
    return ModelFileError(f"model.json is malformed at {path}: {what}.")


def _tag_of(node, path):
    tags = [key for key in node if key in _TAG_KEYS]
    if len(tags) != 1 or not set(node) <= _TAG_KEYS[tags[0]]:
        raise _malformed(path, f"unknown object with keys {sorted(node)}")
    return tags[0]


def _pairs(value, path):
    if not isinstance(value, list) or not all(
        isinstance(p, list) and len(p) == 2 for p in value
    ):
        raise _malformed(path, "expected a list of [key, value] pairs")
    return value


def _not_allowed(name, kind, path):
    return ModelFileError(
        f"The model file names {name!r} as a {kind} at {path}, which is not on "
        "skneuro.io's allow-list (skneuro.io.TRUSTED); refusing to load it."
    )


def check_tree(node, members, path="root"):
    """Raise ModelFileError unless ``node`` is a value tree ``members`` serve.

    ``members`` maps ``"arrays"``, ``"tensors"`` and ``"skops"`` to the
    names the archive holds of each.
    """
    if node is None or isinstance(node, bool | int | float | str):
        return
    if isinstance(node, list):
        for i, item in enumerate(node):
            check_tree(item, members, f"{path}[{i}]")
        return
    if not isinstance(node, dict):
        raise _malformed(path, f"unexpected {type(node).__name__}")
    tag = _tag_of(node, path)
    value = node[tag]
    _CHECKS[tag](node, value, members, f"{path}.{tag}")


def _check_children(node, value, members, path):
    if not isinstance(value, list):
        raise _malformed(path, "expected a list")
    for i, item in enumerate(value):
        check_tree(item, members, f"{path}[{i}]")


def _check_pairs(node, value, members, path):
    for i, (key, item) in enumerate(_pairs(value, path)):
        check_tree(key, members, f"{path}[{i}] key")
        check_tree(item, members, f"{path}[{i}]")


def _check_member(kind):
    def check(node, value, members, path):
        if not isinstance(value, str) or value not in members[kind]:
            raise ModelFileError(
                f"model.json names {value!r} at {path}, which is not a "
                f"{kind} member of the archive."
            )

    return check


def _check_string(allowed=None):
    def check(node, value, members, path):
        if not isinstance(value, str) or (allowed is not None and value not in allowed):
            raise _malformed(path, f"unexpected value {value!r}")

    return check


def _check_named(table, kind):
    def check(node, value, members, path):
        if not isinstance(value, str):
            raise _malformed(path, "expected a qualified name")
        if value not in table:
            raise _not_allowed(value, kind, path)
        if kind == "class of an object":
            parts = [k for k in ("state", "fields") if k in node]
            if len(parts) != 1:
                raise _malformed(path, "expected one of 'state' or 'fields'")
            _check_pairs(node, node[parts[0]], members, f"{path}.{parts[0]}")

    return check


def _check_objects(node, value, members, path):
    shape = node.get("shape")
    if not isinstance(shape, list) or not all(type(n) is int for n in shape):
        raise _malformed(path, "expected a shape")
    if not isinstance(value, list) or int(np.prod(shape)) != len(value):
        raise _malformed(path, "items do not fill the shape")
    for i, item in enumerate(value):
        if isinstance(item, dict):
            _check_string(_FLOATS)(item, item.get("__float__"), members, path)
        elif isinstance(item, list):
            raise _malformed(f"{path}[{i}]", "expected a plain item")


def _check_scalar(node, value, members, path):
    _check_string()(node, value, members, path)
    try:
        dtype = np.dtype(value) if value != "str" else None
    except TypeError as exc:
        raise _malformed(path, f"unknown dtype {value!r}") from exc
    if dtype is not None and dtype.kind not in "biufc":
        raise _malformed(path, f"unexpected scalar dtype {value!r}")


def _check_index(node, value, members, path):
    if not isinstance(node.get("dtype"), str) or "name" not in node:
        raise _malformed(path, "an index needs a dtype name and a name")
    check_tree(value, members, path)
    check_tree(node["name"], members, f"{path}.name")


_CHECKS = {
    "__float__": _check_string(_FLOATS),
    "__tuple__": _check_children,
    "__dict__": _check_pairs,
    "__ndarray__": _check_member("arrays"),
    "__objects__": _check_objects,
    "__scalar__": _check_scalar,
    "__dtype__": _check_string(),
    "__slice__": lambda node, value, members, path: check_tree(value, members, path),
    "__tensor__": _check_member("tensors"),
    "__class__": _check_named(TYPES, "class"),
    "__function__": _check_named(FUNCTIONS, "function"),
    "__object__": _check_named(OBJECTS, "class of an object"),
    "__net__": _check_pairs,
    "__skops__": _check_member("skops"),
    "__index__": _check_index,
}


class Decoder:
    """Builds the objects of a checked tree from the archive's members."""

    def __init__(self, arrays, tensors, skops_objects, device):
        self.arrays = arrays
        self.tensors = tensors
        self.skops = skops_objects
        self.device = device

    def decode(self, node):
        if node is None or isinstance(node, bool | int | float | str):
            return node
        if isinstance(node, list):
            return [self.decode(item) for item in node]
        tag = _tag_of(node, "root")
        return getattr(self, "_" + tag.strip("_"))(node, node[tag])

    def _pairs_dict(self, pairs):
        return {self.decode(k): self.decode(v) for k, v in pairs}

    def _float(self, node, value):
        return _FLOATS[value]

    def _tuple(self, node, value):
        return tuple(self.decode(item) for item in value)

    def _dict(self, node, value):
        return self._pairs_dict(value)

    def _ndarray(self, node, value):
        array = self.arrays[value]
        if node.get("readonly"):
            array.flags.writeable = False
        return array

    def _objects(self, node, value):
        items = np.empty(len(value), dtype=object)
        items[:] = [self.decode(item) for item in value]
        return items.reshape(node["shape"])

    def _scalar(self, node, name):
        value = node["value"]
        if name == "str":
            return np.str_(value)
        dtype = np.dtype(name)
        if dtype.kind == "f":
            return dtype.type(_from_hex(value))
        if dtype.kind == "c":
            real, imag = (_from_hex(v) for v in value)
            return dtype.type(complex(real, imag))
        return dtype.type(value)

    def _dtype(self, node, value):
        return np.dtype(value)

    def _slice(self, node, value):
        return slice(*self.decode(value))

    def _tensor(self, node, value):
        return self.tensors[value]

    def _class(self, node, value):
        return TYPES[value]

    def _function(self, node, value):
        return FUNCTIONS[value]

    def _skops(self, node, value):
        return self.skops[value]()

    def _index(self, node, value):
        name = self.decode(node["name"])
        return pd.Index(self.decode(value), dtype=node["dtype"], name=name)

    def _net(self, node, value):
        fields = self._pairs_dict(value)
        device = load_device(fields["device"], self.device)
        return build_net(fields, device)

    def _object(self, node, value):
        cls = OBJECTS[value]
        if "fields" in node:
            return cls(*self._pairs_dict(node["fields"]).values())
        state = self._pairs_dict(node["state"])
        obj = cls.__new__(cls)
        if issubclass(cls, BaseNeuralNet) and "net_" in state:
            state["history_"] = state["net_"].history
        if getattr(cls, "__setstate__", None) is not None:
            obj.__setstate__(state)  # BaseNeuralNet's sets device_ from net_
        else:
            obj.__dict__.update(state)
        return obj
