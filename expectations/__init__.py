"""Great Expectations suites kept as JSON files in `expectations/suites/`, and the runner for them.

`raw_records`: the contract's row rules, one suite per entity, run by ingest on every load.
`runner.run_suite`: runs any suite document on a pandas frame, offline.
"""
