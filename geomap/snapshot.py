"""Static pictures of map pages: a page opened in headless Chromium, saved as a PNG.

geomap never downloads a browser: it drives the Chromium the system has (Debian's
``chromium`` at :data:`CHROMIUM`) through Playwright's Python package, with the launch
settings below. The browser tests, ``bench/`` and ``docs/make_screenshot.py`` use the same
settings, from here. Every request that is not ``file:``, ``data:`` or ``blob:`` is blocked,
so a snapshot never touches the network (render the page with ``offline=True`` so that it
has a basemap all the same).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

from .errors import DependencyError, OutputError
from .io import atomic_write

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "INSTALL_HINT",
    "BUTTONS_CSS",
    "LOCAL_SCHEMES",
    "chromium",
    "find_chromium",
    "snapshot",
]

#: Debian's Chromium, the browser geomap drives (never one that Playwright downloads).
CHROMIUM: Final = "/usr/bin/chromium"
#: Headless launch flags: no sandbox (containers, root), no GPU, no background connections.
CHROMIUM_ARGS: Final = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
#: What to install when the browser or its driver is missing.
INSTALL_HINT: Final = (
    "pip install playwright (its Python package only: geomap never downloads a browser) "
    "and apt-get install chromium (Debian/Ubuntu)"
)
#: URL schemes a page may load; every other request is blocked.
LOCAL_SCHEMES: Final = ("file:", "data:", "blob:")

#: Hidden in a picture: Leaflet's buttons and layer switcher (legend and scale bar stay).
BUTTONS_CSS: Final = (
    ".leaflet-control-zoom, .leaflet-control-layers, .leaflet-bar { display: none !important; }"
)

# Resolves when the page has drawn: geomap.ready if the page offers it, then until the
# map's panes stop changing (markers, clusters and labels are added in chunks).
_SETTLED = """async () => {
    if (window.geomap && window.geomap.ready) { await window.geomap.ready; }
    const frame = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 100)));
    let last = -1, same = 0;
    for (let i = 0; i < 100 && same < 3; i++) {
        await frame();
        const n = document.querySelectorAll('.leaflet-container *').length;
        same = n === last ? same + 1 : 0;
        last = n;
    }
    return last;
}"""


def find_chromium(executable: str | os.PathLike[str] | None = None) -> Path:
    """Return the Chromium executable to drive, checking that it exists.

    Parameters
    ----------
    executable : path-like, optional
        A Chromium (or Chrome) binary; default :data:`CHROMIUM`, else ``chromium`` on the
        ``PATH``.

    Raises
    ------
    DependencyError
        If there is no such browser; the message says what to install.

    Examples
    --------
    >>> find_chromium("/nonexistent/chromium")
    Traceback (most recent call last):
    ...
    geomap.errors.DependencyError: no Chromium at /nonexistent/chromium: ...
    """
    if executable is not None:
        candidates = [Path(executable)]
    else:
        found = shutil.which("chromium")
        candidates = [Path(CHROMIUM), *([Path(found)] if found else [])]
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    raise DependencyError(
        f"no Chromium at {candidates[0]}: a PNG snapshot needs a headless browser; {INSTALL_HINT}"
    )


def _sync_playwright() -> Any:
    """Import Playwright's sync API, or say what to install."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        raise DependencyError(
            f"a PNG snapshot needs Playwright's Python package, which is missing: {INSTALL_HINT}"
        ) from err
    return sync_playwright


@contextlib.contextmanager
def chromium(executable: str | os.PathLike[str] | None = None) -> Iterator[Any]:
    """Launch headless Chromium with geomap's settings; yield Playwright's ``Browser``.

    Parameters
    ----------
    executable : path-like, optional
        The browser binary (see :func:`find_chromium`).

    Raises
    ------
    DependencyError
        If Playwright or Chromium is missing, or Chromium does not start.
    """
    path = find_chromium(executable)
    sync_playwright = _sync_playwright()
    from playwright.sync_api import Error as PlaywrightError

    try:
        manager = sync_playwright().start()
    except PlaywrightError as err:  # e.g. called inside a running asyncio loop
        raise DependencyError(f"cannot start Playwright: {err}") from err
    try:
        try:
            browser = manager.chromium.launch(executable_path=str(path), args=list(CHROMIUM_ARGS))
        except PlaywrightError as err:
            raise DependencyError(
                f"Chromium at {path} did not start ({str(err).splitlines()[0]}); "
                f"check the installation: {INSTALL_HINT}"
            ) from err
        try:
            yield browser
        finally:
            browser.close()
    finally:
        manager.stop()


def _only_local(route: Any) -> None:
    """Let ``file:``, ``data:`` and ``blob:`` requests through; abort every other one."""
    if route.request.url.startswith(LOCAL_SCHEMES):
        route.continue_()
    else:
        route.abort()


def snapshot(
    page_path: str | os.PathLike[str],
    png_path: str | os.PathLike[str],
    *,
    force: bool = False,
    width: int = 1200,
    height: int = 800,
    scale: float = 1.0,
    buttons: bool = False,
    executable: str | os.PathLike[str] | None = None,
    timeout_s: float = 120.0,
) -> Path:
    """Open an HTML map page in headless Chromium and save what it shows as a PNG, atomically.

    The page is opened as a ``file:`` URL with every other request blocked, and pictured
    once the map has drawn (``window.geomap.ready`` if the page offers one, then until the
    map's elements stop changing).

    Parameters
    ----------
    page_path : path-like
        The HTML page (e.g. written by `geomap.render.save_map` with ``offline=True``).
    png_path : path-like
        The PNG to write.
    force : bool, default False
        Overwrite ``png_path`` if it exists.
    width, height : int
        Viewport in CSS pixels.
    scale : float, default 1.0
        Device pixels per CSS pixel (2 for a sharper print).
    buttons : bool, default False
        Keep Leaflet's zoom and other buttons and the layer switcher in the picture
        (:data:`BUTTONS_CSS` hides them; the legend and the scale bar always stay).
    executable : path-like, optional
        The browser binary (see :func:`find_chromium`).
    timeout_s : float
        Longest wait for the page to load and draw.

    Returns
    -------
    Path
        The written PNG.

    Raises
    ------
    DependencyError
        If Playwright or Chromium is missing; the message names what to install.
    OutputError
        If the page cannot be opened or drawn, or the PNG cannot be written (or exists
        without ``force``).
    """
    page_file = Path(page_path).resolve()
    if not page_file.is_file():
        raise OutputError(f"cannot picture '{page_path}': no such page")
    target = Path(png_path)
    if target.exists() and not force:
        raise OutputError(f"{target} exists: pass --force to overwrite")
    with chromium(executable) as browser:
        from playwright.sync_api import Error as PlaywrightError

        try:
            page = browser.new_page(
                viewport={"width": width, "height": height}, device_scale_factor=scale
            )
            page.set_default_timeout(timeout_s * 1000)
            page.route("**/*", _only_local)
            page.goto(page_file.as_uri(), wait_until="load")
            page.wait_for_function("document.querySelector('.leaflet-container') !== null")
            if not buttons:
                page.add_style_tag(content=BUTTONS_CSS)
            page.evaluate(_SETTLED)
            png = page.screenshot(type="png")
        except PlaywrightError as err:
            raise OutputError(
                f"cannot picture '{page_path}' in Chromium: {str(err).splitlines()[0]}"
            ) from err
    with atomic_write(target, force=force) as tmp:
        try:
            tmp.write_bytes(png)
        except OSError as err:
            raise OutputError(f"cannot write {target}: {err.strerror or err}") from err
    return target
