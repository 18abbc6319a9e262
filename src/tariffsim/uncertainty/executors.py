"""Executors: where the draws are solved, behind one interface.

* :class:`SerialExecutor` — in this process, one draw after another;
* :class:`ProcessExecutor` — a pool of local worker processes (``concurrent.futures``);
* :class:`DaskExecutor` — Dask distributed: a ``LocalCluster`` sized to the machine (one
  worker process per core, one thread each) by default, or an existing cluster by its
  scheduler address (``tcp://host:8786``) or scheduler file (what ``dask scheduler
  --scheduler-file`` writes, and dask-jobqueue or dask-kubernetes clusters expose).

Each receives the :class:`~tariffsim.uncertainty._task.Plan` once per worker (a process
pool's initializer; Dask's ``scatter(broadcast=True)``) and batches of draws as tasks, so
that scheduling does not dominate small solves; results come back as each batch finishes
and are handed to a callback (the progress bar). Because every draw is solved from its own
values alone, with BLAS at one thread, the numbers are the same on every executor.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any, Literal

from tariffsim.errors import ModelError
from tariffsim.uncertainty._task import Batch, DrawOutcome, Plan, install, run_batch, run_installed

__all__ = ["Executor", "SerialExecutor", "ProcessExecutor", "DaskExecutor", "EXECUTORS", "ExecutorName",
           "make_executor", "batches", "OnBatch"]

ExecutorName = Literal["serial", "processes", "dask"]
EXECUTORS: tuple[ExecutorName, ...] = ("serial", "processes", "dask")
OnBatch = Callable[[list[DrawOutcome]], None]
"""Called with the outcomes of each batch as it finishes (in the order batches finish)."""


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


def _check_workers(workers: int | None) -> None:
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ModelError(f"workers must be a positive integer; got {workers!r}")


class Executor:
    """Solves batches of draws; use it as a context manager or call :meth:`close`."""

    name: ExecutorName

    @property
    def workers(self) -> int:
        """How many batches run at once (batch sizes are chosen from it)."""
        raise NotImplementedError

    def run(self, plan: Plan, work: Sequence[Batch], on_batch: OnBatch) -> None:
        """Solve every batch, calling ``on_batch`` with each batch's outcomes as it finishes."""
        raise NotImplementedError

    def close(self) -> None:
        """Release workers this executor started (a cluster it did not start is left running)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def describe(self) -> str:
        return f"{self.name}, {self.workers} worker{'s' if self.workers != 1 else ''}"


class SerialExecutor(Executor):
    """One draw after another in this process."""

    name: ExecutorName = "serial"

    @property
    def workers(self) -> int:
        return 1

    def run(self, plan: Plan, work: Sequence[Batch], on_batch: OnBatch) -> None:
        for batch in work:
            on_batch(run_batch(plan, batch))


class ProcessExecutor(Executor):
    """A pool of ``workers`` local processes (default one per core).

    Workers are started by a fork server on Linux (a clean process that imported tariffsim
    once, forked for each worker) and spawned elsewhere: never forked from a parent whose
    threads (progress bars, BLAS) could hold a lock.
    """

    name: ExecutorName = "processes"

    def __init__(self, workers: int | None = None) -> None:
        _check_workers(workers)
        self._workers = workers or _cores()

    @property
    def workers(self) -> int:
        return self._workers

    def run(self, plan: Plan, work: Sequence[Batch], on_batch: OnBatch) -> None:
        if sys.platform.startswith("linux"):
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["tariffsim.uncertainty._task", "tariffsim.runs"])
        else:  # pragma: no cover - macOS, Windows
            context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(self._workers, max(1, len(work))), mp_context=context,
                                 initializer=install, initargs=(plan,)) as pool:
            futures = [pool.submit(run_installed, batch) for batch in work]
            try:
                for future in as_completed(futures):
                    on_batch(future.result())
            except BaseException:
                for future in futures:
                    future.cancel()
                raise


class DaskExecutor(Executor):
    """Dask distributed.

    Parameters
    ----------
    address
        Scheduler address of a running cluster (``tcp://host:8786``).
    scheduler_file
        Scheduler file of a running cluster (written by ``dask scheduler --scheduler-file``).
    client
        A ``distributed.Client`` to use as it is (not closed here).
    workers
        Worker processes of the ``LocalCluster`` started when none of the above is given
        (default one per core; one thread each).

    With none of ``address``, ``scheduler_file`` and ``client``, a ``LocalCluster`` is started
    on first use and closed by :meth:`close`.
    """

    name: ExecutorName = "dask"

    def __init__(self, address: str | None = None, *, scheduler_file: str | Path | None = None,
                 client: Any = None, workers: int | None = None) -> None:
        _check_workers(workers)
        given = [x for x in (address, scheduler_file, client) if x is not None]
        if len(given) > 1:
            raise ModelError("give one of a scheduler address, a scheduler file or a client")
        if address is not None and not str(address).strip():
            raise ModelError("the Dask scheduler address is empty: give tcp://HOST:PORT or a scheduler file")
        if scheduler_file is not None and not Path(scheduler_file).is_file():
            raise ModelError(f"no Dask scheduler file {scheduler_file} (a running scheduler writes it with "
                             "--scheduler-file)")
        self.address = address
        self.scheduler_file = scheduler_file
        self._client = client
        self._owned: list[Any] = []  # what close() closes: the client and cluster started here
        self._workers = workers

    def _connect(self) -> Any:
        if self._client is not None:
            return self._client
        try:
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - a dependency of tariffsim
            raise ModelError("the Dask executor needs dask[distributed]: pip install 'dask[distributed]'") from None
        try:
            if self.address is not None:
                client = Client(self.address, timeout="20s")
            elif self.scheduler_file is not None:
                client = Client(scheduler_file=str(self.scheduler_file), timeout="20s")
            else:
                cluster = LocalCluster(n_workers=self._workers or _cores(), threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.ERROR)
                self._owned.append(cluster)
                client = Client(cluster)
        except (OSError, TimeoutError) as exc:
            where = self.address or self.scheduler_file or "a LocalCluster"
            raise ModelError(f"cannot reach the Dask scheduler at {where} ({exc})") from None
        self._owned.insert(0, client)
        self._client = client
        return client

    @property
    def workers(self) -> int:
        client = self._connect()
        info = client.scheduler_info(n_workers=-1) if _takes_n_workers(client) else client.scheduler_info()
        threads = sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values())
        return max(1, threads)

    def run(self, plan: Plan, work: Sequence[Batch], on_batch: OnBatch) -> None:
        from distributed import as_completed as completed

        client = self._connect()
        [shared] = client.scatter([plan], broadcast=True, hash=False)
        futures = [client.submit(run_batch, shared, batch, pure=False) for batch in work]
        try:
            for future in completed(futures):
                on_batch(future.result())
        except BaseException:
            client.cancel(futures)
            raise
        finally:
            del shared

    def close(self) -> None:
        for thing in self._owned:
            thing.close()
        if self._owned:
            self._client = None
        self._owned = []

    def describe(self) -> str:
        where = (self.address or (f"scheduler file {self.scheduler_file}" if self.scheduler_file else None)
                 or ("a client" if self._client is not None and not self._owned else "a LocalCluster"))
        return f"dask ({where}), {self.workers} worker threads"


def _takes_n_workers(client: Any) -> bool:
    import inspect

    try:
        return "n_workers" in inspect.signature(client.scheduler_info).parameters
    except (TypeError, ValueError):  # pragma: no cover
        return False


def make_executor(name: str | Executor, *, workers: int | None = None, scheduler: str | None = None) -> Executor:
    """An executor by name (``serial``, ``processes``, ``dask``), or ``name`` itself when it is one.

    ``scheduler`` (Dask only) is a scheduler address (``tcp://host:8786``) or the path of a scheduler file.
    """
    if isinstance(name, Executor):
        return name
    if scheduler is not None and name != "dask":
        raise ModelError(f"a scheduler is for the dask executor, not '{name}'")
    if name == "serial":
        return SerialExecutor()
    if name == "processes":
        return ProcessExecutor(workers)
    if name == "dask":
        if scheduler is None:
            return DaskExecutor(workers=workers)
        text = str(scheduler).strip()
        if "://" in text or not text:
            return DaskExecutor(text)
        return DaskExecutor(scheduler_file=text)
    raise ModelError(f"executor '{name}' is not one of {', '.join(EXECUTORS)}")


def batches(indices: Sequence[int], values: Any, workers: int, size: int | None = None) -> list[Batch]:
    """Draws cut into batches: ``size`` draws each, default about four batches per worker (enough to balance
    uneven solves, few enough that scheduling costs little beside the solves)."""
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
        raise ModelError(f"batch size must be a positive integer; got {size!r}")
    n = len(indices)
    per = size or max(1, math.ceil(n / (4 * max(1, workers))))
    return [[(int(k), values[k]) for k in indices[i:i + per]] for i in range(0, n, per)]
