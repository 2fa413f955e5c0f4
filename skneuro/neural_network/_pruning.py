"""Distinctiveness pruning: the angular-separation maths, as plain functions.

After Gedeon & Harris ("Network reduction techniques", 1991; "Progressive
image compression", IJCNN 1992), as used by Hao, "Use Neural Network to
Classify and Compress Images": a hidden unit's *activation vector* is its
output on every training pattern. Two units whose centred vectors point the
same way (a small angle) do the same job, and one of them can go, its
outgoing weights folded into the other's; two that point opposite ways
(an angle near 180 degrees) cancel out, and both can go, their mean
contribution moved into the output bias.

Everything here takes activations in and gives decisions or smaller weight
arrays out (NumPy, no estimator), so that each step can be used and tested on
its own; :func:`prune_step` chains them into the one pruning step that
``PruningAutoencoder`` and ``DistinctivenessPruning`` both take. A hidden
layer is described by :class:`HiddenLayer`: the weights into it and the
weights out of it, read from and written back to a module's two
``torch.nn.Linear`` layers by its two conversions, the only torch here.
"""

from typing import NamedTuple

import numpy as np
import torch
from torch import nn


class HiddenLayer(NamedTuple):
    """The weights around one hidden layer of ``n_units`` units.

    ``W_in`` (n_units, n_inputs) and ``b_in`` (n_units,) compute the units'
    pre-activations; ``W_out`` (n_outputs, n_units) and ``b_out``
    (n_outputs,) read the units' outputs, as ``torch.nn.Linear`` stores them.
    """

    W_in: np.ndarray
    b_in: np.ndarray
    W_out: np.ndarray
    b_out: np.ndarray

    @classmethod
    def of_linear(cls, first, second, dtype=None):
        """The layer between ``Linear`` layers ``first`` and ``second``.

        Copies of their weights and biases, on the host, as ``dtype`` (the
        layers' own by default).

        Examples
        --------
        >>> from torch import nn
        >>> from skneuro.neural_network._pruning import HiddenLayer
        >>> layer = HiddenLayer.of_linear(nn.Linear(4, 3), nn.Linear(3, 2))
        >>> layer.W_in.shape, layer.W_out.shape, layer.b_out.dtype
        ((3, 4), (2, 3), dtype('float32'))
        """
        return cls(
            *(
                np.array(t.detach().cpu().numpy(), dtype=dtype)
                for t in (first.weight, first.bias, second.weight, second.bias)
            )
        )

    def to_linear(self, device="cpu", dtype=torch.float32):
        """Two new ``Linear`` layers, into and out of this layer, holding its
        weights (cast to ``dtype``) on ``device``.

        Examples
        --------
        >>> from torch import nn
        >>> from skneuro.neural_network._pruning import HiddenLayer
        >>> first, second = nn.Linear(4, 3), nn.Linear(3, 2)
        >>> copy_in, copy_out = HiddenLayer.of_linear(first, second).to_linear()
        >>> bool((copy_in.weight == first.weight).all()), copy_out.out_features
        (True, 2)
        """
        pairs = ((self.W_in, self.b_in), (self.W_out, self.b_out))
        # skip_init: the weights are copied in, so none are drawn, and the
        # global random generator is left alone (seeding stays local).
        layers = [
            nn.utils.skip_init(nn.Linear, weight.shape[1], weight.shape[0])
            for weight, _ in pairs
        ]
        with torch.no_grad():
            for layer, (weight, bias) in zip(layers, pairs, strict=True):
                layer.weight.copy_(torch.from_numpy(weight))
                layer.bias.copy_(torch.from_numpy(bias))
        return tuple(layer.to(device=device, dtype=dtype) for layer in layers)


def centred_activations(activations, activation="sigmoid"):
    """Centre each unit's activation vector before angles are measured.

    Sigmoid outputs are centred on 0.5, the middle of their range, so that a
    unit and its complement (``1 - h``) point in opposite directions; other
    activations are centred on the unit's mean over the patterns.

    Parameters
    ----------
    activations : ndarray of shape (n_samples, n_units)
        Each hidden unit's output on every training pattern.
    activation : str, default="sigmoid"
        The units' activation function.

    Returns
    -------
    centred : ndarray of shape (n_samples, n_units)

    Examples
    --------
    >>> import numpy as np
    >>> from skneuro.neural_network._pruning import centred_activations
    >>> centred_activations(np.array([[0.9, 0.1], [0.5, 0.5]]))
    array([[ 0.4, -0.4],
           [ 0. ,  0. ]])
    """
    activations = np.asarray(activations, dtype=np.float64)
    if activation == "sigmoid":
        return activations - 0.5
    return activations - activations.mean(axis=0)


