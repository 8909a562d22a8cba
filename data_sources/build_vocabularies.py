"""Derive the plural demonyms geomap ships in ``geomap/data/demonyms_plural.tsv``.

Reads the adjectives and singular demonyms of ``geomap/data/country_names.tsv`` and writes, per
country, the plural people-nouns English forms from them: "-an" and "-i" take an "s"
("Russians", "Israelis"); nouns that are only demonyms take their own plural ("Briton":
"Britons", "Turk": "Turks"). Adjectives in "-ese", "-ish" or "-ch" ("Chinese", "British",
"French") name no plural people-noun of their own and are left out. Run it after editing
country_names.tsv::

    python data_sources/build_vocabularies.py
"""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "geomap" / "data"


def plural(word: str) -> str | None:
    """Return the plural people-noun of an adjective or demonym, or None when English has none.

    >>> plural("Palestinian"), plural("Iraqi"), plural("Chinese"), plural("Turk")
    ('Palestinians', 'Iraqis', None, 'Turks')
    """
    if word.endswith(("an", "i")) or word in ("Turk", "Pole", "Dane", "Swede", "Finn", "Scot",
                                                "Briton", "Kurd", "Serb", "Croat", "Czech",
                                                "Slovak", "Thai", "Greek", "Arab", "Uzbek",
                                                "Kazakh", "Tajik", "Kyrgyz"):  # fmt: skip
        return word if word == "Kyrgyz" else word + "s"
    return None


def main() -> None:
    """Write demonyms_plural.tsv from country_names.tsv."""
    out = []
    for line in (DATA / "country_names.tsv").read_text("utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        code, kind, *names = line.split("\t")
        if kind != "adj":
            continue
        plurals = list(dict.fromkeys(p for n in names if n and (p := plural(n))))
        if plurals:
            out.append("\t".join([code, *plurals]))
    header = (
        "# code<TAB>plural demonym<TAB>...: people of a country named in the plural\n"
        '# ("Palestinians", "Russians"); derived from country_names.tsv\'s adjectives by\n'
        "# data_sources/build_vocabularies.py. They name people, not places: a mention of them\n"
        "# says which country a story is about without being a place on the map.\n"
    )
    (DATA / "demonyms_plural.tsv").write_text(header + "\n".join(out) + "\n", "utf-8")
    print(len(out), "countries")


if __name__ == "__main__":
    main()
