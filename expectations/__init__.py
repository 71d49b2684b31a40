"""Great Expectations suites kept as JSON files in `expectations/suites/`, and the runner for them.

`raw_records`: the contract's row rules, one suite per entity, run by ingest on every load.
`runner.run_suite`: runs any suite document on a pandas frame, offline; `runner.breaking_rows`
names the rows of a polars frame breaking a suite of row-by-row rules, GX running on distinct values.
"""