def constant_units(centred, tol=1e-6):
    """Units whose centred activation vector is (nearly) zero.

    A unit counts as constant when the root mean square of its centred
    vector is at most ``tol``: it adds the same amount to every pattern.
    For sigmoid units centred on 0.5 this means an output of 0.5 everywhere;
    a unit stuck at another value is caught by its angles (it points the
    same way as every unit stuck on the same side).

    Parameters
    ----------
    centred : ndarray of shape (n_samples, n_units)
    tol : float, default=1e-6

    Returns
    -------
    mask : ndarray of bool, shape (n_units,)
    """
    centred = np.asarray(centred, dtype=np.float64)
    rms = np.sqrt(np.mean(centred**2, axis=0))
    return rms <= tol


def angle_matrix(centred, tol=1e-6):
    """Angular separation, in degrees, between every pair of units.

    Parameters
    ----------
    centred : ndarray of shape (n_samples, n_units)
        Centred activation vectors (:func:`centred_activations`).
    tol : float, default=1e-6
        Units whose vectors are this close to zero (:func:`constant_units`)
        have no direction: their angle to every other unit is 90 degrees,
        neither similar nor complementary, so that they are handled as
        constant units rather than turning into NaN.

    Returns
    -------
    angles : ndarray of shape (n_units, n_units)
        Symmetric, 0 on the diagonal, within [0, 180].

    Examples
    --------
    >>> import numpy as np
    >>> from skneuro.neural_network._pruning import angle_matrix
    >>> angle_matrix(np.array([[1.0, 2.0, -1.0], [1.0, 2.0, -1.0]])).round()
    array([[  0.,   0., 180.],
           [  0.,   0., 180.],
           [180., 180.,   0.]])
    """
    centred = np.asarray(centred, dtype=np.float64)
    norms = np.linalg.norm(centred, axis=0)
    constant = constant_units(centred, tol)
    safe = np.where(constant, 1.0, norms)
    cosine = (centred.T @ centred) / np.outer(safe, safe)
    angles = np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))
    angles[constant, :] = 90.0
    angles[:, constant] = 90.0
    angles = (angles + angles.T) / 2  # exactly symmetric despite rounding
    np.fill_diagonal(angles, 0.0)
    return angles


def least_distinct_pair(angles, exclude=()):
    """The pair of units whose angle is closest to 0 or to 180 degrees.

    Parameters
    ----------
    angles : ndarray of shape (n_units, n_units)
        From :func:`angle_matrix`.
    exclude : iterable of int, default=()
        Units not to consider (already constant, say).

    Returns
    -------
    i, j : int
        The pair, ``i < j``.
    angle : float
        Their angle.

    Examples
    --------
    >>> import numpy as np
    >>> from skneuro.neural_network._pruning import least_distinct_pair
    >>> angles = np.array([[0, 50, 170], [50, 0, 90], [170, 90, 0]], float)
    >>> least_distinct_pair(angles)
    (0, 2, 170.0)
    """
    angles = np.asarray(angles, dtype=np.float64)
    n = len(angles)
    distinctness = np.minimum(angles, 180.0 - angles)
    mask = np.triu(np.ones((n, n), dtype=bool), k=1)
    for unit in exclude:
        mask[unit, :] = mask[:, unit] = False
    if not mask.any():
        raise ValueError("at least two units are needed to form a pair.")
    candidates = np.where(mask, distinctness, np.inf)
    i, j = np.unravel_index(np.argmin(candidates), candidates.shape)
    return int(i), int(j), float(angles[i, j])


def threshold_decisions(
    angles, constant=None, similar_angle=15.0, complementary_angle=165.0
):
    """Gedeon & Harris's rules applied at once to every pair.

    Pairs are taken from the least to the most distinct; a unit takes part
    in at most one decision. A pair under ``similar_angle`` merges (the
    second unit goes, into the first); a pair over ``complementary_angle``
    goes together; constant units go alone.

    Parameters
    ----------
    angles : ndarray of shape (n_units, n_units)
    constant : ndarray of bool, shape (n_units,), default=None
        Constant units (:func:`constant_units`).
    similar_angle, complementary_angle : float
        The thresholds, in degrees.

    Returns
    -------
    decisions : list of tuple
        ``("constant", i, None, None)``, ``("similar", keep, drop, angle)``
        or ``("complementary", i, j, angle)``, in the order taken.
    """
    angles = np.asarray(angles, dtype=np.float64)
    n = len(angles)
    constant = np.zeros(n, bool) if constant is None else np.asarray(constant)
    decisions = [("constant", int(i), None, None) for i in np.flatnonzero(constant)]
    used = set(np.flatnonzero(constant).tolist())
    rows, cols = np.triu_indices(n, k=1)
    pair_angles = angles[rows, cols]
    order = np.argsort(np.minimum(pair_angles, 180.0 - pair_angles), kind="stable")
    for k in order:
        i, j, angle = int(rows[k]), int(cols[k]), float(pair_angles[k])
        if i in used or j in used:
            continue
        if angle < similar_angle:
            decisions.append(("similar", i, j, angle))
        elif angle > complementary_angle:
            decisions.append(("complementary", i, j, angle))
        else:
            continue
        used.update((i, j))
    return decisions


