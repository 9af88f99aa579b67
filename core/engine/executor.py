"""Where the engine's work runs: an executor maps a pure function over batches and yields the results in order.

    with LocalProcesses(workers=2) as executor:
        analysis = analyse(["data"], codebook=book, executor=executor)

The engine never starts processes on its own initiative and keeps no module-level state: a caller that
wants parallel work passes an executor and owns its life cycle (the CLI one per command, the dashboard one
per server, shared by its sessions; a test its own). Running the scoring on a cluster is one more class with
`workers`, `map` and `close`.
"""
from __future__ import annotations

import contextlib
import ctypes
import gc
import itertools
import multiprocessing
import os
import sys
import threading
import types
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Protocol, TypeVar

# What a worker forked from the standard library's server has imported before its first task: the whole engine
ENGINE_MODULES = ("core.engine.pipeline", "core.engine.remote")

Item = TypeVar("Item")
Result = TypeVar("Result")


class Executor(Protocol):
    """Maps a function over items, results in the order of the items. `function` and the items must pickle
    for an executor that runs them in other processes (a module-level function or a frozen dataclass)."""

    workers: int
    reads_input: bool  # its workers open the data files themselves (core.engine.remote), a cluster's do

    def map(self, function: Callable[[Item], Result], items: Iterable[Item]) -> Iterator[Result]: ...

    def close(self) -> None: ...


class InlineExecutor:
    """Runs every item in the calling thread: no start-up cost, for small work and for tests."""

    workers = 1
    reads_input = False

    def map(self, function: Callable[[Item], Result], items: Iterable[Item]) -> Iterator[Result]:
        for item in items:
            yield function(item)

    def close(self) -> None:
        pass

    def __enter__(self) -> InlineExecutor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class LocalProcesses:
    """A pool of worker processes on this machine, started on the first `map` and ended by `close()` (or at
    the end of a `with` block). Safe to share between threads: each `map` has its own results.

    Items are submitted as the caller's iterator yields them, with at most `2 * workers` in flight, so the
    workers start while the caller is still reading files and memory stays flat on any corpus size.
    """

    reads_input = False  # this process reads the files: on one machine quicker than a scan and reads per worker

    def __init__(self, workers: int | None = None, *, start_method: str | None = None):
        self.workers = max(1, workers if workers is not None else min(2, os.cpu_count() or 1))
        self.start_method = start_method
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _started(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                method = self.start_method or safe_start_method()
                if method == "forkserver":  # used only if this starts the server: then the workers have the engine
                    multiprocessing.set_forkserver_preload(list(ENGINE_MODULES))
                context = multiprocessing.get_context(method)
                with _blank_main(method != "fork"), _frozen_heap(method == "fork"):
                    # The pool starts a process per task until one is idle: a first worker done with its task
                    # before the next was submitted would leave the rest to start later, with `__main__` back.
                    # Each worker waits for all the others at its start, so all start here.
                    pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_worker_start,
                                               initargs=(context.Barrier(self.workers),))
                    started = [pool.submit(os.getpid) for _ in range(self.workers)]  # every worker, now
                    for future in started:
                        future.result()
                self._pool = pool
            return self._pool

    def map(self, function: Callable[[Item], Result], items: Iterable[Item]) -> Iterator[Result]:
        pool = self._started()
        return in_order(lambda item: pool.submit(function, item), items, 2 * self.workers)

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None

    def __enter__(self) -> LocalProcesses:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class DaskCluster:
    """Shards on a Dask distributed cluster: the scheduler at `address` (a university cluster through
    dask-jobqueue, a Kubernetes namespace through dask-kubernetes), or, without one, a LocalCluster of `workers`
    processes on this machine. Started on the first `map`, ended by `close()`.

    The workers read their own input and write the tables as parquet parts (`core.engine.remote`): they must
    reach the data, the shard cache and the results folder (a shared file system or URLs on a real cluster).
    The same functions run on them as on local processes, so the tables are identical.
    """

    reads_input = True

    def __init__(self, address: str | None = None, workers: int | None = None):
        self.address = address
        self.workers = max(1, workers if workers is not None else min(2, os.cpu_count() or 1))
        self._client = None
        self._cluster = None
        self._lock = threading.Lock()

    def _started(self):
        with self._lock:
            if self._client is None:
                if self.address is None:  # the server imports Dask and the engine while this process imports Dask
                    _start_the_server()
                import dask
                from distributed import Client, LocalCluster  # an optional dependency: themescope[cluster]

                if self.address is None:
                    with _blank_main(True), _workers_forked_from_a_server(), dask.config.set(QUIET_CLUSTER):
                        self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                                     processes=True, dashboard_address=None, host="127.0.0.1")
                        self._client = Client(self._cluster)
                else:
                    self._client = Client(self.address)
                self._client.run(reuse_freed_memory)  # as LocalProcesses' workers: a third of their time
                if self.address is not None:
                    self.workers = max(1, len(self._client.scheduler_info()["workers"]))
            return self._client

    def map(self, function: Callable[[Item], Result], items: Iterable[Item]) -> Iterator[Result]:
        """`function` (a scorer holding the whole codebook, ~300 KB pickled) is sent to every worker once; each
        task then carries only its item and a reference to it. Sent with every task, it was pickled here,
        unpickled and pickled again by the scheduler and named through its repr: a core's worth of this
        process's time beside two workers."""
        client = self._started()
        [shared] = client.scatter([function], broadcast=True, hash=False)
        name = f"{type(function).__name__.lower()}-"
        return in_order(lambda item: client.submit(applied, shared, item, key=name + uuid.uuid4().hex), items,
                        DASK_IN_FLIGHT_PER_WORKER * self.workers)

    def close(self) -> None:
        with self._lock:
            for part in (self._client, self._cluster):
                if part is not None:
                    part.close()
            self._client = self._cluster = None

    def __enter__(self) -> DaskCluster:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# Tasks submitted ahead of the oldest result per worker. Results are collected in order, so a worker done with the
