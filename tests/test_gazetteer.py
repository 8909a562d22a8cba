import json
import os
import re
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from geomap import gazetteer as gz
from geomap.errors import GazetteerError
from geomap.names import MatchKind, normalize_name

from .tiny import TINY_CITIES, tiny_build, tiny_sources


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Goris", "goris"),
        ("  GORIS ", "goris"),
        ("Xankəndi", "xankandi"),
        ("Çermik", "cermik"),
        ("Nagorno-Karabakh", "nagorno karabakh"),
        ("Nagorno–Karabakh", "nagorno karabakh"),
        ("St. Petersburg", "saint petersburg"),
        ("Ste. Marie", "sainte marie"),
        ("Main St", "main st"),
        ("Côte d’Ivoire", "cote divoire"),
        ("Syunik'", "syunik"),
        ("U.S.", "us"),
    ],
)
def test_normalize_name_folds_case_accents_dashes_dots(raw, key):
    assert normalize_name(raw) == key


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GEOMAP_CACHE_DIR", str(tmp_path))
    assert gz.default_gazetteer_path() == tmp_path / f"gazetteer-v{gz.SCHEMA_VERSION}.sqlite"


def test_built_gazetteer_has_version_counts_and_a_valid_checksum(gazetteer):
    meta = gazetteer.meta
    assert meta["schema_version"] == str(gz.SCHEMA_VERSION)
    assert 250_000 < int(meta["places"]) < 262_000  # cities500, countries, regions, counties
    assert int(meta["names"]) > 900_000
    assert meta["checksum"].startswith("sha256:")  # verified on a tiny build: see below


@pytest.mark.parametrize(
    ("name", "country", "geonameid"),
    [("Jermuk", "AM", 174884), ("Goris", "AM", 174895), ("Kapan", "AM", 174875),
     ("Yerevan", "AM", 616052), ("Baku", "AZ", 587084)],
)  # fmt: skip
def test_primary_name_is_the_first_candidate(gazetteer, name, country, geonameid):
    first = gazetteer.search(name)[0]
    assert (first.country_code, first.geonameid, first.kind) == (
        country,
        geonameid,
        MatchKind.PRIMARY,
    )


def test_noisy_alternates_are_candidates_but_ranked_after_the_primary_name(gazetteer):
    jermuk = gazetteer.search("Jermuk", limit=None)
    assert {c.country_code for c in jermuk} >= {"AM", "TR"}
    assert [c.kind for c in jermuk if c.country_code == "TR"] == [MatchKind.ALTERNATE]
    goris = gazetteer.search("goris", limit=None)
    assert "GE" in {c.country_code for c in goris}


@pytest.mark.parametrize(
    ("spelling", "geonameid"),
    [("Stepanakert", 146970), ("Khankendi", 146970), ("Xankəndi", 146970),
     ("Nakhichevan'", 147429), ("Naxçıvan", 147429), ("Kafan", 174875)],
)  # fmt: skip
def test_transliterations_reach_the_same_place(gazetteer, spelling, geonameid):
    assert geonameid in {c.geonameid for c in gazetteer.search(spelling, limit=None)}


def test_country_codes_filter(gazetteer):
    assert {c.country_code for c in gazetteer.search("Goris", country_codes=["ge"])} == {"GE"}


def test_countries_are_placed_inside_their_own_polygon(gazetteer, borders):
    for name, code in [("Armenia", "AM"), ("Russia", "RU"), ("France", "FR"), ("USA", "US"),
                       ("Turkish", "TR"), ("Azerbaijani", "AZ")]:  # fmt: skip
        country = next(c for c in gazetteer.search(name) if c.feature == "country")
        assert country.country_code == code
        assert borders.country_at(country.lon, country.lat)[0] == code  # (lon, lat) order


def test_word_lists_flag_ordinary_words_and_first_names(gazetteer):
    assert "police" in gazetteer.words("common")
    assert "charles" in gazetteer.words("first")
    assert "in" not in gazetteer.words("first")
    assert "goris" not in gazetteer.words("common")


