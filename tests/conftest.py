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
