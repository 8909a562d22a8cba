"""Input shared by every stage.

Reading texts and JSON lines, the cache directory, and when to show a progress bar. Writing
outputs safely is `geomap.writing`; its names are re-exported here.

Nothing here knows about places or geometry.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geomap.errors import ConfigurationError, InputError
from geomap.writing import (
    atomic_dir,
    atomic_write,
    check_target,
    gdal_path,
    output_dir,
    remove_stale_temporaries,
    safe_file_name,
)

__all__ = [
    "CACHE_ENV",
    "check_encoding",
    "format_size",
    "MAX_BYTES",
    "JsonLine",
    "atomic_dir",
    "atomic_write",
    "cache_dir",
    "check_target",
    "gdal_path",
    "output_dir",
    "progress_disabled",
    "read_jsonl",
    "read_stream",
    "ticking",
    "read_text",
    "remove_stale_temporaries",
    "safe_file_name",
]

#: The environment variable that names the cache directory when no argument does.
CACHE_ENV = "GEOMAP_CACHE_DIR"


def cache_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """Return geomap's cache directory.

    That is ``path`` if given, else ``$GEOMAP_CACHE_DIR``, else the user's cache directory
    (``platformdirs``).

    This is the one place the environment variable is read; everything that builds cached
    data (the gazetteer, derived borders) takes the directory as an argument and asks here
    only when it was given none.

    Examples
    --------
    >>> cache_dir("/tmp/geomap-cache").as_posix()
    '/tmp/geomap-cache'
    """
    if path is not None:
        return Path(path).expanduser()
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("geomap"))


def progress_disabled(progress: bool | None) -> bool | None:
    """Translate geomap's ``progress`` option into tqdm's ``disable``.

    ``None`` (the default everywhere) shows a bar only on a terminal, so the CLI stays quiet
    when piped; ``True``/``False`` force it on or off.

    Examples
    --------
    >>> progress_disabled(None) is None, progress_disabled(True), progress_disabled(False)
    (True, False, True)
    """
    return None if progress is None else not progress


@contextlib.contextmanager
def ticking(bar: Any, every: float = 1.0) -> Iterator[Any]:
    """Redraw a tqdm ``bar`` every ``every`` seconds while the block runs; yield the bar.

    A bar only redraws when it moves, so a long single step (reading a big file, building
    an index) would freeze its clock and look like a hang. A background thread redraws it
    meanwhile (nothing when the bar is disabled). A call that holds the GIL (``json.load``)
    still pauses the redraws; the bar names the phase all the same.

    Examples
    --------
    >>> import io
    >>> from tqdm import tqdm
    >>> shown = io.StringIO()
    >>> with ticking(tqdm(total=1, file=shown)) as bar:
    ...     _ = bar.update()
    >>> bar.close()
    >>> "100%" in shown.getvalue()
    True
    """
    if getattr(bar, "disable", True):
        yield bar
        return
    stop = threading.Event()

    def redraw() -> None:
        while not stop.wait(every):
            bar.refresh()

    thread = threading.Thread(target=redraw, name="geomap-progress", daemon=True)
    thread.start()
    try:
        yield bar
    finally:
        stop.set()
        thread.join()


#: Default largest input ``read_text`` accepts, in bytes (50 MB, some 10,000 news articles).
MAX_BYTES = 50_000_000


def read_text(
    path: str | os.PathLike[str],
    *,
    encoding: str = "utf-8",
    max_bytes: int | None = MAX_BYTES,
) -> str:
    """Read an input text file, checking that it is usable text.

    The text is returned as decoded: line ends (CRLF too) are kept, so every offset
    geomap reports is an offset into the file's text exactly as read. A UTF-8 byte order
    mark is dropped (with ``encoding="utf-8"`` or ``"utf-8-sig"``).

    Parameters
    ----------
    path : path-like
        The text file.
    encoding : str, default "utf-8"
        Any codec Python knows (``latin-1``, ``cp1251``, ...).
    max_bytes : int or None, default :data:`MAX_BYTES`
        Refuse larger files before reading them (``None``: no limit). The file is read
        once, so memory stays near twice its size.

    Raises
    ------
    InputError
        If the file is missing, a directory, unreadable, larger than ``max_bytes``, binary
        (it holds NUL bytes), not valid in ``encoding`` or has no text.
    ConfigurationError
        If ``encoding`` is not a codec Python knows.
    """
    check_encoding(encoding)
    p = Path(path)
    if not p.exists():
        raise InputError(f"input '{p}' does not exist: check the path")
    if p.is_dir():
        raise InputError(f"input '{p}' is a directory: pass the text files inside it")
    try:
        info = p.stat()
        if not stat.S_ISREG(info.st_mode):
            raise InputError(
                f"input '{p}' is not a regular file (a device, pipe or socket): "
                "save the article to a file and pass that"
            )
        if max_bytes is not None and info.st_size > max_bytes:
            raise InputError(
                f"input '{p}' is {format_size(info.st_size)}, over the limit of "
                f"{format_size(max_bytes)}: split it, or raise --max-bytes"
            )
        with open(p, "rb") as handle:  # never more than the limit, even if it grows
            data = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    except InputError:
        raise
    except OSError as err:
        raise InputError(f"cannot read input '{p}': {err.strerror}") from err
    if max_bytes is not None and len(data) > max_bytes:  # grew while we looked
        raise InputError(f"input '{p}' is over the limit of {format_size(max_bytes)}")
    utf16 = encoding.lower().replace("_", "-").startswith("utf-16")
    if not utf16 and b"\x00" in data:
        raise InputError(
            f"input '{p}' looks like a binary file (it holds NUL bytes), not text: "
            "pass the article as a text file"
        )
    is_utf8 = codecs.lookup(encoding).name == "utf-8"
    codec, shown = ("utf-8-sig", "UTF-8") if is_utf8 else (encoding, encoding)
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as err:
        hint = (
            "pass --encoding (e.g. --encoding latin-1) or convert it, "
            "e.g. `iconv -f latin1 -t utf-8`"
        )
        raise InputError(
            f"input '{p}' is not {shown} text (bad byte at offset {err.start}): {hint}"
        ) from err
    if not text.strip():
        raise InputError(f"input '{p}' is empty: give it the article text")
    return text


def check_encoding(encoding: str) -> str:
    """Return ``encoding`` if Python can decode text with it.

    Raises
    ------
    ConfigurationError
        If it is no codec, or a codec that is not a text encoding (``base64``, ``rot13``).

    Examples
    --------
    >>> check_encoding("latin-1")
    'latin-1'
    """
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ConfigurationError(
            f"unknown encoding {encoding!r}: use a Python codec name such as utf-8 or latin-1"
        ) from None
    try:
        b"x".decode(encoding)  # bytes-to-bytes codecs refuse to make text
    except UnicodeDecodeError:
        pass  # a text encoding that needs more than one byte (utf-16)
    except LookupError:
        raise ConfigurationError(
            f"encoding {encoding!r} is not a text encoding: use one such as utf-8, latin-1 "
            "or cp1251"
        ) from None
    return encoding


def format_size(size: int) -> str:
    """Return a byte count for a message: bytes, KB or MB (decimal), never "0.0 MB".

    Examples
    --------
    >>> format_size(3), format_size(12_300), format_size(50_000_000)
    ('3 bytes', '12.3 KB', '50.0 MB')
    """
    if size < 1000:
        return f"{size:,} byte{'s' if size != 1 else ''}"
    if size < 1_000_000:
        return f"{size / 1e3:,.1f} KB"
    return f"{size / 1e6:,.1f} MB"


@dataclass(frozen=True, slots=True)
class JsonLine:
    """One non-blank line of a JSON-lines file: the decoded value, or why it is unusable.

    ``where`` is ``<file name>:<line number>``; exactly one of ``value`` and ``error`` is set.
    """

    where: str
    value: Any = None
    error: str | None = None


def read_jsonl(path: str | os.PathLike[str], *, what: str = "file") -> Iterator[JsonLine]:
    """Yield the non-blank lines of a JSON-lines file, decoded one by one.

    A line that is not UTF-8 or not JSON comes back with ``error`` set instead of stopping
    the file, so that callers decide: a corpus skips it, an evaluation refuses the file.

    Parameters
    ----------
    path : path-like
        The ``.jsonl`` file (a UTF-8 byte order mark is dropped).
    what : str
        What the file is, for messages ("corpus", "events").

    Raises
    ------
    InputError
        If the file cannot be opened.
    """
    p = Path(path)
    try:
        handle = open(p, "rb")  # noqa: SIM115 - closed below; lines decoded one by one
    except OSError as err:
        raise InputError(f"cannot read {what} '{p}': {err.strerror}") from err
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            where = f"{p.name}:{number}"
            try:
                value = json.loads(raw.decode("utf-8-sig"))
            except UnicodeDecodeError as err:
                yield JsonLine(where, error=f"{where}: not UTF-8 (bad byte at offset {err.start})")
            except json.JSONDecodeError as err:
                yield JsonLine(where, error=f"{where}: invalid JSON ({err.msg})")
            else:
                bad = _lone_surrogate(value)
                if bad is None:
                    yield JsonLine(where, value=value)
                else:
                    yield JsonLine(
                        where, error=f"{where}: not valid Unicode (a lone surrogate {bad} in it)"
                    )


def _lone_surrogate(value: Any) -> str | None:
    r"""Return the first lone surrogate in a decoded JSON value, escaped, or None.

    JSON may escape one (``"\udcff"``), but it is no character: no file format can write it.

    Examples
    --------
    >>> _lone_surrogate({"id": "a\udcff", "text": "ok"}), _lone_surrogate(["ok", 1])
    ('\\udcff', None)
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as err:
                return ascii(item[err.start])[1:-1]
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def read_stream(
    stream: Any,
    name: str = "<stdin>",
    *,
    encoding: str = "utf-8",
    max_bytes: int | None = MAX_BYTES,
) -> str:
    """Read an input text from a binary stream (standard input), as `read_text` reads files.

    The same checks as :func:`read_text`: at most ``max_bytes`` are read, NUL bytes mean a
    binary input, the text must decode in ``encoding`` (a UTF-8 byte order mark is dropped)
    and not be blank; ``name`` names the input in messages.

    Raises
    ------
    InputError
        If the text is too large, binary, not in ``encoding`` or blank.
    ConfigurationError
        If ``encoding`` is not a text codec.

    Examples
    --------
    >>> import io
    >>> read_stream(io.BytesIO("Goris".encode("utf-8-sig")))
    'Goris'
    """
    check_encoding(encoding)
    try:
        data = stream.read() if max_bytes is None else stream.read(max_bytes + 1)
    except OSError as err:
        raise InputError(f"cannot read input '{name}': {err.strerror or err}") from err
    if max_bytes is not None and len(data) > max_bytes:
        raise InputError(
            f"input '{name}' is over the limit of {format_size(max_bytes)}: "
            "split it, or raise --max-bytes"
        )
    utf16 = encoding.lower().replace("_", "-").startswith("utf-16")
    if not utf16 and b"\x00" in data:
        raise InputError(f"input '{name}' looks like a binary file (it holds NUL bytes), not text")
    is_utf8 = codecs.lookup(encoding).name == "utf-8"
    try:
        text = data.decode("utf-8-sig" if is_utf8 else encoding)
    except UnicodeDecodeError as err:
        raise InputError(
            f"input '{name}' is not {'UTF-8' if is_utf8 else encoding} text (bad byte at offset "
            f"{err.start}): pass --encoding (e.g. --encoding latin-1) or convert it"
        ) from err
    if not text.strip():
        raise InputError(f"input '{name}' is empty: give it the article text")
    return text