def _without(layer, units):
    keep = np.setdiff1d(np.arange(len(layer.b_in)), np.asarray(units, dtype=int))
    return HiddenLayer(
        layer.W_in[keep], layer.b_in[keep], layer.W_out[:, keep], layer.b_out
    )


def merge_similar(layer, activations, keep, drop, merge="add", activation="sigmoid"):
    """Remove unit ``drop`` and fold its outgoing weights into unit ``keep``.

    ``merge="add"`` adds ``drop``'s outgoing weights to ``keep``'s, Gedeon &
    Harris's rule: exact when the two units' outputs are equal. ``"lsq"``
    first scales them by the least-squares factor ``s`` between the two
    centred vectors (``c_drop ~ s * c_keep``) and moves what remains
    constant, ``mean(h_drop - s * h_keep)`` times the weights, into the output
    bias, which keeps the function closer when the units are only nearly
    collinear.

    Parameters
    ----------
    layer : HiddenLayer
    activations : ndarray of shape (n_samples, n_units)
        The units' outputs on the training patterns.
    keep, drop : int
        The unit that stays and the unit that goes.
    merge : {"add", "lsq"}, default="add"
    activation : str, default="sigmoid"
        The units' activation function (how vectors are centred).

    Returns
    -------
    layer : HiddenLayer
        One unit fewer.
    """
    if merge not in ("add", "lsq"):
        raise ValueError(f"merge must be 'add' or 'lsq', got {merge!r}.")
    activations = np.asarray(activations, dtype=np.float64)
    W_out = layer.W_out.astype(np.float64, copy=True)
    b_out = layer.b_out.astype(np.float64, copy=True)
    outgoing = W_out[:, drop].copy()
    if merge == "add":
        W_out[:, keep] += outgoing
    else:
        centred = centred_activations(activations[:, [keep, drop]], activation)
        c_keep, c_drop = centred[:, 0], centred[:, 1]
        energy = c_keep @ c_keep
        scale = (c_drop @ c_keep) / energy if energy > 0 else 0.0
        remainder = np.mean(activations[:, drop] - scale * activations[:, keep])
        W_out[:, keep] += scale * outgoing
        b_out += remainder * outgoing
    merged = HiddenLayer(
        layer.W_in,
        layer.b_in,
        W_out.astype(layer.W_out.dtype),
        b_out.astype(layer.b_out.dtype),
    )
    return _without(merged, [drop])


def remove_into_bias(layer, activations, units):
    """Remove ``units`` and move their mean contribution into the output bias.

    For a complementary pair (``h_j = 1 - h_i`` with equal outgoing weights)
    or a constant unit the contribution is the same for every pattern, and
    the function is unchanged; otherwise its mean over the training patterns
    is what is kept.

    Parameters
    ----------
    layer : HiddenLayer
    activations : ndarray of shape (n_samples, n_units)
        The units' outputs on the training patterns.
    units : sequence of int
        The units to remove.

    Returns
    -------
    layer : HiddenLayer
        ``len(units)`` units fewer.
    """
    units = list(units)
    activations = np.asarray(activations, dtype=np.float64)
    means = activations[:, units].mean(axis=0)
    b_out = layer.b_out + (layer.W_out[:, units].astype(np.float64) @ means).astype(
        layer.b_out.dtype
    )
    return _without(HiddenLayer(layer.W_in, layer.b_in, layer.W_out, b_out), units)


