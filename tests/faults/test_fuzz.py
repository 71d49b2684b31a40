"""About 300 mutated input files (byte flips, truncations, inserted NULs and garbage, in a small
CSV, XLSX and Parquet; seeded): each is loaded or refused whole within a generous time bound,
never crashes, and rows read = loaded + quarantined."""

from __future__ import annotations

import json
import os
import queue
import random
import subprocess
import sys
import threading
from pathlib import Path

import polars as pl
import pytest

from faults_fixture import ROOT

pytestmark = pytest.mark.slow
DRIVER = Path(__file__).with_name("fuzz_driver.py")
SEED = 20261130
MUTANTS_PER_FORMAT = 100
#: bounds a hang (a reader looping forever, something quadratic), not speed: a file takes well under a second
SECONDS_PER_FILE = 120


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One seeded mutation of a file's bytes."""
    kind = rng.choice(["flip", "truncate", "nuls", "garbage", "duplicate", "delete"])
    at = rng.randrange(len(data))
    if kind == "flip":
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 16)):
            mutated[rng.randrange(len(mutated))] ^= 1 << rng.randrange(8)
        return bytes(mutated)
    if kind == "truncate":
        return data[:at]
    if kind == "nuls":
        return data[:at] + b"\0" * rng.randint(1, 200) + data[at:]
    if kind == "garbage":
        return data[:at] + rng.randbytes(rng.randint(1, 2000)) + data[at:]
    if kind == "duplicate":
        return data[:at] + data[at:at + rng.randint(1, 4000)] + data[at:]
    return data[:at] + data[at + rng.randint(1, 4000):]


def originals(files: Path, folder: Path) -> dict[str, bytes]:
    frame = pl.read_csv(files / "engagements.csv", infer_schema_length=0)
    frame.write_excel(folder / "original.xlsx", worksheet="engagements")
    frame.write_parquet(folder / "original.parquet")
    return {"csv": (files / "engagements.csv").read_bytes(), "xlsx": (folder / "original.xlsx").read_bytes(),
            "parquet": (folder / "original.parquet").read_bytes()}


def test_mutated_files_are_loaded_or_refused_never_a_crash(built, files, tmp_path):
    rng = random.Random(SEED)
    folder = tmp_path / "mutants"
    folder.mkdir()
    mutants = []
    for fmt, data in originals(files, tmp_path).items():
        for number in range(MUTANTS_PER_FORMAT):
            path = folder / f"engagements-{number:03d}.{fmt}"
            path.write_bytes(mutate(data, rng))
            mutants.append(path)
    driver = subprocess.Popen([sys.executable, str(DRIVER), str(built), *map(str, mutants)], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in driver.stdout], daemon=True).start()
    outcomes = []
    try:
        for mutant in mutants:
            try:
                line = lines.get(timeout=SECONDS_PER_FILE)
            except queue.Empty:
                pytest.fail(f"{mutant.name} was not loaded or refused within {SECONDS_PER_FILE} s")
            outcomes.append(json.loads(line))
    finally:
        driver.kill()
        driver.wait()
    crashed = [(o["file"], o["message"]) for o in outcomes if o["outcome"] == "crashed"]
    assert not crashed, crashed[:3]
    for outcome in outcomes:
        if outcome["outcome"] == "loaded":
            for read, loaded, quarantined in outcome["counts"]:
                assert read == loaded + quarantined, outcome
        else:
            message = outcome["message"]
            assert "Traceback" not in message and "\n" not in message.strip(), outcome
    # The mutations reach both ends: some files still load, some are refused whole.
    kinds = {o["outcome"] for o in outcomes}
    assert kinds == {"loaded", "refused"}, kinds