def test_build_is_atomic_and_drops_codes(monkeypatch, tmp_path):
    path = tiny_build(monkeypatch, tmp_path / "g.sqlite")
    # no temp file left; the lock file stays (removing it would race with a waiting builder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.sqlite", "g.sqlite.lock"]
    gaz = gz.Gazetteer(path)
    assert gaz.meta["places"] == "2" or int(gaz.meta["places"]) > 2  # towns, then the rest
    assert gaz.search("GRS") == []  # a code, not a name
    assert [c.country_code for c in gaz.search("Goris", limit=None)] == ["AM", "GE"]
    assert gaz.verify()


def test_failed_build_leaves_nothing(monkeypatch, tmp_path):
    def broken(_keys):
        raise OSError("disk full")

    tiny_sources(monkeypatch)
    monkeypatch.setattr(gz.sources, "word_lists", broken)
    with pytest.raises(GazetteerError, match="g.sqlite"):
        gz.build_gazetteer(tmp_path / "g.sqlite", progress=False)
    assert [p.name for p in tmp_path.iterdir()] == ["g.sqlite.lock"]


def test_tampered_content_fails_verification(monkeypatch, tmp_path):
    path = tiny_build(monkeypatch, tmp_path / "g.sqlite")
    con = sqlite3.connect(path)
    con.execute("UPDATE places SET lat = 0 WHERE geonameid = 174895")
    con.commit()
    con.close()
    assert not gz.Gazetteer(path).verify()


def test_corrupt_or_stale_cache_is_reported_or_rebuilt(monkeypatch, tmp_path):
    bad = tmp_path / "g.sqlite"
    bad.write_bytes(b"not a database at all" * 100)
    with pytest.raises(GazetteerError, match="g.sqlite.*rebuild"):
        gz.open_gazetteer(bad, build=False)
    tiny_sources(monkeypatch)
    rebuilt = gz.open_gazetteer(bad, progress=False)
    assert rebuilt.search("Goris")[0].geonameid == 174895

    old = tmp_path / "old.sqlite"
    gz.build_gazetteer(old, progress=False)
    con = sqlite3.connect(old)
    con.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    with pytest.raises(GazetteerError, match="schema '0'"):
        gz.Gazetteer(old)


def test_missing_cache_without_build_says_how_to_build(tmp_path):
    with pytest.raises(GazetteerError, match="geomap gazetteer build"):
        gz.open_gazetteer(tmp_path / "none.sqlite", build=False)
    with pytest.raises(GazetteerError, match="directory"):
        gz.open_gazetteer(tmp_path, build=False)


def test_cache_from_another_recipe_is_stale(monkeypatch, tmp_path):
    path = tiny_build(monkeypatch, tmp_path / "g.sqlite")
    assert gz.Gazetteer(path).meta["recipe"] == gz.build_recipe()
    monkeypatch.setattr(gz, "BUILD_REVISION", gz.BUILD_REVISION + 1)
    with pytest.raises(GazetteerError, match="another recipe"):
        gz.open_gazetteer(path, build=False)
    rebuilt = gz.open_gazetteer(path, progress=False)
    assert rebuilt.meta["recipe"] == gz.build_recipe()
    gz._OPEN.pop(path)


def test_truncated_cache_is_detected_and_rebuilt(monkeypatch, tmp_path):
    path = tiny_build(monkeypatch, tmp_path / "g.sqlite")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # a copy cut short
    with pytest.raises(GazetteerError, match="truncated.*rebuild"):
        gz.open_gazetteer(path, build=False)
    rebuilt = gz.open_gazetteer(path, progress=False)
    assert rebuilt.search("Goris")[0].geonameid == 174895 and rebuilt.verify()
    assert path.stat().st_size == len(data)
    gz._OPEN.pop(path).close()


def test_bit_rot_fails_verification(monkeypatch, tmp_path):
    path = tiny_build(monkeypatch, tmp_path / "g.sqlite")
    data = path.read_bytes()
    assert data.count(b"Goris") >= 1
    path.write_bytes(data.replace(b"Goris", b"Gorix", 1))  # the file still looks whole
    gaz = gz.Gazetteer(path)
    assert not gaz.verify()  # only the checksum catches it
    gaz.close()


def test_damaged_pages_are_an_error_not_a_traceback(monkeypatch, tmp_path):
    path = tiny_build(monkeypatch, tmp_path / "g.sqlite")
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for start in range(page, len(data), page):  # every page but the first (schema, meta)
        data[start : start + page] = b"\xff" * page
    path.write_bytes(bytes(data))
    with pytest.raises(GazetteerError, match="g.sqlite.*rebuild"):
        gaz = gz.Gazetteer(path)
        gaz.search("Goris")