# small batches after the oldest (a large one, on the other worker) got nothing more until it ended: with 2 per
# worker, up to a large batch's time idle. The scheduler queues tasks this many (a group larger than twice its
# threads) and hands each worker one more as it starts a task, so a deep window neither piles work on one worker
# nor costs memory (items are plans, results are summaries of ~0.5 MB).
DASK_IN_FLIGHT_PER_WORKER = 8

# What a LocalCluster measures for Dask's dashboard and warnings, none of which it has (it starts without a
# dashboard): each worker's profiler samples its task's stack every 10 ms, every server (the scheduler, a nanny
# per worker, each worker) checks its event loop every 20 ms and its memory every 100 ms, and the system monitor
# reads /proc every 0.5 s. That was half of this process's CPU during a run (its scheduler and nannies), taken
# from two busy workers, and 5% of each worker's. A worker over its memory limit is still stopped within 0.5 s.
QUIET_CLUSTER = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.worker.memory.monitor-interval": "500ms",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.deploy.cluster-repr-interval": "5s",
}


def _start_the_server() -> None:
    """The standard library's fork server, started now if this process has none: it imports Dask and the engine
    (~0.7 s) while this process imports Dask for its scheduler (~0.4 s), not after. A LocalCluster's workers are
    forked from it (`_workers_forked_from_a_server`). One per process: started first by LocalProcesses (in a
    dashboard), it has the engine, and each worker imports Dask itself."""
    from multiprocessing import forkserver

    with _blank_main(True):  # as LocalProcesses
        multiprocessing.set_forkserver_preload(["distributed", *ENGINE_MODULES])
        forkserver.ensure_running()


