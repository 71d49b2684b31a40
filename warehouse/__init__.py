"""The DuckDB warehouse: schema and migrations, ingest with quarantine, load log, reference data."""
