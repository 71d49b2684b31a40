-- What every check of a load found, per file: one row per Great Expectations expectation of the
-- entity's suite and per check ingest makes itself (cells read as their type, keys that must exist,
-- rules across entities, duplicate keys). Written in the load's transaction, beside its load_log row.
-- unexpected_count counts the rows quarantined with this check among their reasons, so a cell that
-- could not be read counts under its type check, not again as empty.
CREATE TABLE validation_results (
    load_id VARCHAR NOT NULL,
    entity VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    position INTEGER NOT NULL,         -- the order the checks ran in (and a row's reasons follow)
    checked_by VARCHAR NOT NULL,       -- 'great_expectations' or 'ingest'
    expectation VARCHAR NOT NULL,      -- the GX expectation type, or the name of ingest's check
    column_name VARCHAR,               -- null for a rule over several columns or a whole row
    rule VARCHAR NOT NULL,             -- the contract rule, as quarantine reasons and suites name it
    success BOOLEAN NOT NULL,
    unexpected_count BIGINT NOT NULL,  -- rows breaking the rule
    element_count BIGINT NOT NULL      -- rows checked (every row of the file)
);
