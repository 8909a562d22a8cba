from pathlib import Path

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
