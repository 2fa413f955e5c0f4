"""Discovery of the estimators skneuro defines."""

import importlib
import inspect
import pkgutil
from operator import itemgetter
from pathlib import Path

from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClusterMixin,
    RegressorMixin,
    TransformerMixin,
)

_TYPE_MIXINS = {
    "classifier": ClassifierMixin,
    "regressor": RegressorMixin,
    "transformer": TransformerMixin,
    "cluster": ClusterMixin,
}


#: Public modules that need an optional extra and define no estimator.
_OPTIONAL = {"skneuro.onnx"}


def all_estimators(type_filter=None):
    """List every public estimator class defined in skneuro.

    Walks the public modules of the ``skneuro`` package (skipping test
    modules and private ones such as the training engine, as scikit-learn's
    own ``all_estimators`` does) and collects the classes they expose that
    derive from :class:`~sklearn.base.BaseEstimator`, are not abstract and
    whose name does not start with an underscore.

    Parameters
    ----------
    type_filter : {"classifier", "regressor", "transformer", "cluster"} or list \
            of those, default=None
        Keep only estimators of these kinds. ``None`` keeps all of them.

    Returns
    -------
    estimators : list of (str, type)
        ``(name, class)`` pairs sorted by name.

    Examples
    --------
    >>> from skneuro.utils import all_estimators
    >>> names = [name for name, _ in all_estimators(type_filter="transformer")]
    >>> "PoolInterpolate" in names
    True
    """
    if type_filter is None:
        mixins = None
    else:
        kinds = [type_filter] if isinstance(type_filter, str) else list(type_filter)
        unknown = sorted(set(kinds) - set(_TYPE_MIXINS))
        if unknown:
            raise ValueError(
                f"type_filter got unknown kinds {unknown}; "
                f"expected any of {sorted(_TYPE_MIXINS)} or None."
            )
        mixins = tuple(_TYPE_MIXINS[kind] for kind in kinds)

    found = {}
    package = str(Path(__file__).resolve().parents[1])  # skneuro/, not imported
    for module_info in pkgutil.walk_packages([package], prefix="skneuro."):
        parts = module_info.name.split(".")
        if "tests" in parts or any(part.startswith("_") for part in parts):
            continue
        if module_info.name in _OPTIONAL:
            continue
        module = importlib.import_module(module_info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                name.startswith("_")
                or not cls.__module__.startswith("skneuro.")
                or not issubclass(cls, BaseEstimator)
                or inspect.isabstract(cls)
            ):
                continue
            if mixins is not None and not issubclass(cls, mixins):
                continue
            found[name] = cls
    return sorted(found.items(), key=itemgetter(0))
