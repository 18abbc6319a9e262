"""Background jobs: runs, trade wars and talks solved by worker threads, with progress, cancellation and limits.

A :class:`JobQueue` holds jobs in the order they came and solves ``workers`` of them at once.
A job's work is a function of the :class:`Job`; it reports progress through
:meth:`Job.report` and stops when cancelled at its next report (:meth:`Job.check` raises
:class:`Cancelled`): the library's progress callbacks (:class:`tariffsim.runs.RunProgress`
before each date, :class:`tariffsim.uncertainty.DrawProgress` after each batch of draws) are where
a run looks. A job waiting in the queue is cancelled at once.

Limits: one client (a browser session, or the scripts sharing the token) may have at most
``max_queued`` jobs waiting or running, the app ``max_total``; a job beyond is refused with
:class:`JobLimit` (HTTP 429). Finished jobs are remembered (the last :data:`KEEP_FINISHED`).

Errors a user can cause (:class:`~tariffsim.errors.TariffsimError`) end a job as ``failed`` with
their one-line message; anything else is logged with its traceback and the job says only that an
internal error happened.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from tariffsim.errors import TariffsimError

__all__ = ["Job", "JobQueue", "JobLimit", "Cancelled", "JobStatus", "KEEP_FINISHED"]

log = logging.getLogger("tariffsim.web")

JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]
KEEP_FINISHED = 200
"""Finished jobs remembered (their results stay reachable: runs in the runs store, games here)."""


class JobLimit(TariffsimError):
    """A job refused because its client or the app has too many waiting or running."""


class Cancelled(Exception):
    """Raised inside a job's work when it has been cancelled (not an error)."""


@dataclass(eq=False)
class Job:
    """One piece of background work and what is known of it.

    Attributes
    ----------
    id
        ``j`` and 12 hex digits.
    kind
        ``run``, ``war``, ``gap`` or ``target``.
    title
        What it is, for lists (user text: escaped wherever shown).
    client
        Who asked (for limits).
    status
        ``queued``, ``running``, ``done``, ``failed`` or ``cancelled``.
    stage, done, total, detail
        Progress: the stage (``compile``, ``solve``, ``draws``, ...), steps done of ``total`` and a
        word on the current step (a date).
    message
        Why it failed (one line).
    result
        What the work returned (a run's id in the runs store; a game's tables and sections).
    """

    kind: str
    title: str
    client: str
    work: Callable[[Job], Any] = field(repr=False)
    id: str = field(default_factory=lambda: "j" + secrets.token_hex(6))
    status: JobStatus = "queued"
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    stage: str = ""
    done: int = 0
    total: int = 0
    detail: str = ""
    message: str = ""
    result: Any = None
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def cancelling(self) -> bool:
        return self._cancel.is_set() and self.status in ("queued", "running")

    @property
    def finished_ok(self) -> bool:
        return self.status == "done"

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")

    @property
    def seconds(self) -> float | None:
        """Time spent running (so far)."""
        if self.started is None:
            return None
        return (self.finished or time.time()) - self.started

    @property
    def fraction(self) -> float:
        """Share of the current stage done (0 to 1)."""
        return min(1.0, self.done / self.total) if self.total else 0.0

    def check(self) -> None:
        """Raise :class:`Cancelled` when the job has been cancelled."""
        if self._cancel.is_set():
            raise Cancelled

    def report(self, stage: str, done: int, total: int, detail: str = "") -> None:
        """Record progress, and stop here when cancelled."""
        self.stage, self.done, self.total, self.detail = stage, done, total, detail
        self.check()

    def as_dict(self) -> dict[str, Any]:
        """The job as the JSON API shows it (without its result)."""
        return {"id": self.id, "kind": self.kind, "title": self.title, "status": self.status,
                "cancelling": self.cancelling, "created": self.created, "started": self.started,
                "finished": self.finished, "seconds": self.seconds,
                "progress": {"stage": self.stage, "done": self.done, "total": self.total, "detail": self.detail},
                "error": self.message or None}


