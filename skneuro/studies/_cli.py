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
from skneuro.studies._data import KINDS, data_kind
from skneuro.studies._folder import StudyFolder
from skneuro.studies._registry import STUDIES, all_options
from skneuro.studies._report import write_report
from skneuro.studies._runs import compute_on, run_plan


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
    study.add_argument("--seed", type=int, default=0, help="base random seed")
    for option in all_options():
        takers = ", ".join(s.name for s in STUDIES.values() if option in s.options)
        study.add_argument(
            option.flag,
            dest=option.keyword,
            help=f"{option.help} ({takers})",
            **option.argparse,
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
    """The studies to run with their keyword arguments; checks ``--data`` and
    the options each study takes."""
    names = list(STUDIES) if args.name == "all" else [args.name]
    kind = None if args.data is None else data_kind(args.data)
    if kind is not None and args.name != "all":
        takes = STUDIES[args.name].data_kinds
        if kind not in takes:
            wanted = " or ".join(KINDS[k] for k in sorted(takes))
            raise ValueError(
                f"--data {args.data} is {KINDS[kind]}; the {args.name} study "
                f"takes {wanted}."
            )
    given = [o for o in all_options() if getattr(args, o.keyword) is not None]
    for option in given:
        if not any(option in STUDIES[name].options for name in names):
            takers = [s.name for s in STUDIES.values() if option in s.options]
            raise ValueError(
                f"{option.flag} applies to the {' and '.join(takers)} "
                f"stud{'ies' if len(takers) > 1 else 'y'}, not to {args.name}."
            )
    requested = []
    for name in names:
        study = STUDIES[name]
        kwargs = dict(study.quick) if args.quick else {}
        for option in given:
            if option in study.options:
                value = getattr(args, option.keyword)
                kwargs[option.keyword] = (
                    tuple(value) if isinstance(value, list) else value
                )
        if kind is not None and kind in study.data_kinds:
            kwargs["data"] = args.data
        kwargs.update(seed=args.seed, device=args.device, n_jobs=_n_jobs(args))
        requested.append((name, kwargs))
    return requested


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
            STUDIES[name].plan(show_progress=show_progress, **kwargs)
            for name, kwargs in requested
        ]
        for study in plans:
            study.table(folder)  # refuses other settings or data; writes nothing
        for study in plans:
            run_plan(study, folder, show_progress=show_progress)
    return write_report(
        folder,
        list(STUDIES),
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
