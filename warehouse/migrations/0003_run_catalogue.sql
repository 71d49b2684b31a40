-- Each run keeps the catalogue it was built with: its text (a self-contained TOML document that
-- metrics.runs.run_catalogue parses) and the hash of the reference data it was built on, in a table
-- beside runs keyed by run_id (so runs keeps its columns). The catalogue's reference rows are kept
-- too, so the published snapshot copies them without the warehouse reading a catalogue. A run kept
-- before this migration has neither: it was built with the shipped catalogue of its day.
CREATE TABLE IF NOT EXISTS run_catalogues (
    run_id VARCHAR PRIMARY KEY,
    catalogue_text VARCHAR NOT NULL,
    reference_hash VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS run_catalogue_rows (
    run_id VARCHAR NOT NULL,
    position INTEGER NOT NULL,         -- the indicator's place in the catalogue
    indicator_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    area VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    polarity VARCHAR NOT NULL,
    definition VARCHAR NOT NULL,
    population VARCHAR NOT NULL,
    numerator VARCHAR NOT NULL,
    breakdowns VARCHAR[] NOT NULL,
    headline BOOLEAN NOT NULL          -- an Overview card and a report summary line
);

-- The life-of-programme targets (targets rows of period LOP) as the run read them (ratios as shares):
-- they apply to no period row of the indicator table; the IPTT shows them beside the period targets.
CREATE TABLE IF NOT EXISTS run_programme_targets (
    run_id VARCHAR NOT NULL,
    indicator_id VARCHAR NOT NULL,
    baseline DOUBLE,
    target DOUBLE NOT NULL
);
