"""geomap.engines: workers, their data, and what is left when the driver is stopped or killed."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from geomap.engines import (
    WorkerConfig,
    claim,
    run_ordered,
    start_engine,
    sweep_leftovers,
    worker_gazetteer,
)
from geomap.errors import GazetteerError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "samples" / "syunik_shelling.txt"


@pytest.mark.usefixtures("borders")  # loaded once: the new cache dir needs no derivation
def test_workers_use_the_cache_dir_given_and_leave_the_environment(tmp_path):
    environment = dict(os.environ)
    config = WorkerConfig.of(None, cache_dir=tmp_path / "cache", gazetteer=False)
    engine = start_engine("local", config, workers=1, scheduler=None)
    try:
        # No gazetteer was built in that directory: the worker looks for it there.
        with pytest.raises(GazetteerError, match=re.escape(str(tmp_path / "cache"))):
            engine.submit(worker_gazetteer).result()
    finally:
        engine.close()
    assert dict(os.environ) == environment


def test_run_ordered_keeps_the_order_of_the_jobs():
    engine = start_engine("local", WorkerConfig(gazetteer=False), workers=1, scheduler=None)
    try:
        jobs = iter([(i, abs, (-i,)) for i in range(10)])
        assert list(run_ordered(engine, jobs)) == [(i, i) for i in range(10)]
    finally:
        engine.close()


def _children() -> dict[int, list[int]]:
    table: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        table.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return table


def _descendants(pid: int) -> set[int]:
    table, found, todo = _children(), set(), [pid]
    while todo:
        for child in table.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; its parent (init) reaps it


def _wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def _start_batch(tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path, Path]:
    text = SAMPLE.read_text("utf-8")
    corpus = tmp_path / "news.jsonl"
    with open(corpus, "w", encoding="utf-8") as fh:
        for i in range(4000):
            fh.write(json.dumps({"id": f"d{i}", "text": text}) + "\n")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "geomap", "batch", str(corpus), "--out", str(out)]
    log = tmp_path / "stderr.txt"
    with open(log, "wb") as stderr:  # a file, not a pipe: nothing blocks on a survivor
        process = subprocess.Popen(
            [*command, "--workers", "2", "--docs-per-task", "4", "--format", "parquet"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    return process, out, log


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
@pytest.mark.usefixtures("gazetteer", "borders")
def test_a_stopped_or_killed_batch_leaves_no_process_behind(tmp_path, how):
    process, out, log = _start_batch(tmp_path)
    try:
        # Wait until both workers (and the resource tracker) run and parts are being written.
        def working() -> bool:
            parts = [p for d in out.glob(".incidents.*.tmp") for p in d.glob("*.parquet")]
            return len(_descendants(process.pid)) >= 3 and bool(parts)

        assert _wait_for(working, 180), log.read_text("utf-8")
        children = _descendants(process.pid)
        process.send_signal(signal.SIGTERM if how == "SIGTERM" else signal.SIGKILL)
        process.wait(timeout=120)
        stderr = log.read_text("utf-8")
        assert _wait_for(lambda: not any(_alive(p) for p in children), 15), (
            f"still running: {[p for p in children if _alive(p)]}"
        )
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for pid in children if "children" in locals() else ():
            if _alive(pid):  # a survivor: stop it, the assertion above has failed
                os.kill(pid, signal.SIGKILL)
    leftovers = list(out.glob(".incidents.*.tmp"))
    if how == "SIGTERM":  # like Ctrl-C: a message, exit 143, nothing half-written left
        assert process.returncode == 143
        assert "Error: terminated" in stderr and "Traceback" not in stderr
        assert leftovers == [] and not (out / "incidents").exists()
    else:  # nothing runs after SIGKILL: the next run clears what this one left
        assert process.returncode == -signal.SIGKILL
        assert len(leftovers) == 1
        assert sweep_leftovers(out / "incidents") == leftovers
        assert list(out.glob(".incidents.*.tmp")) == []


def test_sweep_leftovers_removes_only_folders_no_live_run_holds(tmp_path):
    target = tmp_path / "table.parquet"
    live = tmp_path / ".table.parquet.live.tmp"
    dead = tmp_path / ".table.parquet.dead.tmp"
    foreign = tmp_path / ".table.parquet.other.tmp"
    for folder in (live, dead, foreign):
        folder.mkdir()
    with claim(dead):  # a claim that ends: what a killed process leaves (the mark, unlocked)
        pass
    (dead / ".geomap-in-use").write_text("", encoding="utf-8")
    with claim(live):
        assert sweep_leftovers(target) == [dead]
        assert live.exists() and foreign.exists() and not dead.exists()
    assert not (live / ".geomap-in-use").exists()  # the mark goes with the claim
