"""``skneuro study ...``: the command line of the studies.

A command checks everything before it writes anything: the options, the
output folder (:mod:`skneuro.studies._folder`), the scheduler, then every
study it runs is planned (its data loaded and checked) and compared with
the results already in the folder. Only then does the first study start
writing. Every failure the user can cause is one ``skneuro: error: ...``
line and exit status 2.
"""

import argparse
import sys
import time

from skneuro._engine import resolve_device
from skneuro.studies._data import data_kind
from skneuro.studies._folder import StudyFolder
from skneuro.studies._hao import plan_compression, plan_feature_groups, plan_images
from skneuro.studies._pool_interpolate import CASES, plan_pool_interpolate
from skneuro.studies._report import write_report
from skneuro.studies._runs import compute_on, run_plan

KINDS = {
    "features": "a feature table",
    "mnist": "MNIST-format data",
    "image-folder": "an image folder",
}

STUDIES = ("pool-interpolate", "feature-groups", "compression", "images")

#: How each study is planned.
PLANS = {
    "pool-interpolate": plan_pool_interpolate,
    "feature-groups": plan_feature_groups,
    "compression": plan_compression,
    "images": plan_images,
}

#: Settings of ``--quick``: every study on shipped data in a few minutes on
#: two CPU cores.
QUICK = {
    "pool-interpolate": {"repeats": 3, "epochs": 8},
    "feature-groups": {"hidden_sizes": (1, 2, 5, 10, 19), "epochs": 1000, "cv": 3},
    "compression": {"epochs": 1000, "retrain_epochs": 100},
    "images": {"input_size": 32, "epochs": 10},
}


class UsageError(ValueError):
    """A command line that argparse cannot read."""


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors raised as one-line ``UsageError``s
    (argparse prints the usage and exits); ``--help`` still prints and exits."""

    def error(self, message):
        raise UsageError(f"{message} (see '{self.prog} --help').")


def _parser():
    parser = _Parser(
        prog="skneuro",
        description="Reproduce the studies of Buell, 'Approximate Computation "
        "Image Classification', and Hao, 'Use Neural Network to Classify and "
        "Compress Images'.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    study = commands.add_parser("study", help="run a study and write its report")
    study.add_argument("name", choices=[*STUDIES, "all"], help="the study to run")
    study.add_argument(
        "--data",
        help="a feature table (.xlsx/.csv), an MNIST folder (IDX or .npz) or an "
        "image folder (one sub-folder per class); shipped data by default",
    )
    study.add_argument("--out", default="results", help="output folder (resumable)")
    study.add_argument("--quick", action="store_true", help="small settings")
    study.add_argument("--repeats", type=int, help="repeats (splits) per case")
    study.add_argument("--epochs", type=int, help="training epochs")
    study.add_argument("--seed", type=int, default=0, help="base random seed")
    study.add_argument(
        "--cases",
        nargs="+",
        choices=list(CASES),
        help="pool-interpolate: the pooling cases to run (all five by default)",
    )
    study.add_argument("--device", default="auto", help="'auto', 'cpu', 'cuda'...")
    study.add_argument(
        "--n-jobs",
        type=int,
        help="runs (fits) at once: 1 by default, -1 for every core or, with "
        "--scheduler, every worker thread of the cluster",
    )
    study.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="a Dask scheduler (tcp://host:8786) to spread the runs over",
    )
    study.add_argument("--no-progress", action="store_true", help="no progress bars")
    return parser


def _study_arguments(args):
    """The studies to run with their keyword arguments; checks ``--data``."""
    names = STUDIES if args.name == "all" else (args.name,)
    kind = None if args.data is None else data_kind(args.data)
    accepts = {
        "pool-interpolate": {"mnist", "image-folder"},
        "images": {"mnist", "image-folder"},
        "feature-groups": {"features"},
        "compression": {"features"},
    }
    if kind is not None and args.name != "all" and kind not in accepts[args.name]:
        wanted = " or ".join(KINDS[k] for k in sorted(accepts[args.name]))
        raise ValueError(
            f"--data {args.data} is {KINDS[kind]}; the {args.name} study takes "
            f"{wanted}."
        )
    plan = []
    for name in names:
        kwargs = dict(QUICK[name]) if args.quick else {}
        if args.epochs is not None:
            kwargs["epochs"] = args.epochs
        if args.repeats is not None and name in ("pool-interpolate", "images"):
            kwargs["repeats"] = args.repeats
        if args.cases is not None and name == "pool-interpolate":
            kwargs["cases"] = tuple(args.cases)
        if kind is not None and kind in accepts[name]:
            kwargs["data"] = args.data
        kwargs.update(seed=args.seed, device=args.device, n_jobs=_n_jobs(args))
        plan.append((name, kwargs))
    return plan


def _n_jobs(args):
    if args.n_jobs is None:
        return -1 if args.scheduler else 1
    if args.n_jobs == 0 or args.n_jobs < -1:
        raise ValueError(
            f"--n-jobs {args.n_jobs}: give a positive count, or -1 for all."
        )
    return args.n_jobs


def run(argv=None):
    """Run the command line ``argv``; returns the report's path."""
    args = _parser().parse_args(argv)
    requested = _study_arguments(args)
    resolve_device(args.device)
    folder = StudyFolder(args.out)
    show_progress = not args.no_progress
    start = time.perf_counter()
    with compute_on(args.scheduler):
        plans = [
            PLANS[name](show_progress=show_progress, **kwargs)
            for name, kwargs in requested
        ]
        for study in plans:
            study.table(folder)  # refuses other settings or data; writes nothing
        for study in plans:
            run_plan(study, folder, show_progress=show_progress)
    return write_report(
        folder,
        STUDIES,
        command=" ".join(["skneuro", *(argv if argv is not None else sys.argv[1:])]),
        seconds=time.perf_counter() - start,
    )


def main(argv=None):
    """Console entry point: errors become one line on stderr and status 2."""
    try:
        path = run(argv)
    except (ValueError, OSError, FloatingPointError) as exc:
        # One line, whatever the message's own layout.
        print(f"skneuro: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "skneuro: interrupted; the runs that finished are kept: rerun the "
            "same command to resume.",
            file=sys.stderr,
        )
        return 130
    print(f"Report written to {path}")
    return 0