@contextlib.contextmanager
def _workers_forked_from_a_server() -> Iterator[None]:
    """A LocalCluster's workers forked from a server process that has imported Dask and the engine once, instead
    of spawned (Dask's default): a spawned worker imports Dask as it starts and the engine when the scorer
    reaches it, ~1.5 s before its first batch, as long for 1 worker as for 2, and tears them all down again at
    its exit (~0.5 s at close); a forked one starts with them and ends at once. Forked from that server (the
    stdlib's `forkserver`, `_start_the_server`), not from this process, whose other threads (Dask's event loop
    runs in one) may hold a lock the child would wait on forever. A worker Dask restarts later is spawned as
    usual. (Dask's own preloads, named as its workers start, come too late for a running server.)"""
    import dask

    with dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"}):
        yield


def applied(function: Callable[[Item], Result], item: Item) -> Result:
    """function(item), for an executor that sends the function apart from the items."""
    return function(item)


def in_order(submit: Callable[[Item], Future], items: Iterable[Item], in_flight: int) -> Iterator:
    """The results of `submit(item)` (a future) for each item, in the items' order: items are submitted as the
    caller's iterator yields them, with at most `in_flight` waiting, so work starts while the caller is still
    reading files and memory stays flat on any corpus size. The first `in_flight` are submitted at the call, not
    when the first result is asked for: a caller can start work it collects later (the next step of a plan,
    scanned while the batches of this one are handed out, `core.engine.remote`)."""
    items = iter(items)
    pending: deque[Future] = deque(submit(item) for item in itertools.islice(items, in_flight))
    return _collected(submit, items, pending, in_flight)


def _collected(submit: Callable[[Item], Future], items: Iterator[Item], pending: deque[Future],
               in_flight: int) -> Iterator:
    for item in items:
        pending.append(submit(item))
        if len(pending) > in_flight:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


@contextlib.contextmanager
def _blank_main(needed: bool) -> Iterator[None]:
    """A child started by `forkserver` or `spawn` imports the parent's `__main__` again. In a Streamlit
    server `__main__` is the page script being run, which must not run in a worker: while the workers
    start, `__main__` is an empty module."""
    original = sys.modules.get("__main__")
    if needed:
        sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if needed and original is not None:
            sys.modules["__main__"] = original


@contextlib.contextmanager
def _frozen_heap(forking: bool) -> Iterator[None]:
    """When the workers are forked: every object alive while they start moved out of the garbage collector's
    reach, and back for this process afterwards. The workers keep them frozen: their collections never walk
    the ~130,000 objects inherited from this process (modules, lexicons, the compiled codebook), which would
    cost time and copy pages they share with it (Python's `gc.freeze` documentation describes the pattern).
    Only when forking: that is when no other thread runs, so no other pool can start (and unfreeze) meanwhile."""
    if not forking:
        yield
        return
    frozen_by_the_host = gc.get_freeze_count() > 0  # a host that froze its own heap keeps it frozen
    gc.freeze()
    try:
        yield
    finally:
        if not frozen_by_the_host:
            gc.unfreeze()


def safe_start_method() -> str:
    """`fork` is the quickest start, but forking a process that runs other threads (a Streamlit server, a
    progress bar's monitor) can copy a lock some thread holds and hang the child: then `forkserver`, whose
    children are forked from a clean single-threaded server that has imported the engine once."""
    if os.name != "posix":
        return "spawn"
    if threading.active_count() == 1:
        return "fork"
    return "forkserver"


def _worker_start(everyone: threading.Barrier) -> None:
    reuse_freed_memory()
    everyone.wait(timeout=120)  # a worker that never came breaks the pool with a clear error, never a hang


def reuse_freed_memory() -> None:
    """In a worker process: ask glibc to keep freed memory for the next batch instead of handing it back.

    Every shard allocates and frees the same large numpy temporaries; by default each one above 128 KB is a
    fresh mmap whose pages the kernel must fault in again, which cost a third of the workers' time (3 million
    page faults for 80,000 transcripts). Elsewhere than glibc this does nothing."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)  # the largest glibc allows: blocks below come from the heap
        libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30)   # ...and stay there when freed
        libc.mallopt(_M_TOP_PAD, 256 << 20)        # the heap grows in large steps numpy can back with huge pages
    except (OSError, AttributeError):
        pass


_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3  # glibc's mallopt parameter numbers
