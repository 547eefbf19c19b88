"""Run a design on one of several interchangeable executors: serial, processes, Dask, or a shard.

A run depends only on its parameters and seed (:func:`execute`), and writes its own files (no
results travel back through a scheduler), so every executor, worker count and sharding gives the
same tables.

``processes`` is a small pool of our own (:func:`_processes`, :class:`_Pool`): worker processes started with
``forkserver``, each with its own pipe, to which the parent hands one run at a time. Why not the
standard pools: ``multiprocessing.Pool`` never reports a task whose worker died (OOM killer,
``kill -9``) and waits for it forever; ``concurrent.futures.ProcessPoolExecutor`` turns one death
into ``BrokenProcessPool`` for every pending task without saying which run killed it (so a
retry limit would punish innocent runs too), and its ``max_tasks_per_child`` can deadlock on
3.11 (gh-115634). With a pipe per worker the parent always knows which run each worker holds:
when a worker's process sentinel fires without an answer, that run is retried on a fresh worker
(``WORKER_RETRIES`` times) and then recorded as failed, and the batch goes on. Workers exit
after ``TASKS_PER_CHILD`` runs (memory hygiene) and say so with their last answer, so a
recycled worker is never mistaken for a dead one.

``dask`` is a ``distributed.LocalCluster`` or an existing cluster at ``--scheduler`` (started
with ``dask scheduler`` / ``dask worker`` or dask-jobqueue); runs lost with a worker are
rescheduled by Dask and retried. ``--shard I/N`` keeps only the runs with ``run_id % N == I - 1``,
for Slurm job arrays.

Every executor gives bitwise-identical tables: the model's sums do not depend on the BLAS
thread count (``metrics.weighted_gini`` avoids ``np.dot``, which OpenBLAS splits over threads),
so the serial path with the shell's threads equals workers with ``OMP_NUM_THREADS=1``.
"""

from __future__ import annotations

import contextlib
import gc
import math
import os
import signal
import socket
import time
import traceback
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from regsim.batch import store
from regsim.errors import ExperimentError

EXECUTORS = ("serial", "processes", "dask")
DASK_MISSING = ("the dask executor needs the optional extra 'dask' (dask.distributed): "
                "pip install 'regsim[dask]'")
TASKS_PER_CHILD = 200  # recycle pool workers now and then (memory hygiene)
DASK_RETRIES = 2
WORKER_RETRIES = 2  # a run whose worker process died is tried again this many times, then failed
NO_WORKERS_S = 300.0  # a Dask cluster without any worker this long stops the batch (one line)
NO_WORKERS_ENV = "REGSIM_DASK_NO_WORKERS_S"
DASK_POLL_S = 2.0  # how often the scheduler is asked for its workers while no run finishes
SCHEDULER_TIMEOUT_S = 5.0  # checking that --scheduler answers, before anything is created
TEST_KILL_ENV = "REGSIM_TEST_KILL_RUN"  # tests only: "ID" kills the worker running run ID, "ID:once" once
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class RunSpec:
    """Everything a worker needs for one run (small and picklable)."""

    run_id: int
    scenario: str
    overrides: tuple[str, ...]
    seed: int
    outputs: tuple[str, ...]
    out_dir: str
    settlement_years: str = "all"


@dataclass(frozen=True)
class RunOutcome:
    """What a worker reports back: status only, never the tables."""

    run_id: int
    status: str  # done | failed | skipped
    seconds: float
    error: str = ""


def execute(spec: RunSpec) -> RunOutcome:
    """Run one design row and write its files; a failure is recorded, not raised."""
    from regsim import scenario
    from regsim.model.simulation import run_one

    out_dir = Path(spec.out_dir)
    _test_kill(spec)
    if store.is_complete(out_dir, spec.run_id, spec.outputs):
        return RunOutcome(spec.run_id, "skipped", 0.0)
    store.forget_run(out_dir, spec.run_id)
    started = time.perf_counter()
    try:
        params = scenario.load(spec.scenario, spec.overrides).params
        result = run_one(params, spec.seed, scenario=Path(spec.scenario).stem)
        for table in spec.outputs:
            frame = getattr(result, table).assign(run_id=spec.run_id)
            if table == "settlements" and spec.settlement_years == "base_and_last":
                frame = frame[frame.year.isin([frame.year.min(), frame.year.max()])]
            store.atomic_parquet(frame, store.run_file(out_dir, table, spec.run_id))
        store.record_done(out_dir, spec.run_id, spec.outputs)  # last: the run counts as done from here
        store.failure_file(out_dir, spec.run_id).unlink(missing_ok=True)
        return RunOutcome(spec.run_id, "done", time.perf_counter() - started)
    except Exception as err:  # a failed run is recorded and the batch goes on
        message = f"{type(err).__name__}: {err}"
        store.atomic_json({"run_id": spec.run_id, "error": message, "traceback": traceback.format_exc()},
                          store.failure_file(out_dir, spec.run_id))
        return RunOutcome(spec.run_id, "failed", time.perf_counter() - started, message)


