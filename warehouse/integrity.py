"""Is a DuckDB file whole? A cheap check of every block's checksum, and a full read of every table.

DuckDB checks a block's checksum only when it reads that block, so a command that reads a few
tables (`agora loads`, an export) would never notice garbage written over the others and would
exit 0 on a damaged warehouse. `damage_in_file` reads the file once, front to back, and checks
every block the way DuckDB does (its Checksum: the xor of each 8-byte word times a constant,
seeded with 5381): disk-speed, no query, so every open can afford it. `damage_in_tables` is the
thorough check `agora verify` and backups use: a full read of every column of every table, which
lets DuckDB verify every block a table uses.
"""

from __future__ import annotations

import struct
from pathlib import Path

import duckdb
import numpy as np

_MAIN_HEADER_SIZE = 4096
#: the main header, then two database headers (the one with the higher iteration is current)
_HEADERS_SIZE = 3 * _MAIN_HEADER_SIZE
_MAGIC = b"DUCK"
_BLOCK_ALLOC_SIZE = 262_144
_CHECKSUM_SIZE = 8
_MULTIPLIER = np.uint64(0xBF58476D1CE4E5B9)
_SEED = 5381
#: blocks read and checked at a time (16 MB)
_CHUNK_BLOCKS = 64


def _checksum(words: np.ndarray) -> np.ndarray:
    """DuckDB's checksum of each row of 8-byte little-endian words."""
    with np.errstate(over="ignore"):
        return np.bitwise_xor.reduce(words * _MULTIPLIER, axis=-1) ^ np.uint64(_SEED)


def _database_header(raw: bytes) -> tuple[int, int, int] | None:
    """(iteration, block_count, block_alloc_size) of a database header whose checksum holds."""
    stored = struct.unpack_from("<Q", raw)[0]
    if int(_checksum(np.frombuffer(raw[_CHECKSUM_SIZE:], dtype="<u8"))) != stored:
        return None
    iteration, _meta, _free, block_count, block_alloc_size = struct.unpack_from("<5Q", raw, _CHECKSUM_SIZE)
    return iteration, block_count, block_alloc_size


def damage_in_file(path: Path) -> str | None:
    """What is wrong with the DuckDB file at `path` (truncated, a block failing its checksum), in
    words, or None when every block it holds checks out. A file of a layout this check does not
    know (another block size, encryption) is left to DuckDB's own checks."""
    with open(path, "rb") as file:
        headers = file.read(_HEADERS_SIZE)
        if len(headers) < _HEADERS_SIZE or headers[8:12] != _MAGIC:
            return "it is not a whole DuckDB database file (its header is missing or overwritten)"
        found = [_database_header(headers[i:i + _MAIN_HEADER_SIZE]) for i in (4096, 8192)]
        if None in found:
            # DuckDB writes both headers whole (a fresh file's second one too) and refuses a file
            # whose header fails, current or not.
            return f"its database header at byte {4096 * (1 + found.index(None)):,} fails its checksum"
        _iteration, block_count, block_size = max(found)
        if block_size != _BLOCK_ALLOC_SIZE:
            return None
        # DuckDB allocates whole blocks, trims free ones off the end of the file (so the header may
        # count more blocks than the file holds), and may leave part of a block past the ones the
        # header counts when growing the file failed (a full disk): a file cut off mid-block inside
        # the blocks the header counts is truncated, and the blocks it does hold are checked.
        held, partial = divmod(path.stat().st_size - _HEADERS_SIZE, block_size)
        if partial and held < block_count:
            return f"it is truncated: its last block is cut off after {partial:,} of {block_size:,} bytes"
        present = min(block_count, held)
        words_per_block = block_size // 8
        for first in range(0, present, _CHUNK_BLOCKS):
            count = min(_CHUNK_BLOCKS, present - first)
            chunk = np.frombuffer(file.read(count * block_size), dtype="<u8").reshape(count, words_per_block)
            # A block DuckDB freed and trimmed reads as zeros: it holds nothing.
            used = chunk.any(axis=1)
            bad = np.flatnonzero(used & (_checksum(chunk[:, 1:]) != chunk[:, 0]))
            if bad.size:
                offset = _HEADERS_SIZE + (first + int(bad[0])) * block_size
                return f"the block at byte {offset:,} fails its checksum"
    return None


def damage_in_tables(con: duckdb.DuckDBPyConnection) -> str | None:
    """Read every column of every table in full (DuckDB verifies each block it reads); what failed,
    or None when all of them read back."""
    tables = [row[0] for row in con.sql(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' ORDER BY table_name").fetchall()]
    for table in tables:
        try:
            # Table names come from the database's own catalogue; max(hash(...)) of every column
            # forces DuckDB to read and decompress every value.
            con.sql(f'SELECT count(*), max(hash(COLUMNS(*))) FROM "{table}"').fetchall()
        except duckdb.Error as exc:
            return f"its table {table} cannot be read back ({str(exc).splitlines()[0]})"
    return None
