"""Hostile and unusual input: each case of the 2026-11-30 sweep, fixed and kept fixed."""

import json
import os
import threading

import pytest
from click.testing import CliRunner

from geomap.cli import cli
from geomap.corpus import read_documents
from geomap.errors import ConfigurationError, InputError
from geomap.io import check_encoding, format_size, read_jsonl, read_text
from geomap.text import excerpt, split_sentences


def test_lone_surrogate_in_a_jsonl_record_skips_that_record_only(tmp_path):
    corpus = tmp_path / "c.jsonl"
    lines = [
        json.dumps({"id": "ok1", "text": "Kapan was shelled."}),
        '{"id": "bad\\udcff", "text": "Goris was shelled."}',
        '{"id": "bad2", "text": "Goris", "url": "http://x/\\ud800"}',
        json.dumps({"id": "ok2", "text": "Jermuk was shelled."}),
    ]
    corpus.write_text("\n".join(lines), encoding="utf-8")
    docs = list(read_documents(corpus))
    assert [d.id for d in docs if d.text] == ["ok1", "ok2"]
    bad = [d for d in docs if d.text is None]
    assert len(bad) == 2 and all("surrogate" in d.error for d in bad)
    assert all(d.error.encode("utf-8") for d in bad)  # the message itself can be written
    assert [line.error is None for line in read_jsonl(corpus)] == [True, False, False, True]


def test_batch_with_a_surrogate_record_writes_the_others_and_exits_2(tmp_path, gazetteer):
    del gazetteer  # built once for the session
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(
        json.dumps({"id": "ok", "text": "Artillery shelled Kapan, Armenia."})
        + '\n{"id": "x\\udcff", "text": "Goris was hit."}\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["batch", str(corpus), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    assert "surrogate" in result.stderr
    features = json.loads((tmp_path / "o" / "incidents.geojson").read_text("utf-8"))["features"]
    assert {f["properties"]["name"] for f in features} >= {"Kapan"}


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero on this system")
def test_devices_are_refused_before_reading(tmp_path):
    with pytest.raises(InputError, match="not a regular file"):
        read_text("/dev/zero")
    link = tmp_path / "random.txt"
    link.symlink_to("/dev/urandom")
    with pytest.raises(InputError, match="not a regular file"):
        read_text(link)


def test_a_fifo_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(_refusal(fifo)), daemon=True)
    worker.start()
    worker.join(timeout=10)
    if worker.is_alive():  # unblock the reader before failing
        with open(fifo, "wb"):
            pass
    assert outcome and "not a regular file" in outcome[0]


def _refusal(path):
    try:
        read_text(path)
    except InputError as err:
        return str(err)
    return "read"


def test_a_nul_anywhere_makes_it_binary(tmp_path):
    late = tmp_path / "late.txt"
    late.write_bytes(b"Kapan was shelled. " * 5000 + b"\x00" + b"Goris.")  # past 64 KB
    with pytest.raises(InputError, match="binary"):
        read_text(late)


@pytest.mark.parametrize("encoding", ["base64", "rot13", "hex", "zlib"])
def test_byte_codecs_are_not_text_encodings(encoding, tmp_path):
    with pytest.raises(ConfigurationError, match="not a text encoding"):
        check_encoding(encoding)
    article = tmp_path / "a.txt"
    article.write_text("Kapan was shelled.", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["map", str(article), "--out", str(tmp_path / "o"), "--encoding", encoding]
    )
    assert result.exit_code == 1 and result.output.startswith("Error: ")
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_sizes_in_messages_are_never_zero_megabytes(tmp_path):
    assert format_size(12) == "12 bytes" and format_size(1) == "1 byte"
    small = tmp_path / "s.txt"
    small.write_text("Kapan was shelled, and Goris.", encoding="utf-8")
    with pytest.raises(InputError, match=r"is 29 bytes, over the limit of 10 bytes"):
        read_text(small, max_bytes=10)


def test_sixteen_thousand_datelines_split_one_by_one():
    text = "AB — the road was quiet. Nothing else.\n" * 16_000
    spans = split_sentences(text)
    assert len(spans) == 48_000
    assert [text[s:e] for s, e in spans[:3]] == ["AB —", "the road was quiet.", "Nothing else."]


def test_a_huge_sentence_is_carried_as_a_bounded_excerpt():
    towns = ", ".join(["Kapan", "Goris", "Jermuk"] * 3000)  # one 60 KB sentence
    text = f"Shelling hit {towns}."
    middle = text.index("Goris", len(text) // 2)
    shown, start, end = excerpt(text, (0, len(text)), (middle, middle + 5))
    assert len(shown) <= 404 and "Goris" in shown and shown.startswith("… ")
    assert start <= middle < end <= len(text) and end - start <= 400
