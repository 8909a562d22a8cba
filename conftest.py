"""Test-wide setup: geomap's cache goes to a directory of its own, never the user's."""

import os
from pathlib import Path

os.environ["GEOMAP_CACHE_DIR"] = str(Path(__file__).parent / ".pytest_cache" / "geomap-cache")