def _test_kill(spec: RunSpec) -> None:
    """Tests only: SIGKILL this worker process as the out-of-memory killer would.

    Acts on the run named in ``REGSIM_TEST_KILL_RUN`` and never in the main process; ``ID:once``
    only on the first attempt.
    """
    import multiprocessing

    target = os.environ.get(TEST_KILL_ENV)
    if not target or multiprocessing.parent_process() is None:
        return
    run_id, _, mode = target.partition(":")
    if run_id != str(spec.run_id):
        return
    if mode == "once":
        try:
            os.close(os.open(Path(spec.out_dir) / f".killed-{spec.run_id}", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
    os.kill(os.getpid(), signal.SIGKILL)


@contextlib.contextmanager
def without_main() -> Iterator[None]:
    """While worker processes start, hide the caller's ``__main__`` so that they never re-run its script.

    ``forkserver`` and ``spawn`` children import the parent's main script (or ``-m`` module) before
    they start; a script that calls ``regsim.run_batch`` at top level, without an
    ``if __name__ == "__main__":`` guard, would start batches inside its own workers. regsim's workers
    need nothing from ``__main__`` (their targets live in regsim), so for the moment of starting them
    ``sys.modules["__main__"]`` is an empty module: multiprocessing then records no main to import.
    """
    import sys
    import types

    main = sys.modules.get("__main__")
    if main is None or (getattr(main, "__file__", None) is None and getattr(main, "__spec__", None) is None):
        yield
        return
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def check_not_bootstrapping(caller: str) -> None:
    """Refuse to start a batch from a worker process that is importing the caller's script.

    Raises:
        ExperimentError: naming the guard to add.
    """
    import multiprocessing

    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise ExperimentError(f"{caller} was called while a worker process was importing your script; put the "
                              'calls under  if __name__ == "__main__":  at the end of the script')


def _serial(specs: list[RunSpec]) -> Iterator[RunOutcome]:
    for spec in specs:
        yield execute(spec)


def _worker_main(conn: Any, tasks: int) -> None:
    """A pool worker: receive a RunSpec (None: stop), answer (outcome, last); exit after ``tasks``."""
    for env in THREAD_ENV:  # one thread per worker process (takes effect if numpy is not loaded yet)
        os.environ[env] = "1"
    try:
        for count in range(1, tasks + 1):
            spec = conn.recv()
            if spec is None:
                return
            conn.send((execute(spec), count == tasks))
    except (EOFError, KeyboardInterrupt, BrokenPipeError):  # the parent went away or Ctrl-C: stop quietly
        return


@dataclass
class _Worker:
    process: Any
    conn: Any
    spec: RunSpec | None = None


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit status {exitcode}"


class _Pool:
    """The worker slots of :func:`_processes`: start, hand out, collect, retire."""

    def __init__(self, specs: list[RunSpec], workers: int, retries: int) -> None:
        import multiprocessing

        self.ctx = multiprocessing.get_context("forkserver")
        self.todo = deque(specs)
        self.attempts: Counter[int] = Counter()
        self.retries = retries
        self.slots: list[_Worker | None] = [None] * min(workers, len(specs))

    def _start(self) -> _Worker:
        parent, child = self.ctx.Pipe()
        process = self.ctx.Process(target=_worker_main, args=(child, TASKS_PER_CHILD), daemon=True)
        with without_main():  # a caller's script without a __main__ guard is not re-run in the worker
            process.start()
        child.close()
        return _Worker(process, parent)

    def retire(self, index: int) -> None:
        """Close slot ``index``'s pipe and end its process (killed after 10 s)."""
        worker = self.slots[index]
        if worker is not None:
            worker.conn.close()
            worker.process.join(timeout=10)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            self.slots[index] = None

    def dispatch(self) -> list[_Worker]:
        """Hand a run to every idle slot (starting workers as needed); the busy workers."""
        for index in range(len(self.slots)):
            if self.todo and (self.slots[index] is None or self.slots[index].spec is None):
                if self.slots[index] is None:
                    self.slots[index] = self._start()
                worker = self.slots[index]
                worker.spec = self.todo.popleft()
                with contextlib.suppress(OSError):  # died while idle: found later by its sentinel
                    worker.conn.send(worker.spec)
        return [w for w in self.slots if w is not None and w.spec is not None]

    def collect(self, index: int, ready: set[Any]) -> RunOutcome | None:
        """The outcome slot ``index`` has for us, if any: its answer, or its death after the last retry."""
        worker = self.slots[index]
        if worker is None or worker.spec is None:
            return None
        if worker.conn not in ready and worker.process.sentinel not in ready:
            return None
        answer = None
        with contextlib.suppress(EOFError, OSError):
            if worker.conn.poll():
                answer = worker.conn.recv()
        if answer is not None:
            outcome, last = answer
            worker.spec = None
            if last:
                self.retire(index)
            return outcome
        if worker.process.is_alive() and worker.process.sentinel not in ready:
            return None
        return self._died(index)

    def _died(self, index: int) -> RunOutcome | None:
        """Slot ``index``'s worker died holding a run: retry the run, or record it as failed."""
        worker = self.slots[index]
        spec = worker.spec
        worker.process.join()
        cause = _death(worker.process.exitcode)
        worker.spec = None
        self.retire(index)
        self.attempts[spec.run_id] += 1
        if self.attempts[spec.run_id] <= self.retries:
            self.todo.append(spec)
            return None
        message = (f"worker process died ({cause}; e.g. out of memory) on each of "
                   f"{self.attempts[spec.run_id]} attempts")
        store.atomic_json({"run_id": spec.run_id, "error": message},
                          store.failure_file(Path(spec.out_dir), spec.run_id))
        return RunOutcome(spec.run_id, "failed", 0.0, message)

    def close(self, finished: bool) -> None:
        """Stop every worker: politely after the last run, at once if interrupted."""
        for index, worker in enumerate(self.slots):
            if worker is None:
                continue
            if finished:
                with contextlib.suppress(OSError):
                    worker.conn.send(None)
            else:  # interrupted: stop the runs in progress now
                worker.process.kill()
            self.retire(index)


def _processes(specs: list[RunSpec], workers: int, retries: int = WORKER_RETRIES) -> Iterator[RunOutcome]:
    """Run specs on ``workers`` processes; a run whose worker dies is retried, then failed."""
    from multiprocessing.connection import wait

    pool = _Pool(specs, workers, retries)
    finished = False
    try:
        while busy := pool.dispatch():
            ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy]))
            for index in range(len(pool.slots)):
                outcome = pool.collect(index, ready)
                if outcome is not None:
                    yield outcome
        finished = True
    finally:
        pool.close(finished)


