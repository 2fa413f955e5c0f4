"""The studies, registered once, as data.

Each study is one :class:`Study` entry: its name on the command line, the
paper it reproduces, what it runs and writes, the function that plans it,
the kinds of ``--data`` it takes, its ``--quick`` settings and the options
it takes beyond the common ones. The command line (its choices, its options,
``all``), the report (the order of its sections) and the documentation's
table of studies all read :data:`STUDIES`; adding a study is writing its
module and one entry here.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from skneuro.studies._compression import plan_compression
from skneuro.studies._feature_groups import plan_feature_groups
from skneuro.studies._images import plan_images
from skneuro.studies._pool_interpolate import CASES, plan_pool_interpolate


@dataclass(frozen=True)
class Option:
    """A command-line option that some studies take.

    Attributes
    ----------
    flag : str
        The option on the command line, ``"--cases"``.
    keyword : str
        The keyword argument of the studies' plan functions it sets.
    help : str
        Its help text.
    argparse : mapping
        Further ``ArgumentParser.add_argument`` arguments (``type``,
        ``nargs``, ``choices``).
    """

    flag: str
    keyword: str
    help: str
    argparse: Mapping = field(default_factory=dict)


@dataclass(frozen=True)
class Study:
    """One study of the papers, as the command line and the docs see it.

    Attributes
    ----------
    name : str
        ``skneuro study NAME``.
    paper : str
        The paper (and part) it reproduces, cited by author.
    summary : str
        What it runs and writes, one sentence for the docs' table.
    plan : callable
        ``plan(**kwargs) -> StudyPlan``; checks its options and data and
        writes nothing (see :mod:`skneuro.studies._runs`).
    data_kinds : frozenset of str
        The kinds of ``--data`` it takes (:data:`~skneuro.studies._data.KINDS`).
    quick : mapping
        Its keyword arguments under ``--quick``.
    options : tuple of Option
        The options it takes beyond those every study takes (``--data``,
        ``--out``, ``--quick``, ``--seed``, ``--device``, ``--n-jobs``,
        ``--scheduler``, ``--no-progress``).
    """

    name: str
    paper: str
    summary: str
    plan: Callable
    data_kinds: frozenset
    quick: Mapping
    options: tuple = ()


EPOCHS = Option("--epochs", "epochs", "training epochs", {"type": int})
REPEATS = Option("--repeats", "repeats", "repeats (splits) per case", {"type": int})

#: The studies by name, in the order ``all`` runs them and the report shows
#: them.
STUDIES = {
    study.name: study
    for study in (
        Study(
            name="pool-interpolate",
            paper="Buell",
            summary=(
                "`Pipeline(PoolInterpolate, StandardScaler, SmallCNN)` for the "
                "baseline and the four pooling cases (2x2 or 3x3 window, stride "
                "1 or 2) over repeated 80/20 splits; macro precision, recall, F1 "
                "and accuracy by epoch and on the test split; image comparisons, "
                "curves with their spread, a table of mean ± std per case"
            ),
            plan=plan_pool_interpolate,
            data_kinds=frozenset({"mnist", "image-folder"}),
            quick={"repeats": 3, "epochs": 8},
            options=(
                EPOCHS,
                REPEATS,
                Option(
                    "--cases",
                    "cases",
                    "the pooling cases to run (all five by default)",
                    {"nargs": "+", "choices": list(CASES)},
                ),
            ),
        ),
        Study(
            name="feature-groups",
            paper="Hao, part 1",
            summary=(
                "`GridSearchCV` of `Pipeline(FeatureGroupSelector, StandardScaler, "
                "MLPClassifier)` over hidden sizes per feature group; loss and "
                "accuracy by hidden size per group, beside chance and a logistic "
                "regression"
            ),
            plan=plan_feature_groups,
            data_kinds=frozenset({"features", "image-folder"}),
            quick={"hidden_sizes": (1, 2, 5, 10, 19), "epochs": 1000, "cv": 3},
            options=(EPOCHS,),
        ),
        Study(
            name="compression",
            paper="Hao, part 2",
            summary=(
                "a `PruningAutoencoder` per feature group pruned progressively; "
                "reconstruction loss by units left against PCA's, units left at "
                "the threshold"
            ),
            plan=plan_compression,
            data_kinds=frozenset({"features", "image-folder"}),
            quick={"epochs": 1000, "retrain_epochs": 100},
            options=(EPOCHS,),
        ),
        Study(
            name="images",
            paper="Hao, part 3",
            summary=(
                "`GoogLeNetClassifier` on raw images; train/test loss and accuracy "
                "by epoch, per-class accuracy, mean accuracy over epoch windows"
            ),
            plan=plan_images,
            data_kinds=frozenset({"mnist", "image-folder"}),
            quick={"input_size": 32, "epochs": 10},
            options=(EPOCHS, REPEATS),
        ),
    )
}


def register(study):
    """Add ``study`` to :data:`STUDIES` (after the built-in ones).

    Raises
    ------
    ValueError
        When its name is taken (or is ``all``), or one of its options
        shares a flag with another study's option of another meaning.
    """
    if study.name in STUDIES or study.name == "all":
        raise ValueError(f"a study named {study.name!r} is already registered")
    for option in study.options:
        for other in all_options():
            if other.flag == option.flag and other != option:
                raise ValueError(
                    f"{study.name}: option {option.flag} is already registered "
                    "with another meaning"
                )
    STUDIES[study.name] = study
    return study


def all_options():
    """Every option some study takes, each once, in registration order."""
    seen = {}
    for study in STUDIES.values():
        for option in study.options:
            seen.setdefault(option.flag, option)
    return list(seen.values())


def markdown_table():
    """The table of studies (name, paper, what it runs and writes), as Markdown.

    Examples
    --------
    >>> from skneuro.studies._registry import markdown_table
    >>> print(markdown_table().splitlines()[0])
    | study | paper | what it runs and writes |
    """
    lines = ["| study | paper | what it runs and writes |", "|---|---|---|"]
    lines += [f"| `{s.name}` | {s.paper} | {s.summary} |" for s in STUDIES.values()]
    return "\n".join(lines)


def rst_table():
    """The same table as reStructuredText, for the documentation."""
    lines = [".. list-table::", "   :header-rows: 1", ""]
    lines += ["   * - study", "     - paper", "     - what it runs and writes"]
    for study in STUDIES.values():
        summary = study.summary.replace("`", "``")
        lines += [
            f"   * - ``{study.name}``",
            f"     - {study.paper}",
            f"     - {summary}",
        ]
    return "\n".join(lines) + "\n"
