"""Dates: the document's date, and events anchored to it ("on Tuesday", "on 13 September").

The document's date is given (``--date``, a batch ``date`` field: :func:`document_date`) or
read from a dated dateline ("KYIV, 2 December 2026 —": :func:`dateline_date`). An event gets
a date only from what its sentence says: without a document date, or without a date word in
the event's sentence, it has none. Weekday (Monday is 0), relative-day and month words come
from ``geomap/data/event_words.tsv``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from geomap.errors import InputError

from .vocab import vocabulary

__all__ = [
    "DATE_PRECISIONS",
    "PAST_YEARS",
    "anchor_date",
    "dateline_date",
    "document_date",
    "find_dates",
    "is_dateline",
    "past_year",
]

#: Date precisions, finest first: "day" (a day is named), "week" ("last week"), "month".
DATE_PRECISIONS = ("day", "week", "month")


@functools.lru_cache(maxsize=1)
def _months() -> dict[str, float]:
    """Month names and their short forms ("sept.") -> month number."""
    values = vocabulary().values
    return {**values["month"], **values["month_short"]}


@functools.lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    vocab = vocabulary()
    months = "|".join(sorted(_months(), key=len, reverse=True))
    days = "|".join(sorted(vocab.words["weekday"], key=len, reverse=True))
    relative = "|".join(
        re.escape(r).replace(r"\ ", r"\s+")
        for r in sorted(vocab.values["relative_day"], key=len, reverse=True)
    )
    return re.compile(
        rf"(?i)(?<![\w-])(?:"
        rf"(?P<day1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month1>{months})\.?(?:,?\s+(?P<year1>\d{{4}}))?"
        rf"|(?P<month2>{months})\.?\s+(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?(?![\d])(?:,?\s+(?P<year2>\d{{4}}))?"
        rf"|(?P<last>last|this|on|early|late)?\s*(?P<weekday>{days})"
        rf"|(?P<relative>{relative})"
        rf"|(?P<lastweek>last\s+week|earlier\s+this\s+week)"
        rf"|(?P<lastmonth>last\s+month)"
        rf")(?![\w-])"
    )


def find_dates(
    text: str, start: int, end: int, document_date: dt.date
) -> list[tuple[int, dt.date, str]]:
    """Return the dates written in ``text[start:end]``: (offset, date, precision) each.

    Weekdays are the last such day on or before ``document_date`` ("on Tuesday" in a
    Wednesday report is the day before); a day and month without a year is the last such
    date on or before the document date.
    """
    vocab = vocabulary()
    out: list[tuple[int, dt.date, str]] = []
    for m in _pattern().finditer(text, start, end):
        day: dt.date | None = None
        precision = "day"
        if m.group("weekday"):
            if m.group("weekday")[0].islower() and not m.group("last"):
                continue  # a lowercase "sunday" alone is not a date
            wanted = int(vocab.values["weekday"][m.group("weekday").lower()])
            back = (document_date.weekday() - wanted) % 7
            if m.group("last") and m.group("last").lower() == "last" and back == 0:
                back = 7
            day = document_date - dt.timedelta(days=back)
        elif m.group("relative"):
            key = re.sub(r"\s+", " ", m.group("relative").lower())
            day = document_date + dt.timedelta(days=int(vocab.values["relative_day"][key]))
        elif m.group("lastweek"):
            day, precision = document_date - dt.timedelta(days=7), "week"
        elif m.group("lastmonth"):
            first = document_date.replace(day=1) - dt.timedelta(days=1)
            day, precision = first.replace(day=1), "month"
        else:
            month_word = (m.group("month1") or m.group("month2")).lower().rstrip(".")
            if month_word == "may" and m.group("month2") and m.group("month2")[0] == "m":
                continue  # "may 5" in lowercase is the verb
            month = int(_months()[month_word])
            d = int(m.group("day1") or m.group("day2"))
            year_text = m.group("year1") or m.group("year2")
            year = int(year_text) if year_text else document_date.year
            try:
                day = dt.date(year, month, d)
            except ValueError:
                continue  # "31 February"
            if not year_text and day > document_date:
                try:
                    day = day.replace(year=year - 1)
                except ValueError:
                    continue
        out.append((m.start(), day, precision))
    return out


def anchor_date(
    text: str,
    trigger_start: int,
    sentence_start: int,
    sentence_end: int,
    document_date: dt.date | None,
) -> tuple[dt.date | None, str | None]:
    """Return the event date and its precision for the trigger at ``trigger_start``.

    The date word of the trigger's sentence nearest to the trigger is used; without a document
    date or a date word the result is ``(None, None)``.

    Examples
    --------
    >>> t = "Kapan was shelled on Tuesday."
    >>> anchor_date(t, t.index("shelled"), 0, len(t), dt.date(2026, 12, 2))  # a Wednesday
    (datetime.date(2026, 12, 1), 'day')
    >>> anchor_date(t, t.index("shelled"), 0, len(t), None)
    (None, None)
    """
    if document_date is None:
        return None, None
    found = find_dates(text, sentence_start, sentence_end, document_date)
    if not found:
        return None, None
    _, day, precision = min(found, key=lambda f: abs(f[0] - trigger_start))
    return day, precision


#: A year this many years or more before the document's is the past: "in 1991", "the 1967
#: war" (one year before is not: "last December" in a January report).
PAST_YEARS = 2

_YEAR = re.compile(
    r"(?i)(?<![\w.-])(?P<since>(?:since|from)\s+)?(?P<year>1[89]\d\d|20\d\d)(?![\w-])"
)


def past_year(
    text: str, start: int, end: int, document_date: dt.date | None
) -> int | None:  # fmt: skip
    """Return the year of the past ``text[start:end]`` sets its events in, else None.

    A sentence whose every year (not after "since" or "from": a span reaching the present)
    lies :data:`PAST_YEARS` or more before the document's year, and which names no day of
    the last two months ("on Tuesday"), tells of the past: the latest such year. Without a
    document date nothing is the past.

    Examples
    --------
    >>> t = "Vukovar was shelled for three months in 1991."
    >>> past_year(t, 0, len(t), dt.date(2026, 11, 30)), past_year(t, 0, len(t), None)
    (1991, None)
    >>> t = "The worst shelling since 2014 hit Donetsk on Tuesday."
    >>> past_year(t, 0, len(t), dt.date(2026, 11, 30)) is None
    True
    """
    if document_date is None:
        return None
    years = [m for m in _YEAR.finditer(text, start, end) if not m["since"]]
    if not years or any(int(m["year"]) > document_date.year - PAST_YEARS for m in years):
        return None
    recent = document_date - dt.timedelta(days=62)
    if any(day >= recent for _, day, _ in find_dates(text, start, end, document_date)):
        return None
    return max(int(m["year"]) for m in years)


def document_date(value: str | dt.date | None, *, what: str = "date") -> dt.date | None:
    """Return the date of a document from an ISO 8601 date or timestamp (None for none).

    ``"2026-12-02"``, ``"2026-12-02T10:15:00Z"`` and a :class:`datetime.date` or
    :class:`datetime.datetime` are accepted; a timestamp's own calendar day is kept (no time
    zone conversion). Empty text is no date.

    Parameters
    ----------
    value : str, date or None
        The date as given.
    what : str, default "date"
        What the value is, for the error message (``"--date"``, ``"document 7's date"``).

    Raises
    ------
    InputError
        If ``value`` is not such a date (the message names it and the expected form).

    Examples
    --------
    >>> document_date("2026-12-02T23:30:00+04:00")
    datetime.date(2026, 12, 2)
    >>> document_date("") is None
    True
    """
    if value is None or isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    text = str(value).strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError as err:
        raise InputError(
            f"{what} {text!r} is not a date: give it as YYYY-MM-DD (ISO 8601, e.g. 2026-12-02)"
        ) from err


# A dateline that opens a report: a place in capitals, then up to 80 characters and a dash.
_DATELINE = re.compile(r"(?m)^[^\W\d_a-z]{2,}[^\n]{0,80}?\s[\u2014\u2013-]+\s")


def dateline_date(text: str) -> dt.date | None:
    r"""Return the date of a dated dateline that opens the text, or None.

    The dateline is a line in the first 500 characters that starts with a word in capitals
    and reaches a dash within 80 characters ("KYIV, Dec. 2, 2026 (AP) —"); its date must
    name the day, the month and the year.

    Examples
    --------
    >>> dateline_date("Headline\n\nKYIV, 2 December 2026 (Reuters) - Shells hit Sumy.")
    datetime.date(2026, 12, 2)
    >>> dateline_date("YEREVAN \u2014 Shells hit Goris on 2 December 2026.") is None
    True
    """
    for line in _DATELINE.finditer(text, 0, min(len(text), 500)):
        head = line.group()
        for m in _pattern().finditer(head):
            year = m.group("year1") or m.group("year2")
            if year is None:
                continue
            month_word = (m.group("month1") or m.group("month2")).lower().rstrip(".")
            day = int(m.group("day1") or m.group("day2"))
            try:
                return dt.date(int(year), int(_months()[month_word]), day)
            except ValueError:
                continue
    return None


# -- datelines -------------------------------------------------------------------------------

_DASH = re.compile(r"\s(?:\u2014|\u2013|--+|-)\s|\s?(?:\u2014|\u2013|--+)\s?")


@functools.lru_cache(maxsize=1)
def _month_dots() -> re.Pattern[str]:
    """Match an abbreviated month and its dot ("Dec.", "Sept."): no sentence end in a dateline."""
    names = sorted(vocabulary().values["month_short"], key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(n.capitalize() for n in names) + r")\.")


def is_dateline(text: str, s0: int, s1: int, mention_end: int) -> bool:
    """Whether the mention stands in a dateline ("YEREVAN —", "KAPAN, Armenia (Reuters) -")."""
    head_start = s0
    while head_start < s1 and text[head_start] in "-\u2014\u2013 \t":
        head_start += 1
    dash = _DASH.search(text, mention_end, min(s1, mention_end + 60))
    if dash is None:  # a line of its own in capitals: "YEREVAN"
        line = text[head_start:s1].rstrip(" -\u2014\u2013")
        return s1 - mention_end <= 3 and line.upper() == line
    head = text[head_start : dash.start()]
    bare = _month_dots().sub("", re.sub(r"\([^)]*\)", "", head))  # "KINSHASA, Dec. 1 -"
    if len(head) > 70 or re.search(r"[.;:!?]", bare):
        return False
    words = re.findall(r"[^\W\d_][\w'\u2019.-]*", bare)
    if not words or not all(w[0].isupper() for w in words):
        return False
    return words[0].isupper() or "(" in head
