-- Each run keeps the catalogue it was built with: its text (a self-contained TOML document that
-- metrics.runs.run_catalogue parses) and the hash of the reference data it was built on. The
-- catalogue's reference rows are kept too, so the published snapshot copies them without the
-- warehouse having to read a catalogue. Runs kept before this migration have neither (empty).
ALTER TABLE runs ADD COLUMN catalogue_text VARCHAR;
ALTER TABLE runs ADD COLUMN reference_hash VARCHAR;

CREATE TABLE run_catalogue_rows (
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
    breakdowns VARCHAR[] NOT NULL
);
