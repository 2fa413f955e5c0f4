"""What a study checks before it runs: its options and what its data allow.

Every check raises a ``ValueError`` naming the option or the class at
fault, while the study is planned, so that a command that cannot finish
fails before anything is trained or written, and a study never records
NaN scores for folds or splits that a rare class left empty.
"""

import numbers

import numpy as np
from sklearn.model_selection import train_test_split

#: The largest seed scikit-learn and numpy take.
MAX_SEED = 2**32 - 1


def check_count(name, value, minimum=1):
    """``value`` as an int of at least ``minimum``; ``name`` is the option."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an int, not {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}; got {value}.")
    return int(value)


def check_seed(seed, repeats=1):
    """A base seed whose repeats ``seed .. seed + repeats - 1`` are all seeds."""
    seed = check_count("--seed", seed, minimum=0)
    if seed + repeats - 1 > MAX_SEED:
        raise ValueError(
            f"--seed {seed} with {repeats} repeat(s) goes beyond the largest seed, "
            f"{MAX_SEED}."
        )
    return seed


def check_unique(name, values):
    """``values`` without repeats (a repeated case would be a repeated run)."""
    values = list(values)
    if not values:
        raise ValueError(f"{name} must name at least one.")
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError(f"{name} names {', '.join(repeated)} more than once.")
    return values


def _class_name(label, class_names):
    label = label.item() if isinstance(label, np.generic) else label
    name = (class_names or {}).get(label)
    if name is not None and str(name) != str(label):
        return f"{str(name)!r} (label {label!r})"
    return repr(label)


def check_folds(y, cv, *, class_names=None, where="the data"):
    """Every class of ``y`` has a sample in each of ``cv`` stratified folds.

    Examples
    --------
    >>> from skneuro.studies._checks import check_folds
    >>> check_folds([0, 0, 0, 1, 1, 1], cv=3)
    >>> check_folds([0, 0, 0, 1, 1], cv=3)
    Traceback (most recent call last):
    ...
    ValueError: class 1 has 2 samples in the data, fewer than the 3 stratified folds...
    """
    labels, counts = np.unique(np.asarray(y), return_counts=True)
    rare = counts < cv
    if rare.any():
        i = int(np.flatnonzero(rare)[0])
        raise ValueError(
            f"class {_class_name(labels[i], class_names)} has {counts[i]} "
            f"sample{'s' if counts[i] != 1 else ''} in {where}, fewer than the "
            f"{cv} stratified folds of the cross-validation, so some folds would "
            "hold none of it and their scores be undefined. Give every class at "
            f"least {cv} samples, or leave the rare classes out."
        )


def check_splits(y, seeds, *, test_size=0.2, class_names=None, where="the data"):
    """Each stratified split of ``y`` (one per seed) has every class on both sides.

    Examples
    --------
    >>> from skneuro.studies._checks import check_splits
    >>> check_splits([0] * 10 + [1] * 10, seeds=[0, 1])
    >>> check_splits([0] * 10 + [1] * 2, seeds=[0])
    Traceback (most recent call last):
    ...
    ValueError: class 1 has 2 samples in the data: the 80/20 split of seed 0 ...
    """
    y = np.asarray(y)
    labels, counts = np.unique(y, return_counts=True)
    share = f"{round(100 * (1 - test_size))}/{round(100 * test_size)}"
    for label, count in zip(labels, counts, strict=True):
        if count < 2:
            raise ValueError(
                f"class {_class_name(label, class_names)} has {count} sample in "
                f"{where}; a stratified {share} split needs at least 2 of each "
                "class. Add samples of it, or leave it out."
            )
    for seed in seeds:
        try:
            train, test = train_test_split(
                np.arange(len(y)), test_size=test_size, stratify=y, random_state=seed
            )
        except ValueError as exc:
            raise ValueError(
                f"{where} cannot be split {share} with every class on both sides "
                f"({exc})."
            ) from exc
        for side, index in (("test", test), ("training", train)):
            missing = np.setdiff1d(labels, y[index])
            if len(missing):
                label = missing[0]
                count = int(counts[np.searchsorted(labels, label)])
                raise ValueError(
                    f"class {_class_name(label, class_names)} has {count} samples "
                    f"in {where}: the {share} split of seed {seed} leaves it out "
                    f"of the {side} split, whose scores would then be undefined "
                    "for it. Add samples of it, or leave it out."
                )
