"""Execution engines: where the chunks of a long job run, and what each worker opens once.

The two long jobs, :mod:`geomap.annotate` (event tables) and :mod:`geomap.corpus` (corpora),
cut their input into chunks and run one task function per chunk here:

- a :class:`WorkerConfig` says which data sets a worker needs (paths as the user gave them,
  the cache directory, whether the gazetteer is needed);
- :func:`start_engine` starts the workers of one of the :data:`ENGINES`: ``"local"`` runs
  the tasks in processes of this machine (one process runs them in-process), ``"dask"`` on
  a dask.distributed cluster (an existing one at ``scheduler``, else a
  `distributed.LocalCluster`). Each worker opens the border index and the gazetteer once,
  on start-up (a process-pool initializer or a dask worker plugin);
- :func:`run_ordered` submits ``(key, task, args)`` jobs with at most ``2 * workers`` in
  flight and yields the results in submission order, so memory stays bounded whatever the
  input size and every engine gives the same output;
- :func:`prefetch` and :func:`consume_in_thread` overlap the driver's reading and writing
  with its other work (threads: Arrow and GDAL release the GIL while they read and write);
- a task finds its worker's data with :func:`worker_borders` and :func:`worker_gazetteer`;
  it carries only its chunk (coordinates or texts), never the data sets;
- workers die with the process that started them, even when it is killed (SIGKILL): on
  Linux the kernel sends them SIGKILL (``PR_SET_PDEATHSIG``), elsewhere a watchdog thread
  sees them orphaned within half a second. :func:`claim` marks a temporary output folder as
  in use by this process (a lock the kernel releases when the process dies) and
  :func:`sweep_leftovers` removes those an earlier, killed run left next to an output.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from queue import Full, Queue
from typing import Any, Final, TypeVar

from .borders import Borders, load_borders
from .errors import ConfigurationError
from .gazetteer import Gazetteer, open_gazetteer

__all__ = [
    "ENGINES",
    "Engine",
    "Job",
    "WorkerConfig",
    "claim",
    "consume_in_thread",
    "prefetch",
    "run_ordered",
    "start_engine",
    "sweep_leftovers",
    "worker_borders",
    "worker_gazetteer",
]

ENGINES: Final[tuple[str, ...]] = ("local", "dask")
"""Where chunks run: ``local`` (processes of this machine) or ``dask`` (a cluster)."""

_DASK_HINT: Final = 'the dask engine needs dask: pip install "geomap[dask]"'

#: One unit of work for :func:`run_ordered`: a key kept by the driver, the task function
#: (a module-level function, so that it pickles) and its arguments.
Job = tuple[Any, Callable[..., Any], tuple[Any, ...]]


@dataclass(frozen=True)
class WorkerConfig:
    """What a worker needs to open its data sets.

    Attributes
    ----------
    borders_path, gazetteer_path : str, optional
        The data sets as the user gave them (None: the defaults); the workers must be able
        to read them.
    cache_dir : str, optional
        The cache directory for the gazetteer and the derived borders; None: each worker's
        own default (:func:`geomap.io.cache_dir`).
    gazetteer : bool
        Whether the tasks need the gazetteer (annotating needs only the borders).
    code_field : str, optional
        The country-code column of ``borders_path`` (None: the first known one).
    pov : str, optional
        The point of view of the border data (None: its default).
    parent : int, optional
        The process id of the driver: a worker whose parent is no longer that process
        exits (set by the engines that start worker processes).
    """

    borders_path: str | None = None
    gazetteer_path: str | None = None
    cache_dir: str | None = None
    gazetteer: bool = True
    code_field: str | None = None
    pov: str | None = None
    parent: int | None = None

    @classmethod
    def of(
        cls,
        borders_path: str | os.PathLike[str] | None,
        gazetteer_path: str | os.PathLike[str] | None = None,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        gazetteer: bool = True,
        code_field: str | None = None,
        pov: str | None = None,
    ) -> WorkerConfig:
        """Return the config for these paths, as plain strings (they travel to the workers).

        Examples
        --------
        >>> from pathlib import Path
        >>> config = WorkerConfig.of(Path("b.gpkg"), cache_dir=Path("/tmp/c"), gazetteer=False)
        >>> config.borders_path, config.gazetteer_path, config.cache_dir
        ('b.gpkg', None, '/tmp/c')
        """
        return cls(
            borders_path=None if borders_path is None else os.fspath(borders_path),
            gazetteer_path=None if gazetteer_path is None else os.fspath(gazetteer_path),
            cache_dir=None if cache_dir is None else os.fspath(cache_dir),
            gazetteer=gazetteer,
            code_field=code_field,
            pov=pov,
        )


# The config of this worker process, set once by its initializer (or by the inline engine,
# whose worker is the driver itself). Tasks read it through worker_borders/worker_gazetteer.
_WORKER: dict[str, WorkerConfig] = {}


def _die_with_parent(parent: int) -> None:
    """Exit this worker process as soon as ``parent`` (its driver) is gone."""
    if os.getpid() == parent:
        return  # a worker thread of the driver itself (an in-process cluster)
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it died while this process started
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)  # orphaned: the driver was killed

    threading.Thread(target=watch, name="geomap-parent-watch", daemon=True).start()


def _init_worker(config: WorkerConfig) -> None:
    """Open the border index (and the gazetteer) once in this process, for all its tasks."""
    _WORKER["config"] = config
    if config.parent is not None:
        _die_with_parent(config.parent)
    borders = load_borders(
        config.borders_path,
        code_field=config.code_field,
        pov=config.pov,
        cache_dir=config.cache_dir,
    )  # kept per file
    borders.distance(0.0, 0.0)  # build the search index now, not in the first task
    if config.gazetteer:
        open_gazetteer(
            config.gazetteer_path, cache_dir=config.cache_dir, build=True, progress=False
        )  # kept per path


def _config() -> WorkerConfig:
    return _WORKER.get("config", WorkerConfig())


def worker_borders() -> Borders:
    """Return this worker's border dataset (opened by its initializer)."""
    config = _config()
    return load_borders(
        config.borders_path,
        code_field=config.code_field,
        pov=config.pov,
        cache_dir=config.cache_dir,
    )


