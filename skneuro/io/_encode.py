"""Model to value tree: the JSON of ``model.json``, and the members it names.

The value tree is JSON in which every JSON object is a tag:

- ``None``, bools, ints, strings and finite floats as themselves (Python's
  ``json`` writes floats by ``repr``, which round-trips exactly); other
  floats ``{"__float__": "nan"}``; lists as lists;
- ``{"__tuple__": [...]}``, ``{"__dict__": [[key, value], ...]}`` (any keys);
- ``{"__ndarray__": "arrays/3.npy"}`` (``"readonly": true`` when it was),
  ``{"__objects__": [...], "shape": [...]}`` for object arrays of plain items;
- ``{"__scalar__": "float32", "value": "0x1.8p+0"}`` (floats as
  ``float.hex``, exact), ``{"__dtype__": "<f4"}``, ``{"__slice__": [...]}``;
- ``{"__tensor__": "7"}``: a tensor of the safetensors member;
- ``{"__class__": name}``, ``{"__function__": name}`` and
  ``{"__object__": name, "state": ...}`` (or ``"fields"`` for named tuples):
  allow-listed names only (:mod:`._trusted`);
- ``{"__net__": {...}}``: a training net (:mod:`._nets`);
- ``{"__index__": <array>, "dtype": "str", "name": ...}``: a pandas
  ``Index`` (scikit-learn keeps feature names in them);
- ``{"__skops__": "skops/0.skops"}``: a scikit-learn object that holds no
  skneuro object.
"""

import io
import math
import types
from collections import OrderedDict

import numpy as np
import pandas as pd
import skops.io
import torch

from skneuro._engine.net import TrainingNet
from skneuro.io._nets import net_fields
from skneuro.io._trusted import (
    CONTAINERS,
    FUNCTIONS,
    OBJECTS,
    SKOPS_TRUSTED,
    TYPES,
    qualified_name,
)
from skneuro.neural_network._base import BaseNeuralNet

#: Array dtype kinds stored as ``.npy`` (no pickle needed to read them).
ARRAY_KINDS = "biufcUmM"
_PLAIN_ITEMS = (str, int, float, bool)

_WHAT = (
    "skneuro.io stores skneuro estimators and their callbacks, None, bools, "
    "numbers, strings, lists, tuples, dicts, numpy arrays and scalars, torch "
    "tensors, scikit-learn objects (through skops) and the classes and "
    "functions of its allow-list (see skneuro.io.TRUSTED)"
)


def _is_skneuro(value):
    return type(value).__module__.startswith("skneuro.")


