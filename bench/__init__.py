"""Benchmarks: one module per measured command, each runnable as `python -m bench.<name> --scale N`."""
