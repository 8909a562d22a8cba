"""Guessing how a CSV file is written, and finding lines in it for error messages.

:func:`sniff` looks at the first 64 KB: the encoding (a byte order mark, else UTF-8 if it
decodes, else Windows-1252, else Latin-1), the delimiter (``,``, ``;``, tab or ``|``: the
one that splits every sample row into as many fields as the header, the most fields
winning), the decimal mark (``,`` when the delimiter is not a comma and numbers are written
``39,2076``) and the columns of integers written with leading zeros (``007``: kept as text).
Whatever the caller gives is used as given.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Final

__all__ = [
    "SAMPLE_BYTES",
    "Dialect",
    "first_bad_byte",
    "header_problem",
    "line_of_bytes",
    "line_of_text",
    "sniff",
]

#: Bytes read from the start of a CSV to guess how it is written.
SAMPLE_BYTES: Final = 65_536
_DELIMITERS: Final = (",", ";", "\t", "|")
_LEADING_ZERO: Final = re.compile(r"^[+-]?0[0-9]")
_COMMA_DECIMAL: Final = re.compile(r"^[+-]?[0-9]+,[0-9]+$")
_POINT_DECIMAL: Final = re.compile(r"^[+-]?[0-9]+\.[0-9]+$")
_NAMES: Final = {"\t": "tab", ",": "','", ";": "';'", "|": "'|'"}


@dataclass(frozen=True)
class Dialect:
    """How a CSV file is written, and which of it was guessed.

    Attributes
    ----------
    delimiter, encoding, decimal : str
        The field delimiter, the text encoding (a Python codec name) and the decimal mark.
    guessed : tuple of str
        Which of ``"delimiter"``, ``"encoding"``, ``"decimal"`` were sniffed, not given.
    text_columns : tuple of str
        Columns whose sample values have leading zeros (``007``): read as text.
    header : tuple of str
        The column names of the header line, as read.
    """

    delimiter: str = ","
    encoding: str = "utf-8"
    decimal: str = "."
    guessed: tuple[str, ...] = ()
    text_columns: tuple[str, ...] = ()
    header: tuple[str, ...] = ()

    def describe(self) -> str:
        """Say how the file was read, e.g. ``"';'-separated, cp1252, decimal ','"``.

        Examples
        --------
        >>> Dialect(";", "cp1252", ",").describe()
        "';'-separated, cp1252, decimal ','"
        """
        parts = [f"{_NAMES.get(self.delimiter, repr(self.delimiter))}-separated", self.encoding]
        if self.decimal != ".":
            parts.append(f"decimal {self.decimal!r}")
        return ", ".join(parts)


def _sniff_encoding(sample: bytes) -> str:
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)  # a character cut at the end is fine
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _rows(text: str, delimiter: str) -> list[list[str]]:
    """Return the whole rows of the sample (the last, maybe cut, line left out)."""
    complete = text[: text.rfind("\n") + 1] if "\n" in text else text
    try:
        return list(csv.reader(io.StringIO(complete), delimiter=delimiter))
    except csv.Error:
        return []


def _sniff_delimiter(text: str) -> str:
    best, best_fields = ",", 1
    for delimiter in _DELIMITERS:
        rows = [r for r in _rows(text, delimiter) if r]
        if not rows:
            continue
        fields = len(rows[0])
        consistent = all(len(r) == fields for r in rows)
        if consistent and fields > best_fields:
            best, best_fields = delimiter, fields
    if best_fields == 1:  # nothing consistent: the one that splits the header most
        header = text.split("\n", 1)[0]
        counts = {d: header.count(d) for d in _DELIMITERS}
        top = max(counts, key=lambda d: counts[d])
        best = top if counts[top] else ","
    return best


def _columns_where(rows: list[list[str]], pattern: re.Pattern[str]) -> set[int]:
    return {i for row in rows[1:] for i, value in enumerate(row) if pattern.match(value.strip())}


def sniff(
    sample: bytes,
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
    decimal: str | None = None,
) -> Dialect:
    r"""Return how the CSV that starts with ``sample`` is written (given values kept).

    Examples
    --------
    >>> d = sniff("id;lat;lon\n007;39,2;46,4\n008;40,1;44,5\n".encode("cp1252"))
    >>> d.delimiter, d.encoding, d.decimal, d.text_columns, d.guessed
    (';', 'utf-8', ',', ('id',), ('delimiter', 'encoding', 'decimal'))
    """
    guessed = []
    if encoding is None:
        encoding = _sniff_encoding(sample)
        guessed.append("encoding")
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample)
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    if delimiter is None:
        delimiter = _sniff_delimiter(text)
        guessed.insert(0, "delimiter")
    rows = _rows(text, delimiter)
    if decimal is None:
        guessed.append("decimal")
        comma = _columns_where(rows, _COMMA_DECIMAL) if delimiter != "," else set()
        decimal = "," if comma and not _columns_where(rows, _POINT_DECIMAL) else "."
    header = rows[0] if rows else []
    zeros = _columns_where(rows, _LEADING_ZERO)
    return Dialect(
        delimiter=delimiter,
        encoding=encoding,
        decimal=decimal,
        guessed=tuple(guessed),
        text_columns=tuple(header[i] for i in sorted(zeros) if i < len(header)),
        header=tuple(header),
    )


def line_of_bytes(handle: IO[bytes], offset: int) -> int:
    """Return the 1-based line of the byte at ``offset`` of a binary file (read from 0)."""
    handle.seek(0)
    newlines, left = 0, offset
    while left > 0:
        block = handle.read(min(left, 1 << 20))
        if not block:
            break
        newlines += block.count(b"\n")
        left -= len(block)
    return newlines + 1


def first_bad_byte(handle: IO[bytes], encoding: str) -> tuple[int, int] | None:
    """Return ``(offset, byte)`` of the first byte not valid in ``encoding``, else None."""
    handle.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    while True:
        block = handle.read(1 << 20)
        pending = len(decoder.getstate()[0])  # bytes of a character cut by the last block
        try:
            decoder.decode(block, final=not block)
        except UnicodeDecodeError as err:
            start = offset - pending + err.start
            handle.seek(start)
            return start, handle.read(1)[0]
        if not block:
            return None
        offset += len(block)


def line_of_text(handle: IO[bytes], text: str, encoding: str) -> int | None:
    """Return the 1-based line where ``text`` (a row as read) first occurs, else None."""
    needle = text.encode(encoding, errors="replace")
    if not needle:
        return None
    handle.seek(0)
    offset, tail = 0, b""
    while True:
        block = handle.read(1 << 20)
        if not block:
            return None
        window = tail + block
        found = window.find(needle)
        if found >= 0:
            return line_of_bytes(handle, offset - len(tail) + found)
        keep = len(needle) - 1
        tail = window[-keep:] if keep else b""
        offset += len(block)


def header_problem(names: Iterable[str]) -> str | None:
    """Return what is wrong with column names (a repeat, an empty name), else None.

    Examples
    --------
    >>> header_problem(["a", "b", "a"])
    "two columns are named 'a'"
    """
    seen: set[str] = set()
    for name in names:
        if name in seen:
            return f"two columns are named {name!r}"
        seen.add(name)
    return None