def _dask(specs: list[RunSpec], workers: int, scheduler: str | None) -> Iterator[RunOutcome]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ExperimentError(DASK_MISSING) from None
    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as err:
            raise ExperimentError(f"--scheduler {scheduler}: cannot connect ({err})") from None
    else:
        with without_main():  # the workers (spawned) do not re-run a caller's script
            cluster = _local_cluster(LocalCluster, workers)
        client = Client(cluster)
    try:
        futures = client.map(execute, specs, pure=False, retries=DASK_RETRIES,
                             key=[f"regsim-run-{s.run_id}-{os.getpid()}-{time.time_ns()}" for s in specs])
        # a local worker that dies is restarted (spawned) by its nanny while the runs go on: hide main then too
        with _quiet_dask_client(), without_main() if cluster is not None else contextlib.nullcontext():
            yield from _dask_outcomes(client, futures, specs, scheduler)
    finally:
        with _quiet_dask_client():
            client.close()
            if cluster is not None:
                cluster.close()
            # a result fetch that timed out leaves a task on the client's loop that fails when the
            # client closes; asyncio reports it ("Task exception was never retrieved", a traceback)
            # when the task is collected: collect it here, while that report is silenced
            gc.collect()


@contextlib.contextmanager
def _quiet_dask_client() -> Iterator[None]:
    """Silence the client's warnings about results lost with a dead worker (regsim says it in one line)."""
    import logging

    loggers = [logging.getLogger(name) for name in ("distributed.client", "asyncio")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _local_cluster(local_cluster: Any, workers: int) -> Any:
    """A local Dask cluster whose worker processes ignore Ctrl-C and whose logs stay quiet.

    Ctrl-C reaches every process of the terminal's group: the parent stops the cluster itself
    (and says what was kept), so the workers, started while SIGINT is ignored, inherit that and
    print no KeyboardInterrupt tracebacks; Dask's warnings about the shutdown are silenced.
    """
    import logging
    import threading
    import warnings

    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        with warnings.catch_warnings():  # "Port 8787 is already in use": another cluster's dashboard
            warnings.filterwarnings("ignore", message="Port .* is already in use")
            return local_cluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                                 env={"OMP_NUM_THREADS": "1"}, silence_logs=logging.CRITICAL)
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)