def worker_gazetteer() -> Gazetteer:
    """Return this worker's gazetteer (opened, or built, by its initializer)."""
    config = _config()
    return open_gazetteer(config.gazetteer_path, cache_dir=config.cache_dir, build=False)


class Engine:
    """Runs tasks in this process, in order of submission; subclasses decide where.

    Attributes
    ----------
    name : str
        One of :data:`ENGINES`.
    workers : int
        How many tasks can run at once.
    """

    name = "local"
    workers = 1

    def __init__(self, config: WorkerConfig) -> None:
        _init_worker(config)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Start ``fn(*args)``; return a future (``.result()`` gives the value or raises)."""
        done: Future[Any] = Future()
        try:
            done.set_result(fn(*args))
        except BaseException as err:  # noqa: BLE001 - re-raised by .result()
            done.set_exception(err)
        return done

    def close(self) -> None:
        """Release the workers."""


class _ProcessEngine(Engine):
    def __init__(self, config: WorkerConfig, workers: int) -> None:  # noqa: D107
        import multiprocessing

        self.workers = workers
        # "spawn": a fresh interpreter per worker; nothing (SQLite handles, threads) is
        # inherited from the driver, and each worker opens its data once in the initializer.
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(replace(config, parent=os.getpid()),),
        )
        # Start every worker now, from this thread: they open their data while the driver
        # reads, and the kernel's parent-death signal follows this thread, which outlives
        # the engine (a worker started from a short-lived thread would die with it).
        for _ in range(workers):
            self._pool.submit(os.getpid)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Send ``fn(*args)`` to a worker process."""
        return self._pool.submit(fn, *args)

    def close(self) -> None:
        """Stop the worker processes (pending tasks are cancelled)."""
        self._pool.shutdown(wait=True, cancel_futures=True)