def skneuro_inside(value, path, seen=None):
    """The path of a skneuro object inside ``value`` (itself aside), or None."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return None
    seen.add(id(value))
    if isinstance(value, dict):
        children = [(f"{path}[{k!r}]", v) for k, v in value.items()]
    elif isinstance(value, list | tuple | set | frozenset):
        children = [(f"{path}[{i}]", v) for i, v in enumerate(value)]
    elif isinstance(value, np.ndarray) and value.dtype == object:
        children = [(f"{path}[{i}]", v) for i, v in enumerate(value.ravel())]
    elif hasattr(value, "__dict__") and not isinstance(value, type):
        children = [(f"{path}.{k}", v) for k, v in vars(value).items()]
    else:
        return None
    for child_path, child in children:
        if _is_skneuro(child):
            return child_path
        found = skneuro_inside(child, child_path, seen)
        if found is not None:
            return found
    return None


def object_state(obj):
    """What pickle would store of ``obj``: ``__getstate__()``, else ``vars``."""
    if type(obj).__getstate__ is not object.__getstate__:
        state = obj.__getstate__()
    else:
        state = dict(vars(obj))
    if not isinstance(state, dict):
        raise TypeError(f"{type(obj).__name__}.__getstate__ returned no dict")
    return dict(state)


class Encoder:
    """Encodes one model; collects the archive members its tree names."""

    def __init__(self):
        self.arrays = {}  # member -> .npy bytes
        self.tensors = {}  # key -> contiguous CPU tensor
        self.skops = {}  # member -> skops bytes
        self._array_members = {}  # id(array) -> (member, array)

    def encode(self, value, path):
        """The value tree of ``value``; ``path`` names it in errors."""
        kind = type(value)
        if value is None or kind in (bool, int, str):
            return value
        if kind is float:
            return value if math.isfinite(value) else {"__float__": repr(value)}
        if kind is list:
            return [self.encode(v, f"{path}[{i}]") for i, v in enumerate(value)]
        if kind is tuple:
            items = [self.encode(v, f"{path}[{i}]") for i, v in enumerate(value)]
            return {"__tuple__": items}
        if kind in (dict, OrderedDict):
            return {"__dict__": self._items(value, path, "[{!r}]")}
        if kind is np.ndarray:
            return self._array(value, path)
        if isinstance(value, np.generic):
            return self._scalar(value, path)
        if isinstance(value, np.dtype):
            return {"__dtype__": value.str}
        if kind is slice:
            return {
                "__slice__": self.encode((value.start, value.stop, value.step), path)
            }
        if isinstance(value, torch.Tensor):
            return self._tensor(value)
        if kind is pd.Index:
            return {
                "__index__": self.encode(value.to_numpy(), path),
                "dtype": str(value.dtype),
                "name": self.encode(value.name, path),
            }
        if isinstance(value, type | types.FunctionType | types.BuiltinFunctionType):
            return self._named(value, path)
        return self._object(value, path)

    def _items(self, mapping, path, form):
        return [
            [self.encode(k, f"{path} key"), self.encode(v, path + form.format(k))]
            for k, v in mapping.items()
        ]

    def _array(self, array, path):
        if array.dtype.kind == "O":
            items = array.ravel().tolist()
            for i, item in enumerate(items):
                if item is not None and type(item) not in _PLAIN_ITEMS:
                    raise TypeError(
                        f"{path}: cannot store an object array holding a "
                        f"{type(item).__name__} (item {i}); skneuro.io stores "
                        "object arrays of str, int, float, bool and None only"
                    )
            return {
                "__objects__": [self.encode(v, path) for v in items],
                "shape": list(array.shape),
            }
        if array.dtype.kind not in ARRAY_KINDS or array.dtype.names is not None:
            raise TypeError(f"{path}: cannot store an array of dtype {array.dtype}")
        known = self._array_members.get(id(array))
        if known is None:
            buffer = io.BytesIO()
            np.save(buffer, array, allow_pickle=False)
            member = f"arrays/{len(self.arrays)}.npy"
            self.arrays[member] = buffer.getvalue()
            # The array is kept alive so that its id is not reused.
            known = self._array_members[id(array)] = (member, array)
        tree = {"__ndarray__": known[0]}
        if not array.flags.writeable:
            tree["readonly"] = True
        return tree

    def _scalar(self, value, path):
        dtype = value.dtype
        if dtype.kind in "biu":
            return {"__scalar__": dtype.str, "value": value.item()}
        if dtype.kind == "f" and dtype.itemsize <= 8:
            return {"__scalar__": dtype.str, "value": float(value).hex()}
        if dtype.kind == "c" and dtype.itemsize <= 16:
            parts = [float(value.real).hex(), float(value.imag).hex()]
            return {"__scalar__": dtype.str, "value": parts}
        if dtype.kind == "U":
            return {"__scalar__": "str", "value": str(value)}
        raise TypeError(f"{path}: cannot store a numpy {dtype} scalar")

    def _tensor(self, tensor):
        key = str(len(self.tensors))
        self.tensors[key] = (
            tensor.detach().cpu().clone(memory_format=torch.contiguous_format)
        )
        return {"__tensor__": key}

    def _named(self, value, path):
        name = qualified_name(value)
        if isinstance(value, type) and TYPES.get(name) is value:
            return {"__class__": name}
        if not isinstance(value, type) and FUNCTIONS.get(name) is value:
            return {"__function__": name}
        kind = "class" if isinstance(value, type) else "function"
        raise TypeError(
            f"{path}: cannot store the {kind} {name}, which is not on "
            f"skneuro.io's allow-list; {_WHAT}"
        )

    def _object(self, value, path):
        if type(value) is TrainingNet:
            return {"__net__": self._items(net_fields(value), path, ".{}")}
        name = qualified_name(type(value))
        trusted = OBJECTS.get(name) is type(value)
        if trusted and not isinstance(value, CONTAINERS):
            return self._trusted_object(value, name, path)
        inside = skneuro_inside(value, path)
        if trusted and inside is not None:
            return self._trusted_object(value, name, path)
        if inside is not None:
            hint = ""
            if hasattr(value, "best_estimator_") or hasattr(value, "estimator"):
                hint = " store its best_estimator_ instead, or"
            raise TypeError(
                f"{path}: cannot store a {type(value).__name__} holding a skneuro "
                f"object ({inside}); skneuro.io stores skneuro estimators on "
                "their own or inside Pipeline, FeatureUnion and ColumnTransformer:"
                f"{hint} store the skneuro estimator itself"
            )
        if type(value).__module__.split(".")[0] == "sklearn":
            return self._skops(value, path)
        raise TypeError(f"{path}: cannot store a {type(value).__name__}; {_WHAT}")

    def _trusted_object(self, value, name, path):
        if isinstance(value, tuple) and hasattr(value, "_fields"):
            fields = {f: getattr(value, f) for f in value._fields}
            return {"__object__": name, "fields": self._items(fields, path, ".{}")}
        state = object_state(value)
        if isinstance(value, BaseNeuralNet):
            # Rebuilt from the net on load: the net's own history, and the
            # device the net was loaded on.
            state.pop("history_", None)
            state.pop("device_", None)
        return {"__object__": name, "state": self._items(state, path, ".{}")}

    def _skops(self, value, path):
        try:
            data = skops.io.dumps(value)
        except Exception as exc:
            raise TypeError(
                f"{path}: cannot store a {type(value).__name__}: skops cannot "
                f"dump it ({exc})"
            ) from exc
        untrusted = sorted(
            set(skops.io.get_untrusted_types(data=data)) - set(SKOPS_TRUSTED)
        )
        if untrusted:
            raise TypeError(
                f"{path}: cannot store a {type(value).__name__}: it holds types "
                f"that skops does not trust ({', '.join(untrusted)}); {_WHAT}"
            )
        member = f"skops/{len(self.skops)}.skops"
        self.skops[member] = data
        return {"__skops__": member}
