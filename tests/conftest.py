from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geomap.borders import load_borders
from geomap.gazetteer import open_gazetteer

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "samples" / "syunik_shelling.txt"


@pytest.fixture(scope="session")
def gazetteer():
    return open_gazetteer(progress=False)


@pytest.fixture(scope="session")
def borders():
    return load_borders()


@pytest.fixture(scope="session")
def sample_text():
    return SAMPLE.read_text("utf-8")


@pytest.fixture(scope="session")
def dask_scheduler():
    """A small in-process dask cluster (2 thread workers); yields its scheduler address."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        dashboard_address=None,
        protocol="tcp",
        host="127.0.0.1",  # loopback: the tests run with other sockets blocked
    ) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium (Playwright), launched once per test process.

    Each test opens its pages with ``browser.new_page``, which gives every page a context
    of its own (no cookies, storage or cache shared between tests).
    """
    from playwright.sync_api import sync_playwright

    from .common import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def sample_page_file(borders, tmp_path_factory) -> Path:
    """The offline sample page (tests/common.py `page_incidents`, the sample borders, the
    countries of the default border data), written once; tests open it, never change it."""
    from geomap import render

    from .common import page_incidents, sample_borders

    path = tmp_path_factory.mktemp("page") / "offline.html"
    m = render.incident_map(
        page_incidents(),
        border_lines=sample_borders(),
        countries=borders.countries,
        offline=True,
    )
    render.save_map(m, path)
    return path


@pytest.fixture
def own_loaded_borders(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give this test an empty table of the borders loaded in this process.

    Its ``clear_loaded()`` and ``load_borders()`` then work on that table alone, as in a
    fresh process, and the borders the other tests loaded are there again afterwards: their
    indexes (coast pieces, grids), built lazily, are not built a second time.
    """
    import geomap.borders.dataset

    monkeypatch.setattr(geomap.borders.dataset, "_LOADED", {})