class JobQueue:
    """Jobs in order of arrival, ``workers`` at a time (see the module docstring)."""

    def __init__(self, workers: int = 2, max_queued: int = 8, max_total: int = 32) -> None:
        if workers < 1:
            raise TariffsimError(f"jobs at once must be at least 1; got {workers}")
        self.workers = workers
        self.max_queued = max_queued
        self.max_total = max_total
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._waiting: queue.Queue[Job | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._closed = False

    # ------------------------------------------------------------------ asking
    def submit(self, kind: str, title: str, client: str, work: Callable[[Job], Any]) -> Job:
        """Queue a job, or refuse it with :class:`JobLimit`."""
        job = Job(kind=kind, title=title, client=client, work=work)
        with self._lock:
            if self._closed:
                raise JobLimit("the app is stopping: no new jobs")
            active = [j for j in self._jobs.values() if j.active]
            mine = sum(j.client == client for j in active)
            if mine >= self.max_queued:
                raise JobLimit(f"you have {mine} jobs waiting or running, the most one client may have: wait for "
                               "one to finish or cancel one")
            if len(active) >= self.max_total:
                raise JobLimit(f"the app has {len(active)} jobs waiting or running, the most it takes: try again "
                               "when some have finished")
            self._jobs[job.id] = job
            self._forget_old()
            self._start_workers()
        self._waiting.put(job)
        return job

    def cancel(self, job_id: str) -> Job:
        """Cancel a job: at once when waiting, at its next progress report when running."""
        job = self.get(job_id)
        with self._lock:
            if job.active:
                job._cancel.set()
                if job.status == "queued":
                    job.status, job.finished = "cancelled", time.time()
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise TariffsimError(f"no job '{job_id}' (finished jobs are remembered until the app stops, the last "
                                 f"{KEEP_FINISHED})")
        return job

    def find(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def jobs(self) -> list[Job]:
        """Every job remembered, newest first."""
        with self._lock:
            return list(reversed(self._jobs.values()))

    def position(self, job: Job) -> int:
        """Jobs waiting ahead of a queued one (0 when it is next or not waiting)."""
        with self._lock:
            ahead = [j for j in self._jobs.values() if j.status == "queued" and not j._cancel.is_set()]
        return ahead.index(job) if job in ahead else 0

    def close(self, timeout: float = 5.0) -> None:
        """Cancel every job and stop the workers (each stops at its job's next progress report)."""
        with self._lock:
            self._closed = True
            for job in self._jobs.values():
                if job.active:
                    job._cancel.set()
                    if job.status == "queued":
                        job.status, job.finished = "cancelled", time.time()
            threads = list(self._threads)
        for _ in threads:
            self._waiting.put(None)
        for thread in threads:
            thread.join(timeout)

    # ------------------------------------------------------------------ working
    def _start_workers(self) -> None:
        while len(self._threads) < self.workers:
            thread = threading.Thread(target=self._work, name=f"tariffsim-job-{len(self._threads)}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _forget_old(self) -> None:
        finished = [k for k, j in self._jobs.items() if not j.active]
        for key in finished[:max(0, len(finished) - KEEP_FINISHED)]:
            del self._jobs[key]

    def _work(self) -> None:
        while True:
            job = self._waiting.get()
            if job is None:
                return
            with self._lock:
                if job.status != "queued":  # cancelled while waiting
                    continue
                job.status, job.started = "running", time.time()
            try:
                job.check()
                result = job.work(job)
                job.check()
            except Cancelled:
                self._end(job, "cancelled")
            except TariffsimError as exc:
                self._end(job, "failed", " ".join(str(exc).split()))
            except Exception as exc:  # not the user's doing: the log has the traceback, the page one line
                log.exception("job %s (%s) failed", job.id, job.kind)
                self._end(job, "failed", f"internal error ({type(exc).__name__}); the server log has the details "
                                         f"(job {job.id})")
            else:
                job.result = result
                self._end(job, "done")

    def _end(self, job: Job, status: JobStatus, message: str = "") -> None:
        with self._lock:
            job.status, job.message, job.finished = status, message, time.time()