def test_read_only_cache_dir_is_a_clear_error(monkeypatch, tmp_path):
    locked = tmp_path / "ro"
    locked.mkdir()
    real_open = os.open

    def refuse(path, *args, **kwargs):  # chmod does not stop root, so refuse by hand
        if str(path).startswith(str(locked)):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(gz.os, "open", refuse)
    tiny_sources(monkeypatch)
    with pytest.raises(GazetteerError, match=r"'.*ro'.*Permission denied.*GEOMAP_CACHE_DIR"):
        gz.open_gazetteer(locked / "g.sqlite", progress=False)
    assert list(locked.iterdir()) == []


def test_read_only_cache_dir_with_a_built_cache_still_opens(monkeypatch, tmp_path):
    path = tiny_build(monkeypatch, tmp_path / "g.sqlite")
    (tmp_path / "g.sqlite.lock").unlink()
    mode = tmp_path.stat().st_mode
    tmp_path.chmod(0o555)
    try:
        gaz = gz.open_gazetteer(path, build=True)  # valid: no build, no lock file needed
        assert gaz.search("Goris")[0].geonameid == 174895
        gz._OPEN.pop(path).close()
    finally:
        tmp_path.chmod(mode)


_BUILDER = textwrap.dedent(
    """
    import json, sys, time
    from geomap import gazetteer as gz

    path, cities, log = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]

    def slow_cities():  # widen the window in which two builds would overlap
        time.sleep(1.5)
        return cities

    gz.sources.load_cities = slow_cities
    gz.sources.county_rows = lambda _cities, _town_keys=None: iter(())
    gz.sources.word_lists = lambda _keys: {"common": set(), "first": set()}
    build = gz._build

    def counted(*args, **kwargs):
        with open(log, "a") as fh:
            fh.write("build\\n")
        return build(*args, **kwargs)

    gz._build = counted
    gaz = gz.open_gazetteer(path, progress=False)
    print(gaz.search("Goris")[0].geonameid, gaz.verify())
    """
)


def test_two_processes_building_at_once_build_once_and_both_open_it(tmp_path):
    path, log = tmp_path / "g.sqlite", tmp_path / "builds.log"
    args = [sys.executable, "-c", _BUILDER, str(path), json.dumps(TINY_CITIES), str(log)]
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]  # fmt: skip
    results = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        assert out.split() == ["174895", "True"]
    assert log.read_text().splitlines() == ["build"]  # the second waited, then opened it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["builds.log", "g.sqlite",
                                                          "g.sqlite.lock"]  # fmt: skip


def test_region_middle_spans_the_shortest_way_round():
    from geomap.gazetteer_sources import _middle

    # Chukotka-like: towns on both sides of the antimeridian
    lat, lon = _middle([(64.7, 177.5, 0), (66.0, -169.8, 0), (69.7, 170.3, 0)])
    assert 65 < lat < 69 and (lon > 170 or lon < -175)
    # Ontario-like: the middle of the extent, not of where towns are dense
    pts = [(42.0 + i * 0.01, -80.0, 0) for i in range(100)] + [(56.0, -88.0, 0)]
    assert _middle(pts) == (49.0, -84.0)


def test_repeated_lookups_are_answered_the_same_from_memory(gazetteer):
    keys = ["goris", "kapan", "no such place xyz"]
    first = gazetteer.lookup(keys)
    first["goris"].clear()  # the caller's list is its own
    again = gazetteer.lookup(keys)
    assert set(again) == {"goris", "kapan"} and again["goris"][0].country_code == "AM"
    assert gazetteer.known(keys) == gazetteer.known(keys) == {"goris", "kapan"}


# -- verify checks the whole file (issue 11 item 8) ------------------------------------------


def _flip_in_index(path, index="names_key", key=b"goris"):
    """Change one byte of ``key`` inside the pages of ``index`` only (the table is intact)."""
    con = sqlite3.connect(path)
    try:
        pages = [p for (p,) in con.execute("SELECT pageno FROM dbstat WHERE name = ?", (index,))]
        size = con.execute("PRAGMA page_size").fetchone()[0]
    finally:
        con.close()
    data = bytearray(path.read_bytes())
    flipped = 0
    for page in pages:
        at = data.find(key, (page - 1) * size, page * size)
        if at >= 0:
            data[at + len(key) - 1] ^= 0x01  # "goris" -> "gorir"
            flipped += 1
    assert flipped, f"{key!r} not found in the pages of {index}"
    path.write_bytes(bytes(data))


