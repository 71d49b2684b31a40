"""Indicators: the catalogue (data), the polars engine, kept runs, validation and exports."""
