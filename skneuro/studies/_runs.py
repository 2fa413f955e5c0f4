"""Where a study's runs execute: in this process, joblib workers, or Dask.

A study is planned first (:class:`StudyPlan`: its data loaded and checked,
its settings and runs decided, nothing written), then run into a study
folder by :func:`run_plan`. A study is a list of independent runs (a
pooling case on one split, one feature group's compression...).
:func:`run_pending` hands the runs that the
results table lacks to :class:`joblib.Parallel` and adds each run's row to
the table in this process as soon as the run finishes, whichever worker ran
it. The resume guarantees are therefore those of the sequential study: the
table on disk holds whole rows of finished runs only, written atomically by
one process, in the study's order of runs whatever order they finished in.

:func:`compute_on` points joblib at a Dask scheduler (joblib's ``"dask"``
backend, from ``distributed``), so that the same code spreads the runs over
a cluster. skneuro ships no scheduler of its own.
"""

import inspect
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from joblib import Parallel, delayed, parallel_config

from skneuro.studies._common import progress
from skneuro.studies._report import file_stem, write_section
from skneuro.studies._results import ResultsTable

#: How long ``--scheduler`` waits for the scheduler to answer.
CONNECT_TIMEOUT = "10s"


@contextmanager
def compute_on(scheduler):
    """Run the block's joblib work on the Dask scheduler at ``scheduler``.

    Parameters
    ----------
    scheduler : str or None
        A Dask scheduler's address (``tcp://host:8786``); ``None`` leaves
        joblib's default (local processes).

    Raises
    ------
    ValueError
        When ``distributed`` is missing or the scheduler cannot be reached;
        raised before any run starts.
    """
    if scheduler is None:
        yield
        return
    try:
        from distributed import Client
    except ImportError as exc:
        raise ValueError(
            "--scheduler needs Dask's distributed scheduler: pip install "
            "'skneuro[dask]' (here and on the workers)."
        ) from exc
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ValueError(
            f"--scheduler {scheduler}: no Dask scheduler answered there ({exc})."
        ) from exc
    with client, parallel_config(backend="dask", client=client):
        yield


def _keyed(_function, _key, **kwargs):
    return _key, _function(**kwargs)


def run_pending(table, runs, function, *, n_jobs, description, show_progress):
    """Run the runs that ``table`` lacks; add each row as its run finishes.

    Parameters
    ----------
    table : ResultsTable
        The study's results; its finished runs are skipped.
    runs : list of (str, dict)
        Each run's key and the keyword arguments of ``function``.
    function : callable
        A module-level function (it travels to worker processes) returning
        the run's rows, one dict per measurement, without the run's key.
    n_jobs : int
        Runs at once, as joblib counts them (``-1``: every core or, under
        :func:`compute_on`, every worker thread of the cluster). ``1`` runs
        them here, one after another.
    description : str
        The progress bar's label.
    show_progress : bool
        A progress bar over the runs.
    """
    order = [key for key, _ in runs]
    done = table.done()
    pending = [(key, kwargs) for key, kwargs in runs if key not in done]
    with progress(runs, done, description, show_progress) as bar:
        if n_jobs == 1:
            finished = (_keyed(function, key, **kwargs) for key, kwargs in pending)
        else:
            # Arguments passed one by one (not in a dict) let joblib's dask
            # backend scatter a large array once for all the runs that share
            # it, instead of sending it with every run.
            finished = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
                delayed(_keyed)(function, key, **kwargs) for key, kwargs in pending
            )
        for key, rows in finished:
            table.add(key, rows, order=order)
            bar.update()


@dataclass
class StudyPlan:
    """A study ready to run: data checked, settings and runs decided.

    Making one writes nothing, so that every study of a command is planned,
    and every refusal raised, before the first file is written.

    Attributes
    ----------
    name : str
        The study's name on the command line (``"pool-interpolate"``).
    settings : dict
        What the results depend on, the data's identity included; a resume
        must match it.
    runs : list of (str, dict)
        Each run's key and the keyword arguments of ``function``.
    function : callable
        A module-level function returning a run's rows (one per measurement).
    report : callable
        ``report(folder, frame)``: writes the figures, returns the section.
    n_jobs : int
        Runs at once (see :func:`run_pending`).
    """

    name: str
    settings: dict
    runs: list
    function: Callable
    report: Callable
    n_jobs: int = 1

    def table(self, folder):
        """The study's results table in ``folder`` (refuses other settings)."""
        return ResultsTable(folder, file_stem(self.name), self.settings)


def run_plan(plan, folder, *, show_progress=True):
    """Run what ``plan`` lacks in ``folder``; write its figures and section.

    Returns the study's section of the report (Markdown).
    """
    table = plan.table(folder)
    run_pending(
        table,
        plan.runs,
        plan.function,
        n_jobs=plan.n_jobs,
        description=plan.name,
        show_progress=show_progress,
    )
    section = plan.report(folder, table.frame())
    write_section(folder, plan.name, section)
    return section


def runs_into_out(plan_function):
    """Give a study's ``run_*`` function the signature of its plan, after ``out``.

    ``run_compression(out, **kwargs)`` plans with ``plan_compression(**kwargs)``;
    its documented signature is the plan's keywords, written once.
    """

    def decorate(run_function):
        signature = inspect.signature(plan_function)
        out = inspect.Parameter("out", inspect.Parameter.POSITIONAL_OR_KEYWORD)
        run_function.__signature__ = signature.replace(
            parameters=[out, *signature.parameters.values()]
        )
        return run_function

    return decorate
