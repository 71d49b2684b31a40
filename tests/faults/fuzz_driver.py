"""Ingests each mutated file given into WAREHOUSE, one JSON line per file as soon as it is done (the
test bounds the time of each line): loaded (with read/loaded/quarantined counts), refused (the
sentence) or crashed (the exception that is not an AgoraError, with its traceback).

usage: python fuzz_driver.py WAREHOUSE FILE...
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

from foundation.errors import AgoraError
from metrics.catalogue import load_catalogue
from warehouse.ingest import ingest_paths


def main(warehouse: Path, files: list[Path]) -> None:
    known = load_catalogue().ids
    for file in files:
        try:
            result = ingest_paths(warehouse, [file], entity="engagements", known_indicators=known)
            line = {"file": file.name, "outcome": "loaded", "counts": [
                (o.rows_read, o.rows_loaded, o.rows_quarantined) for o in result.files]}
        except AgoraError as exc:
            line = {"file": file.name, "outcome": "refused", "message": str(exc)}
        except Exception:  # noqa: BLE001 - what the test is looking for
            line = {"file": file.name, "outcome": "crashed", "message": traceback.format_exc()}
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]])
