"""PNG snapshots of the map (geomap.snapshot): real headless Chromium; clear errors without it."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image, ImageStat

from geomap import snapshot
from geomap.cli import cli
from geomap.errors import DependencyError
from geomap.job import map_files

from .conftest import SAMPLE

needs_chromium = pytest.mark.skipif(
    not Path(snapshot.CHROMIUM).exists(), reason="needs Debian's chromium at /usr/bin/chromium"
)


def _colors(png: Path) -> set[tuple[int, int, int]]:
    image = Image.open(io.BytesIO(png.read_bytes())).convert("RGB")
    return {rgb for _, rgb in image.getcolors(maxcolors=1 << 20) or []}


def _hex(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


@needs_chromium
@pytest.mark.usefixtures("gazetteer")
def test_png_of_the_sample_is_a_drawn_map(tmp_path):
    from geomap.render import CUE_CLASSES, LAND_COLOR, NEAREST_BORDER_COLOR

    (png,) = map_files([SAMPLE], tmp_path, formats=["png"])
    assert png == tmp_path / "syunik_shelling.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(png)
    assert image.size == (1200, 800)
    # Not blank: the pixels vary, and the map's own colours are there: the offline
    # basemap's land, the nearest border in orange, a shelling marker in its class colour.
    assert ImageStat.Stat(image.convert("L")).stddev[0] > 10
    colors = _colors(png)
    assert len(colors) > 50
    for color in (LAND_COLOR, NEAREST_BORDER_COLOR, CUE_CLASSES["shelling"][1]):
        assert _hex(color) in colors, color
    assert sorted(p.name for p in tmp_path.iterdir()) == ["syunik_shelling.png"]  # no temp files


@needs_chromium
@pytest.mark.usefixtures("gazetteer")
def test_png_needs_force_to_replace_and_the_cli_writes_it(tmp_path):
    args = ["map", str(SAMPLE), "--out", str(tmp_path), "--format", "png,geojson", "-q"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert first.stdout.split() == [
        str(tmp_path / "syunik_shelling.png"),
        str(tmp_path / "syunik_shelling.geojson"),
    ]
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 1 and "--force" in again.output


def test_missing_chromium_is_a_clear_error_before_any_output(tmp_path, monkeypatch):
    monkeypatch.setattr(snapshot, "CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.setenv("PATH", str(tmp_path))  # and none on the PATH
    with pytest.raises(DependencyError, match="apt-get install chromium") as info:
        map_files([SAMPLE], tmp_path / "out", formats=["html", "png"])
    assert "pip install playwright" in str(info.value)
    assert str(tmp_path / "no-chromium") in str(info.value)
    assert not (tmp_path / "out").exists()  # nothing written, not even the html
    result = CliRunner().invoke(
        cli, ["map", str(SAMPLE), "--out", str(tmp_path / "o"), "--format", "png"]
    )
    assert result.exit_code == 1
    assert (
        result.output.startswith("Error: no Chromium at")
        and "apt-get install chromium" in result.output
    )


def test_missing_playwright_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)  # import fails
    page = tmp_path / "page.html"
    page.write_text("<html></html>", encoding="utf-8")
    # any executable file passes the browser check; the missing package is reported
    with pytest.raises(DependencyError, match="pip install playwright"):
        snapshot.snapshot(page, tmp_path / "a.png", executable=sys.executable)
    assert not (tmp_path / "a.png").exists()


def test_find_chromium_takes_an_explicit_browser(tmp_path):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n", encoding="utf-8")
    with pytest.raises(DependencyError, match="no Chromium at"):
        snapshot.find_chromium(fake)  # not executable
    fake.chmod(0o755)
    assert snapshot.find_chromium(fake) == fake


def test_launch_settings_are_shared_with_the_tests():
    from .common import CHROMIUM, CHROMIUM_ARGS

    assert CHROMIUM == snapshot.CHROMIUM
    assert list(snapshot.CHROMIUM_ARGS) == CHROMIUM_ARGS
    assert "--disable-background-networking" in CHROMIUM_ARGS  # no calls home