class _DaskEngine(Engine):
    name = "dask"

    def __init__(  # noqa: D107
        self, config: WorkerConfig, workers: int | None, scheduler: str | None
    ) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as err:
            raise ImportError(_DASK_HINT) from err
        self._cluster = None
        if scheduler:
            try:
                self._client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as err:
                raise ConfigurationError(
                    f"cannot reach the dask scheduler at {scheduler!r}: {err}; "
                    "check the address (e.g. tcp://host:8786) and that it is running"
                ) from err
        else:
            self._cluster = LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                host="127.0.0.1",  # a local cluster listens on loopback only
            )
            self._client = Client(self._cluster)
            config = replace(config, parent=os.getpid())  # its workers die with this process
        self._client.register_plugin(_plugin(config), name="geomap")
        self.workers = max(1, len(self._client.scheduler_info()["workers"]))

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Send ``fn(*args)`` to the cluster."""
        return self._client.submit(fn, *args, pure=False)

    def close(self) -> None:
        """Disconnect (and stop the LocalCluster if this engine started it)."""
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def _plugin(config: WorkerConfig) -> Any:
    """Return a dask worker plugin: each worker opens the border index and gazetteer once."""
    from distributed.diagnostics.plugin import WorkerPlugin

    class GeomapPlugin(WorkerPlugin):
        """Opens geomap's data sets when a worker starts (or joins later)."""

        def setup(self, worker: Any) -> None:  # noqa: ARG002 - dask's signature
            """Open the data sets on this worker."""
            _init_worker(config)

    return GeomapPlugin()


def start_engine(
    name: str, config: WorkerConfig, *, workers: int | None, scheduler: str | None
) -> Engine:
    """Start the engine ``name`` with workers that open the data sets of ``config``.

    Parameters
    ----------
    name : {"local", "dask"}
        ``local``: ``workers`` processes of this machine (1: this process); ``dask``: the
        cluster at ``scheduler``, else a LocalCluster of ``workers`` processes (loopback).
    config : WorkerConfig
        What each worker opens on start-up.
    workers : int, optional
        Default: all cores.
    scheduler : str, optional
        Address of an existing dask scheduler, e.g. ``tcp://10.0.0.5:8786``.

    Returns
    -------
    Engine
        Call its ``close()`` when done (in a ``finally``).

    Raises
    ------
    ConfigurationError
        For an unknown engine, fewer than one worker, a scheduler without the dask engine,
        or a scheduler that cannot be reached.
    ImportError
        If the dask engine is asked for and dask.distributed is not installed.
    """
    if name not in ENGINES:
        raise ConfigurationError(f"unknown engine {name!r}: choose one of {', '.join(ENGINES)}")
    if workers is not None and workers < 1:
        raise ConfigurationError(f"workers must be at least 1, not {workers}")
    if name == "dask":
        return _DaskEngine(config, workers, scheduler)
    if scheduler:
        raise ConfigurationError("--scheduler needs --engine dask")
    count = workers or os.cpu_count() or 1
    return Engine(config) if count == 1 else _ProcessEngine(config, count)


def run_ordered(engine: Engine, jobs: Iterator[Job]) -> Iterator[tuple[Any, Any]]:
    """Run ``(key, fn, args)`` jobs on ``engine``; yield ``(key, fn(*args))`` in job order.

    At most ``2 * engine.workers`` jobs are in flight, and ``jobs`` is consumed only as
    results come back, so the driver holds a few chunks at a time. A task's exception is
    raised here, when its turn comes.

    Examples
    --------
    >>> engine = start_engine("local", WorkerConfig(gazetteer=False), workers=1, scheduler=None)
    >>> list(run_ordered(engine, iter([("a", abs, (-1,)), ("b", abs, (-2,))])))
    [('a', 1), ('b', 2)]
    >>> engine.close()
    """
    pending: deque[tuple[Any, Any]] = deque()
    limit = 2 * engine.workers
    for key, fn, args in jobs:
        pending.append((key, engine.submit(fn, *args)))
        while len(pending) >= limit:
            head, future = pending.popleft()
            yield head, future.result()
    while pending:
        head, future = pending.popleft()
        yield head, future.result()


_CLAIM: Final = ".geomap-in-use"


