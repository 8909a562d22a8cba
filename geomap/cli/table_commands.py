"""Commands on tables and corpora: ``annotate`` and ``batch``."""

from __future__ import annotations

import json
import sys

import click

from geomap.options import BATCH_FORMATS, MEASURES, RunOptions

from .app import (
    cache_dir,
    cli,
    column_types,
    engine_options,
    errors_as_messages,
    missing_extras_as_messages,
    plural,
    progress_option,
    report_options,
    run_options,
)

__all__ = ["annotate", "batch"]


@cli.command()
@click.argument("events", type=click.Path())
@click.option(
    "--out", type=click.Path(), help="Output file; its suffix picks the format (-: CSV to stdout)."
)
@click.option("--lat-col", help="Latitude column (default: latitude/lat/y, else the geometry).")
@click.option("--lon-col", help="Longitude column (default: longitude/lon/lng/long/x).")
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
@engine_options
@progress_option
@errors_as_messages
@missing_extras_as_messages
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
    from geomap.annotate import annotate_table

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
        cache_dir=cache_dir(),
        prefix=prefix,
        sep={"tab": "\t", "\\t": "\t"}.get(sep, sep) if sep else None,
        encoding=encoding,
        decimal=decimal,
        types=column_types(types),
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
@run_options("parquet,geojson,gpkg,html", list(BATCH_FORMATS))
@click.option("--docs-per-task", default=50, show_default=True, type=click.IntRange(min=1))
@click.option("--force", is_flag=True, help="Overwrite existing outputs.")
@engine_options
@progress_option
@report_options
@errors_as_messages
@missing_extras_as_messages
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
    quiet: bool,
    as_json: bool,
) -> None:
    """Geoparse a corpus: a folder of .txt files or a JSONL of {"id", "text", ...}.

    Writes, by --format, DIR/incidents/ (GeoParquet parts), DIR/incidents.geojson,
    DIR/incidents.gpkg, DIR/incidents.csv and DIR/map.html, with the options of `map`:
    the same text gives the same rows. Extra JSONL fields (date, url, ...) are carried into
    the outputs. A document that cannot be used is skipped and reported (also in
    DIR/skipped.jsonl); the exit status is then 2. Files of a folder that are not .txt are
    listed and not read. Prints the paths written on stdout and a summary line on stderr (as
    `geomap map`: --json prints one JSON object on stdout instead, --quiet drops the summary).

    Example: geomap batch news.jsonl --out year/ --engine dask --scheduler tcp://host:8786
    """
    from geomap.corpus import batch_geoparse

    if quiet and progress is None:
        progress = False
    summary = batch_geoparse(
        corpus,
        out_dir,
        options=options,
        engine=engine,
        scheduler=scheduler,
        workers=workers,
        docs_per_task=docs_per_task,
        cache_dir=cache_dir(),
        force=force,
        progress=progress,
    )
    done = summary.documents - sum(not i.endswith("/") for i, _ in summary.skipped)
    if as_json:
        record = {
            "input": corpus,
            "status": "mapped" if summary.rows else "empty",
            "outputs": [str(p) for p in summary.outputs],
            "documents": summary.documents,
            "geoparsed": done,
            "places": summary.rows,
            "skipped": [{"id": i, "reason": r} for i, r in summary.skipped],
            "not_read": [{"name": n, "reason": r} for n, r in summary.ignored],
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
            f"{plural(summary.rows, 'place')}, in {summary.seconds:.1f} s "
            f"({summary.docs_per_second:,.1f} docs/s on {summary.engine} x{summary.workers})",
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
