"""Computing verdicts on every core, or on a Dask cluster: one job per distinct notebook.

Book: the instructor guide (grading in parallel).

Each verdict is cached as soon as it is computed and its ``pending`` marker cleared, so the
gradebook step, which runs at the same time and waits for each, takes it at once; a job
that fails leaves its cause in the marker instead. The jobs run in the order given (the
order nbgrader grades in). A worker process that dies takes the pool down: the jobs not
done yet run again, and those it keeps taking down run alone, so that only the job that
kills its process fails (:func:`run_on_pool`). This module imports little: a Dask worker imports it
to run :func:`compute_verdict`.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from tqdm.auto import tqdm

from . import store
from .allowlist import allowed_sources
from .sandbox import Limits
from .verdicts import grade_cells


def compute_verdict(cells, allowed: dict, limits: dict, hidden=()) -> dict:
    """One job: the verdict for one submitted notebook (runs on a worker)."""
    return grade_cells(cells, allowed=allowed, limits=Limits(**limits), hidden=hidden)


def run_jobs(jobs: list[tuple], root: Path, limits: Limits, *, workers: int, dask: str | None = None,
             progress: bool = True, started=lambda: None) -> list[str]:
    """Compute and cache every job's verdict; return the failures (one line each).

    A job is ``(assignment, key, cells, students)``. ``dask`` is a scheduler's address, or
    ``"local"`` for a cluster of ``workers`` processes on this machine. ``started()`` is
    called once the workers are started (before the first result).
    """
    failures = []
    bar = tqdm(total=len(jobs), desc="verdicts", unit="notebook", disable=not progress, position=0)

    def call(job):
        assignment, _, cells, _ = job
        return compute_verdict, cells, allowed_sources(assignment), limits.as_dict(), [str(root)]

    def done(job, result=None, error=None):
        assignment, key, _, students = job
        if error is None:
            try:
                store.save_verdict(root, assignment, key, result)
                store.clear_pending(root, assignment, key)
            except (OSError, TypeError, ValueError) as exc:
                error = exc
        if error is not None:
            cause = f"the grader failed: {type(error).__name__}: {str(error)[:300]}"
            store.mark_failed(root, assignment, key, cause)
            failures.append(f"{assignment}/{', '.join(students)}: {cause}")
        bar.update(1)

    if not jobs:
        started()
    elif dask:
        run_on_dask(jobs, call, done, dask, workers, started)
    else:
        run_on_pool(jobs, call, done, workers, started)
    bar.close()
    return failures


def run_on_pool(jobs, call, done, workers: int, started) -> None:
    """``done(job, result)`` (or ``done(job, error=...)``) for each job, run as ``call(job)``
    says on a pool of processes.

    A process that dies (the kernel's out-of-memory killer, say) takes the whole pool down,
    and every job not done yet with it. Those run once more in a new pool; the ones that
    are taken down again then run one at a time, each in a pool of its own, so that a job
    that kills its process fails alone and no other student's verdict is lost with it.

    The pool forks all its workers at its first job, before ``started()`` starts any thread.
    """
    broken = _pool_round(jobs, range(len(jobs)), call, done, workers, started)
    if broken:
        broken = _pool_round(jobs, broken, call, done, workers, None)
    for i in broken:
        if _pool_round(jobs, [i], call, done, 1, None):
            done(jobs[i], error=RuntimeError("the grading process died while computing it, on its own "
                                             "(out of memory?)"))


def _pool_round(jobs, indices, call, done, workers: int, started) -> list[int]:
    """Run ``jobs[i]`` for each of ``indices`` on one pool; the indices the pool broke under."""
    broken = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {}
        for i in indices:
            futures[pool.submit(*call(jobs[i]))] = i
            if started is not None:
                started()
                started = None
        for future in as_completed(futures):
            i = futures[future]
            try:
                result = future.result()
            except BrokenProcessPool:
                broken.append(i)
                continue
            except Exception as exc:  # noqa: BLE001 - that job fails, the others go on
                done(jobs[i], error=exc)
                continue
            done(jobs[i], result)
    return sorted(broken)


def run_on_dask(jobs, call, done, address: str, workers: int, started) -> None:
    """As :func:`run_on_pool`, on a Dask cluster (``"local"``: ``workers`` processes here).

    A local cluster's worker processes are forked from this one (it has imported what a
    verdict needs; spawned ones import it all again, seconds of CPU each) and run without
    Dask's statistical profiler (it samples every thread a hundred times a second).
    """
    import dask
    from distributed import Client, LocalCluster
    from distributed import as_completed as dask_completed

    cluster = None
    if address == "local":
        with dask.config.set({"distributed.worker.multiprocessing-method": "fork",
                              "distributed.worker.profile.enabled": False}):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    started()
    try:
        with Client(cluster or address) as client:
            # Higher priority first: the order nbgrader grades in.
            futures = {client.submit(*call(job), pure=False, priority=len(jobs) - i): job
                       for i, job in enumerate(jobs)}
            for future in dask_completed(futures):
                try:
                    result = future.result()
                except Exception as exc:  # noqa: BLE001 - that job fails, the others go on
                    done(futures[future], error=exc)
                    continue
                done(futures[future], result)
    finally:
        if cluster is not None:
            cluster.close()