@contextlib.contextmanager
def claim(folder: str | os.PathLike[str]) -> Iterator[None]:
    """Mark a temporary output folder as in use by this process while the block runs.

    The mark is a file locked with ``flock``: the kernel releases the lock when this
    process ends, however it ends, so :func:`sweep_leftovers` can tell a folder a killed
    run left from one another run is filling. The file is removed on exit.
    """
    mark = Path(folder) / _CLAIM
    try:
        import fcntl
    except ImportError:  # not POSIX: no claim, no sweep
        yield
        return
    handle = open(mark, "w")  # noqa: SIM115 - held for the whole block
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield
    finally:
        with contextlib.suppress(OSError):
            mark.unlink()
        handle.close()


def sweep_leftovers(target: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary folders killed runs left for ``target``; return them.

    Those are hidden siblings ``.<name>.*.tmp`` holding a :func:`claim` mark that no live
    process holds. Folders without the mark (another program's) are left alone.
    """
    try:
        import fcntl
    except ImportError:
        return []
    path = Path(target)
    removed = []
    with contextlib.suppress(OSError):
        for folder in path.parent.glob(f".{path.name}.*.tmp"):
            mark = folder / _CLAIM
            if not folder.is_dir() or not mark.is_file():
                continue
            try:
                with open(mark) as handle:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # held: a live run
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


T = TypeVar("T")
R = TypeVar("R")
_END: Final = object()


class _Stopped(Exception):  # noqa: N818 - a signal between threads, never seen outside
    """Tells a consumer thread that the producer stopped early."""


def _put(queue: Queue[Any], item: Any, alive: Callable[[], bool]) -> bool:
    """Put ``item``, waiting for room while ``alive()``; return False if it gave up."""
    while alive():
        try:
            queue.put(item, timeout=0.1)
            return True
        except Full:
            continue
    return False


def prefetch(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """Yield ``items`` as a background thread produces them, at most ``depth`` ahead.

    The thread's exception is raised here; stopping early stops the thread.

    Examples
    --------
    >>> list(prefetch(range(5)))
    [0, 1, 2, 3, 4]
    """
    queue: Queue[tuple[bool, Any]] = Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if not _put(queue, (True, item), lambda: not stop.is_set()):
                    return
            _put(queue, (True, _END), lambda: not stop.is_set())
        except BaseException as err:  # noqa: BLE001 - raised in the consuming thread
            _put(queue, (False, err), lambda: not stop.is_set())

    thread = threading.Thread(target=produce, name="geomap-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            ok, item = queue.get()
            if not ok:
                raise item
            if item is _END:
                return
            yield item
    finally:
        stop.set()
        thread.join()
        close = getattr(items, "close", None)
        if close is not None:
            close()


def consume_in_thread(
    consumer: Callable[[Iterator[T]], R], items: Iterable[T], depth: int = 1
) -> R:
    """Return ``consumer(iter(items))``, the consumer running in a background thread.

    This thread produces the items (at most ``depth`` ahead of the consumer) while the
    consumer, e.g. a file writer, works on earlier ones. An exception on either side stops
    both and is raised here.

    Examples
    --------
    >>> consume_in_thread(sum, (i * i for i in range(4)))
    14
    """
    queue: Queue[tuple[bool, Any]] = Queue(maxsize=depth)
    outcome: dict[str, Any] = {}

    def feed() -> Iterator[T]:
        while True:
            ok, item = queue.get()
            if not ok:
                raise item
            if item is _END:
                return
            yield item

    def run() -> None:
        try:
            outcome["value"] = consumer(feed())
        except BaseException as err:  # noqa: BLE001 - raised in the producing thread
            outcome["error"] = err

    thread = threading.Thread(target=run, name="geomap-writer", daemon=True)
    thread.start()
    try:
        for item in items:
            if not _put(queue, (True, item), lambda: "error" not in outcome):
                break
        else:
            _put(queue, (True, _END), lambda: "error" not in outcome)
    except BaseException:
        _put(queue, (False, _Stopped()), thread.is_alive)
        thread.join()  # the consumer stops at the next item it asks for
        raise
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
