"""Mutated files (bytes changed, cut, delimiters, CRs, NULs and year-0 dates spliced in): every one
loads, is quarantined row by row, or is refused in a sentence (an AgoraError); none ends in a
traceback, and rows read = loaded + quarantined for every file that is read."""

from __future__ import annotations

import random
from pathlib import Path

import polars as pl
import pytest

from foundation.errors import AgoraError
from ingest_records import KNOWN_INDICATORS, VALID_ROWS, write_valid_folder
from warehouse.ingest import ingest_paths

SPLICED = [b",", b";", b"\t", b"\r", b"\n", b'"', b"|", b"\x00", b"\xff", b"0000-01-01", b"\xc3", b",,,,,,"]


def _mutated(data: bytes, rng: random.Random, text: bool) -> bytes:
    mutated = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        at = rng.randrange(len(mutated) + 1)
        choice = rng.random()
        if choice < 0.4 and mutated:
            mutated[min(at, len(mutated) - 1)] = rng.randrange(256)
        elif choice < 0.7 and text:
            mutated[at:at] = rng.choice(SPLICED)
        else:
            del mutated[at:at + rng.randint(1, 32)]
    return bytes(mutated)


@pytest.mark.parametrize("seed", range(4))
def test_mutated_files_are_loaded_quarantined_or_refused_in_a_sentence(tmp_path: Path, seed: int):
    originals = {p.name: p.read_bytes() for p in write_valid_folder(tmp_path / "valid").iterdir()}
    for entity in ("mechanisms", "organisations"):
        frame = pl.DataFrame([VALID_ROWS[entity]] * 3)
        frame.write_parquet(tmp_path / f"{entity}.parquet")
        frame.write_ndjson(tmp_path / f"{entity}.jsonl")
        originals |= {f"{entity}.parquet": (tmp_path / f"{entity}.parquet").read_bytes(),
                      f"{entity}.jsonl": (tmp_path / f"{entity}.jsonl").read_bytes()}
    rng = random.Random(seed)
    outcomes = {"loaded": 0, "refused": 0}
    for attempt in range(12):
        name = rng.choice(sorted(originals))
        path = tmp_path / f"m{attempt}" / name
        path.parent.mkdir()
        path.write_bytes(_mutated(originals[name] * rng.randint(1, 3), rng, text=name.endswith(".csv")))
        try:
            result = ingest_paths(tmp_path / "agora.duckdb", [path], None, KNOWN_INDICATORS)
        except AgoraError as refused:
            assert str(refused) and "\n" not in str(refused)
            outcomes["refused"] += 1
            continue
        assert all(f.rows_read == f.rows_loaded + f.rows_quarantined for f in result.files)
        outcomes["loaded"] += 1
    assert sum(outcomes.values()) == 12
