"""How many torch threads one fit computes with, decided in ``fit``.

A fit on the CPU parallelises each operation over torch's intra-op threads.
When several fits run at once (``GridSearchCV(n_jobs=k)``, a Dask cluster),
their threads must share the cores rather than fight over them: on 2 cores,
two fits of 2 threads each run slower than two fits of 1 thread each, since
OpenMP threads that wait for a core spin and get preempted.

The rule (:func:`decide_threads`), in order:

1. the estimator's ``n_threads`` parameter, when it is set;
2. inside a Dask worker: the cores of this worker's machine divided by the
   task threads of all the workers on that machine (``--nthreads`` summed
   over the workers on the host), at least 1. Dask's nanny starts its
   workers with ``OMP_NUM_THREADS=1`` (the ``distributed.nanny.pre-spawn-environ``
   setting, meant for numpy), which would otherwise hold a fit to one thread
   on a worker that owns 16 cores;
3. otherwise torch's own thread count in the calling thread, capped at the
   cores this process may use. That count already follows
   ``OMP_NUM_THREADS``, which joblib's loky backend sets in its workers to
   ``cpu_count() // n_jobs`` (and which a user may set), and defaults to the
   physical cores.

:func:`torch_threads` applies the decision around one fit and restores the
previous count afterwards. It calls :func:`torch.set_num_threads` in the
thread that trains: OpenMP keeps the thread count per calling thread, so a
count set from another thread (a worker's main thread, a setup plugin) can
be silently ignored by the thread a Dask task runs in. Nothing here touches
CUDA.
"""

import time
from contextlib import contextmanager
from urllib.parse import urlsplit

import torch
from joblib import cpu_count


def _dask_worker():
    """The Dask worker running the current task, or None."""
    try:
        from distributed import get_worker
    except ImportError:
        return None
    try:
        return get_worker()
    except ValueError:
        return None


#: Seconds a worker reuses its count of the host's task threads: asking the
#: scheduler costs milliseconds, a noticeable share of a small MLP's fit
#: (figures: docs/benchmarks.rst, "Figures behind the code").
_CACHE_SECONDS = 10.0
_cache = {}  # worker address -> (time asked, task threads on the host)


def _host(address):
    return urlsplit(address).hostname


def _dask_host_threads(worker):
    """Task threads of all the workers on ``worker``'s machine.

    Asks the scheduler (one round trip) through the worker's client, at most
    every ``_CACHE_SECONDS``; falls back to this worker's own threads when
    the scheduler cannot be asked.
    """
    asked, total = _cache.get(worker.address, (None, None))
    if asked is not None and time.monotonic() - asked < _CACHE_SECONDS:
        return total
    total = _ask_host_threads(worker)
    _cache[worker.address] = (time.monotonic(), total)
    return total


def _ask_host_threads(worker):
    own = int(worker.state.nthreads)
    try:
        from distributed import get_client

        workers = get_client().scheduler_info(n_workers=-1)["workers"]
    except Exception:  # best effort: without the scheduler, this worker alone
        return own
    host = _host(worker.address)
    total = sum(
        int(info.get("nthreads", 0))
        for address, info in workers.items()
        if _host(address) == host
    )
    return max(total, own)


def decide_threads(n_threads=None):
    """Number of torch intra-op threads for one fit in this process.

    Parameters
    ----------
    n_threads : int or None
        The estimator's ``n_threads`` parameter; ``None`` decides from where
        the fit runs (see the module's docstring).

    Returns
    -------
    n_threads : int
        At least 1.

    Examples
    --------
    >>> from skneuro._engine.threads import decide_threads
    >>> decide_threads(3)
    3
    >>> decide_threads() >= 1
    True
    """
    if n_threads is not None:
        return int(n_threads)
    cores = cpu_count()  # joblib's: honours affinity masks and cgroup quotas
    worker = _dask_worker()
    if worker is not None:
        return max(1, cores // _dask_host_threads(worker))
    return max(1, min(torch.get_num_threads(), cores))


@contextmanager
def torch_threads(n_threads):
    """Run the block with ``n_threads`` torch threads; restore them after.

    Parameters
    ----------
    n_threads : int
        As returned by :func:`decide_threads`.

    Examples
    --------
    >>> import torch
    >>> from skneuro._engine.threads import torch_threads
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    before = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield n_threads
    finally:
        torch.set_num_threads(before)