def no_worker_timeout() -> float:
    """Seconds a Dask cluster may have no worker at all before the batch stops (``REGSIM_DASK_NO_WORKERS_S``)."""
    text = os.environ.get(NO_WORKERS_ENV, "")
    try:
        value = float(text) if text else NO_WORKERS_S
    except ValueError:
        raise ExperimentError(f"{NO_WORKERS_ENV}={text!r}: expected a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise ExperimentError(f"{NO_WORKERS_ENV}={text!r}: expected a number of seconds above 0")
    return value


def _dask_outcomes(client: Any, futures: list[Any], specs: list[RunSpec], scheduler: str | None
                   ) -> Iterator[RunOutcome]:
    """Outcomes as the futures finish; stop in one line when the cluster has had no worker for too long.

    A task whose workers are all gone waits on the scheduler for a worker that may never come
    (an external ``dask worker`` command killed, nanny included): the scheduler is asked every
    few seconds how many workers it has.
    """
    from distributed import wait

    limit = no_worker_timeout()
    spec_of = {future.key: spec for future, spec in zip(futures, specs, strict=True)}
    pending = set(futures)
    alone_since: float | None = None
    while pending:
        try:
            done, pending = wait(pending, timeout=DASK_POLL_S, return_when="FIRST_COMPLETED")
        except TimeoutError:
            done = set()
        progressed = False
        for future in done:
            outcome = _dask_outcome(future, spec_of[future.key])
            if outcome is None:  # its result was on a worker that is gone: Dask runs it again
                pending.add(future)
            else:
                progressed = True
                yield outcome
        if progressed or _dask_workers(client):
            alone_since = None
            continue
        alone_since = alone_since or time.monotonic()
        if time.monotonic() - alone_since > limit:
            where = f"--scheduler {scheduler}" if scheduler else "the local Dask cluster"
            raise ExperimentError(
                f"{where}: no Dask worker has been connected for {limit:g} s and {len(pending)} run(s) are not "
                "done; the finished ones are kept: start workers (dask worker ADDRESS) and run the same command again "
                f"to resume (the wait is set by {NO_WORKERS_ENV})")


def _dask_workers(client: Any) -> int:
    """Workers the scheduler knows now (0 if it cannot be asked)."""
    try:
        return len(client.nthreads())
    except Exception:  # the scheduler itself is gone or busy: no usable worker either
        return 0


def _dask_outcome(future: Any, spec: RunSpec) -> RunOutcome | None:
    """The outcome of a finished task; None if its result cannot be fetched now (its worker died)."""
    try:
        return future.result(timeout=DASK_POLL_S)
    except TimeoutError:
        return None
    except Exception as err:  # the task itself failed after retries (e.g. killed workers)
        message = f"lost on the cluster: {type(err).__name__}: {err}"
        store.atomic_json({"run_id": spec.run_id, "error": message},
                          store.failure_file(Path(spec.out_dir), spec.run_id))
        return RunOutcome(spec.run_id, "failed", 0.0, message)


def run_specs(specs: list[RunSpec], executor: str, workers: int, scheduler: str | None = None) -> Iterator[RunOutcome]:
    """Outcomes of the runs as they finish, on the chosen executor."""
    check_arguments(executor, workers)
    if executor == "serial":
        return _serial(specs)
    if executor == "processes":
        return _processes(specs, workers)
    return _dask(specs, workers, scheduler)


def check_arguments(executor: str, workers: int) -> None:
    """Refuse an unknown executor or a worker count below 1."""
    if executor not in EXECUTORS:
        raise ExperimentError(f"--executor: unknown {executor!r}; allowed: {', '.join(EXECUTORS)}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ExperimentError(f"--workers: {workers} is not allowed; use 1 or more")
    if executor == "dask":
        import importlib.util

        if importlib.util.find_spec("distributed") is None:
            raise ExperimentError(DASK_MISSING)
        no_worker_timeout()


def check_scheduler(address: str, timeout_s: float = SCHEDULER_TIMEOUT_S) -> None:
    """Refuse a ``tcp://host:port`` scheduler address that does not accept a connection.

    Other protocols (``tls://``, ``ucx://``, ...) are left to Dask's own connection.
    """
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme != "tcp":
        return
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host or port is None:
        raise ExperimentError(f"--scheduler {address}: expected tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786")
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise ExperimentError(f"--scheduler {address}: cannot connect ({reason}); "
                              "is 'dask scheduler' running there?") from None


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """``"I/N"`` -> (I, N) with 1 <= I <= N."""
    if text is None:
        return None
    try:
        i, n = (int(part) for part in str(text).split("/"))
    except ValueError:
        raise ExperimentError(f"--shard {text!r}: expected I/N, e.g. 3/10") from None
    if not 1 <= i <= n:
        raise ExperimentError(f"--shard {text!r}: I must be between 1 and N")
    return i, n
