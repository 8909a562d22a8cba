"""Regenerate ``docs/sample_map.png``: the ``--offline`` map of the bundled sample.

Runs the main job (``geomap.map_files(..., formats=["html"], offline=True)``) on
``data/samples/syunik_shelling.txt`` into a temporary directory, opens the page in
Debian's headless Chromium (Playwright, ``/usr/bin/chromium``; every request that is not
``file:`` or ``data:`` is blocked), optionally opens the popup of one incident (as a click
on its marker does, without moving the map), and saves a 1200x720 screenshot of the page
(header, map with its labels, legend and incident list), reduced to a 256-colour PNG so
that it stays small.

Usage::

    python docs/make_screenshot.py [--out docs/sample_map.png] [--place Goris]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # this checkout's geomap, not an installed one
from geomap import map_files  # noqa: E402
from geomap.snapshot import LOCAL_SCHEMES, chromium  # noqa: E402

SAMPLE = Path("data") / "samples" / "syunik_shelling.txt"  # relative: the popup's source
OPEN_POPUP = """(name) => {
    const f = geomap.state.incidents.find(f => f.properties.name === name);
    if (!f) return false;
    const popup = f._group.getPopup();
    if (popup) popup.options.autoPan = false;  // the initial view, as it opens
    f._marker.fire('click', {latlng: f._marker.getLatLng()}, true);
    return true;
}"""


def main() -> None:
    """Write the screenshot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "sample_map.png")
    parser.add_argument("--place", default="", help="incident whose popup is shown (none)")
    parser.add_argument("--size", type=int, nargs=2, default=(1200, 720), metavar=("W", "H"))
    args = parser.parse_args()
    args.out = args.out.resolve()
    os.chdir(REPO)
    with tempfile.TemporaryDirectory() as tmp:
        (page_path,) = map_files([SAMPLE], tmp, formats=["html"], offline=True)
        with chromium() as browser:  # Debian's chromium, geomap's launch settings
            page = browser.new_page(viewport={"width": args.size[0], "height": args.size[1]})
            page.route(
                "**/*",
                lambda r: r.continue_() if r.request.url.startswith(LOCAL_SCHEMES) else r.abort(),
            )
            page.goto(page_path.as_uri())
            page.wait_for_selector(".geomap-place-label")
            if args.place and page.evaluate(OPEN_POPUP, args.place):
                page.wait_for_selector(".leaflet-popup-content")
            page.wait_for_timeout(1000)  # labels placed after the last move
            png = page.screenshot()
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    image.save(args.out, optimize=True)
    print(f"{args.out} ({args.out.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
