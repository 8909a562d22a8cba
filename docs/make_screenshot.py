"""Regenerate ``docs/sample_map.png``: the ``--offline`` map of the bundled sample.

Runs the main job (``geomap.map_files(..., formats=["html"], offline=True)``) on
``data/samples/syunik_shelling.txt`` into a temporary directory, opens the page in
Debian's headless Chromium (Playwright, ``/usr/bin/chromium``; every request that is not
``file:`` or ``data:`` is blocked), opens the popup of one incident and saves a
1000x640 screenshot, reduced to a 256-colour PNG so that it stays small.

Usage::

    python docs/make_screenshot.py [--out docs/sample_map.png] [--place Goris]
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
from pathlib import Path

from PIL import Image

from geomap import map_files
from geomap.snapshot import LOCAL_SCHEMES, chromium

REPO = Path(__file__).resolve().parents[1]

SAMPLE = Path("data") / "samples" / "syunik_shelling.txt"  # relative: the popup's source
OPEN_POPUP = """(name) => {
    for (const key of Object.keys(window).filter(k => k.startsWith('incident_layer_'))) {
        let found = null;
        window[key].eachLayer(l => { if (l.feature.properties.name === name) found = l; });
        if (found) { found.fire('click', {latlng: found.getLatLng()}, true); return true; }
    }
    return false;
}"""


def main() -> None:
    """Write the screenshot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "sample_map.png")
    parser.add_argument("--place", default="Goris", help="incident whose popup is shown")
    args = parser.parse_args()
    args.out = args.out.resolve()
    os.chdir(REPO)
    with tempfile.TemporaryDirectory() as tmp:
        (page_path,) = map_files([SAMPLE], tmp, formats=["html"], offline=True)
        with chromium() as browser:  # Debian's chromium, geomap's launch settings
            page = browser.new_page(viewport={"width": 1000, "height": 640})
            page.route(
                "**/*",
                lambda r: r.continue_() if r.request.url.startswith(LOCAL_SCHEMES) else r.abort(),
            )
            page.goto(page_path.as_uri())
            page.wait_for_selector(".geomap-marker")
            if page.evaluate(OPEN_POPUP, args.place):
                page.wait_for_selector(".leaflet-popup-content")
            page.wait_for_timeout(1000)  # the popup's auto-pan
            png = page.screenshot()
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    image.save(args.out, optimize=True)
    print(f"{args.out} ({args.out.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
