"""Benchmarks: one module per measured command, each runnable as `python -m bench.<name> --scale N`."""

from __future__ import annotations

import os
import subprocess
import sys
import time


def run_child(module: str, *arguments: str) -> tuple[float, "os.struct_rusage"]:
    """Run `python -m MODULE --child ARGUMENTS...`; its wall seconds and its own resource usage (wait4),
    so peak memory (ru_maxrss, KiB) and CPU time are the child's alone."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", module, "--child", *arguments])
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{module} {' '.join(arguments)} failed (exit {os.waitstatus_to_exitcode(status)})")
    return time.perf_counter() - started, usage