def test_a_damaged_name_index_fails_verification(monkeypatch, tmp_path):
    path = tiny_build(monkeypatch, tmp_path / "g.sqlite")
    _flip_in_index(path)
    gaz = gz.Gazetteer(path)
    assert [c.geonameid for c in gaz.search("Gori", limit=None)]  # still opens and answers
    assert not gaz.verify()  # the checksum alone (a table scan) sees nothing wrong
    (problem,) = gaz.problems()
    assert problem.startswith("SQLite integrity check failed") and "names_key" in problem
    gaz.close()


def test_random_bytes_in_the_middle_fail_verification(monkeypatch, tmp_path):
    import random

    path = tiny_build(monkeypatch, tmp_path / "g.sqlite")
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 16_384] = random.Random(11).randbytes(16_384)
    path.write_bytes(bytes(data))
    gaz = gz.Gazetteer(path)
    problems = gaz.problems()
    assert problems and not gaz.verify()
    assert any("integrity" in p or "cannot be read" in p for p in problems)
    gaz.close()


def test_gazetteer_info_verify_reports_damage_in_one_line(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from geomap.cli import cli

    path = tiny_build(monkeypatch, gz.default_gazetteer_path(tmp_path))
    _flip_in_index(path)
    result = CliRunner().invoke(
        cli, ["--cache-dir", str(tmp_path), "gazetteer", "info", "--verify"]
    )
    assert result.exit_code == 1
    assert "verified: DAMAGED" in result.output and "verified: ok" not in result.output
    (error,) = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert "is damaged: SQLite integrity check failed" in error
    assert error.endswith("rebuild it with `geomap gazetteer build`")


def test_build_progress_moves_through_every_phase_to_the_end(monkeypatch, tmp_path):
    from geomap import gazetteer_build as build

    assert sum(weight for _, weight in build.BUILD_PHASES) == 100
    started, finished = [], []
    monkeypatch.setattr(build.Progress, "start", lambda _self, phase: started.append(phase))
    original = build.Progress.done

    def done(self, phase):
        finished.append(phase)
        original(self, phase)

    monkeypatch.setattr(build.Progress, "done", done)
    tiny_build(monkeypatch, tmp_path / "g.sqlite")
    phases = [name for name, _ in build.BUILD_PHASES]
    assert started == phases and finished == phases  # every phase, in order, each once


def test_build_progress_bar_reads_phase_colon_percent(capsys):
    from geomap import gazetteer_build as build

    bar = build.Progress(True)
    for phase, _ in build.BUILD_PHASES:
        bar.start(phase)
        bar.done(phase)
    bar.close()
    frames = [f.strip() for f in re.split(r"[\r\n]", capsys.readouterr().err) if f.strip()]
    for phase, _ in build.BUILD_PHASES:
        assert any(f.startswith(f"building gazetteer: {phase}: ") for f in frames), phase
    assert not any(": :" in f for f in frames)
    assert frames[-1].startswith("building gazetteer: 100%")


def test_batch_normalisation_is_the_one_normalisation():
    from geomap.names import normalize_names

    names = ["St. Petersburg", " Xankəndi ", "Main St", "Côte d’Ivoire", "U.S.", "São  Paulo",
             "Nagorno–Karabakh", "Ste. Marie", "Москва", "Ærø", ""]  # fmt: skip
    assert normalize_names(names) == [normalize_name(n) for n in names]
    # ASCII and other names are folded apart and put back in order; odd white space, short
    # forms at a line's ends, a name holding a newline (then each is normalised alone)
    odd = ["Mt.\tKenya", "st", " St  Louis ", "Fort\x0bWorth", "Ste.\u00a0Anne", "São\x1fTomé",
           "Mt Ste", "", "Zürich", "ZÜRICH", "New\nYork"]  # fmt: skip
    assert normalize_names(odd) == [normalize_name(n) for n in odd]
    assert normalize_names(odd[:-1]) == [normalize_name(n) for n in odd[:-1]]