def apply_decisions(
    layer, activations, decisions, *, merge="add", activation="sigmoid", min_units=1
):
    """Carry out ``decisions`` on ``layer``, one after the other.

    Unit indices in ``decisions`` refer to ``layer`` as given; they are
    mapped onto the shrinking layer as units go. A decision that would leave
    fewer than ``min_units`` is skipped, except that a complementary pair
    with room for one removal only is folded into one unit by least squares
    (``"complementary-merge"``: the factor is near -1, the rest goes into
    the output bias).

    Parameters
    ----------
    layer, activations
        As for :func:`remove_into_bias`: the layer, and its units' outputs
        on the training patterns.
    decisions : list of tuple
        As :func:`threshold_decisions` returns them; ``"complementary-merge"``
        is accepted too.
    merge : {"add", "lsq"}, default="add"
        How similar units merge.
    activation : str, default="sigmoid"
        The units' activation function.
    min_units : int, default=1
        Width never to go below.

    Returns
    -------
    layer : HiddenLayer
        The smaller layer.
    applied : list of tuple
        ``(kind, (i, j), angle)`` for every decision carried out.
    """
    activations = np.asarray(activations, dtype=np.float64)
    alive = list(range(len(layer.b_in)))
    applied = []
    for kind, i, j, angle in decisions:
        removes = 2 if kind == "complementary" else 1
        if len(alive) - removes < min_units:
            if kind != "complementary" or len(alive) - 1 < min_units:
                continue
            kind = "complementary-merge"
        a, b = alive.index(i), (None if j is None else alive.index(j))
        if kind == "constant":
            layer = remove_into_bias(layer, activations, [a])
            gone = [i]
        elif kind == "complementary":
            layer = remove_into_bias(layer, activations, [a, b])
            gone = [i, j]
        else:
            how = "lsq" if kind == "complementary-merge" else merge
            layer = merge_similar(
                layer, activations, a, b, merge=how, activation=activation
            )
            gone = [j]
        activations = np.delete(activations, [alive.index(g) for g in gone], axis=1)
        alive = [u for u in alive if u not in gone]
        applied.append((kind, (i, j), angle))
    return layer, applied


def prune_step(
    layer,
    activations,
    *,
    activation="sigmoid",
    strategy="threshold",
    similar_angle=15.0,
    complementary_angle=165.0,
    merge="add",
    min_units=1,
):
    """One pruning step: centre, find constant units, measure, decide, apply.

    ``strategy="threshold"`` applies Gedeon & Harris's rules to every pair at
    once (:func:`threshold_decisions`). ``"progressive"`` removes one unit: a
    constant unit if there is one, else one of the least distinct pair
    (:func:`least_distinct_pair`), merged into its partner when their angle
    is at most 90 degrees (``"similar"``) and folded into it by least squares
    beyond (``"complementary-merge"``: a factor near -1, the rest into the
    output bias, which adding weights cannot do).

    Parameters
    ----------
    layer : HiddenLayer
    activations : ndarray of shape (n_samples, n_units)
        The units' outputs on the training patterns.
    activation : str, default="sigmoid"
        The units' activation function (how vectors are centred).
    strategy : {"threshold", "progressive"}, default="threshold"
    similar_angle, complementary_angle : float, default=15.0, 165.0
        The thresholds of ``"threshold"``, in degrees.
    merge : {"add", "lsq"}, default="add"
        How similar units merge.
    min_units : int, default=1
        Width never to go below.

    Returns
    -------
    layer : HiddenLayer
        The smaller layer (``layer`` itself when nothing applied).
    applied : list of tuple
        ``(kind, (i, j), angle)`` for every decision carried out.

    Examples
    --------
    >>> import numpy as np
    >>> from skneuro.neural_network._pruning import HiddenLayer, prune_step
    >>> H = np.array([[0.9, 0.9, 0.2], [0.1, 0.1, 0.7], [0.6, 0.6, 0.1]])
    >>> layer = HiddenLayer(np.ones((3, 2)), np.zeros(3), np.ones((1, 3)), np.zeros(1))
    >>> smaller, applied = prune_step(layer, H)
    >>> len(smaller.b_in), applied[0][:2]
    (2, ('similar', (0, 1)))
    """
    centred = centred_activations(activations, activation)
    constant = constant_units(centred)
    angles = angle_matrix(centred)
    if strategy == "threshold":
        decisions = threshold_decisions(
            angles, constant, similar_angle, complementary_angle
        )
    elif constant.any():
        decisions = [("constant", int(np.flatnonzero(constant)[0]), None, None)]
    else:
        i, j, angle = least_distinct_pair(angles)
        kind = "similar" if angle <= 90.0 else "complementary-merge"
        decisions = [(kind, i, j, angle)]
    return apply_decisions(
        layer,
        activations,
        decisions,
        merge=merge,
        activation=activation,
        min_units=min_units,
    )
