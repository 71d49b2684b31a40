-- The nine entities of the data contract, the load log, the quarantine, and kept indicator runs.
-- Entity tables have no PRIMARY KEY: ingest keeps each key unique itself (the last row of a file
-- wins; a load replaces the rows whose keys it brings), and DuckDB's key indexes made replacing
-- a million rows 25x slower.
CREATE TABLE mechanisms (
    mechanism_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    theme VARCHAR
);

CREATE TABLE organisations (
    org_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    org_type VARCHAR NOT NULL,
    country VARCHAR NOT NULL,
    women_led BOOLEAN NOT NULL,
    youth_led BOOLEAN NOT NULL,
    constituencies VARCHAR[] NOT NULL,
    budget_band VARCHAR NOT NULL,
    ecosoc_status BOOLEAN NOT NULL,
    at_risk BOOLEAN NOT NULL
);

CREATE TABLE engagements (
    engagement_id VARCHAR NOT NULL,
    mechanism_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    country VARCHAR,
    modality VARCHAR NOT NULL,
    languages VARCHAR[] NOT NULL,
    accessibility VARCHAR[] NOT NULL,
    output_published_on DATE
);

CREATE TABLE participations (
    engagement_id VARCHAR NOT NULL,
    org_id VARCHAR NOT NULL,
    registered BOOLEAN NOT NULL,
    attended BOOLEAN NOT NULL,
    spoke BOOLEAN NOT NULL,
    participants_total INTEGER NOT NULL,
    participants_women INTEGER NOT NULL,
    outcome_communicated_on DATE
);

CREATE TABLE submissions (
    submission_id VARCHAR NOT NULL,
    engagement_id VARCHAR NOT NULL,
    org_id VARCHAR,
    received_on DATE NOT NULL,
    language VARCHAR NOT NULL,
    acknowledged_on DATE,
    reflected_in_output BOOLEAN
);

CREATE TABLE recommendations (
    recommendation_id VARCHAR NOT NULL,
    mechanism_id VARCHAR NOT NULL,
    engagement_id VARCHAR,
    issued_on DATE NOT NULL,
    addressee_country VARCHAR NOT NULL,
    text VARCHAR NOT NULL,
    themes VARCHAR[] NOT NULL,
    state_response VARCHAR NOT NULL,
    specificity INTEGER,
    informed_by_cso BOOLEAN NOT NULL,
    due_on DATE,
    recommending_country VARCHAR,
    recommending_group VARCHAR
);

CREATE TABLE follow_ups (
    follow_up_id VARCHAR NOT NULL,
    recommendation_id VARCHAR NOT NULL,
    reported_on DATE NOT NULL,
    source VARCHAR NOT NULL,
    status VARCHAR NOT NULL
);

CREATE TABLE feedback (
    response_id VARCHAR NOT NULL,
    engagement_id VARCHAR NOT NULL,
    org_id VARCHAR,
    submitted_on DATE NOT NULL,
    satisfaction INTEGER NOT NULL,
    felt_heard INTEGER NOT NULL,
    informed_of_outcome BOOLEAN NOT NULL,
    faced_restrictions BOOLEAN NOT NULL
);

CREATE TABLE targets (
    indicator_id VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    baseline DOUBLE,
    target DOUBLE NOT NULL
);

-- One row per file loaded: rows_read = rows_loaded + rows_quarantined.
CREATE TABLE load_log (
    load_id VARCHAR PRIMARY KEY,
    file VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    entity VARCHAR NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_loaded BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    warnings VARCHAR[] NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL
);

-- Rejected rows, with every reason and the raw values as read (JSON object of strings).
CREATE TABLE quarantine (
    load_id VARCHAR NOT NULL,
    entity VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    row_number BIGINT NOT NULL,
    reasons VARCHAR[] NOT NULL,
    raw VARCHAR NOT NULL
);

-- Every build is a run; run_id is derived from its inputs so the same inputs give the same run.
CREATE TABLE runs (
    run_id VARCHAR PRIMARY KEY,
    as_of DATE NOT NULL,
    built_at TIMESTAMP NOT NULL,
    catalogue_hash VARCHAR NOT NULL,
    data_hash VARCHAR NOT NULL,
    code_version VARCHAR NOT NULL,
    timings VARCHAR NOT NULL,      -- JSON: step -> seconds
    validation VARCHAR NOT NULL,   -- JSON: the output suite's result
    row_count BIGINT NOT NULL
);

-- The indicator table of the spec, internal (unsuppressed), one block per run.
CREATE TABLE indicator_values (
    run_id VARCHAR NOT NULL,
    indicator_id VARCHAR NOT NULL,
    indicator_name VARCHAR NOT NULL,
    area VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    grain VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    breakdown VARCHAR NOT NULL,
    breakdown_value VARCHAR NOT NULL,
    numerator BIGINT,
    denominator BIGINT,
    value DOUBLE,
    baseline DOUBLE,
    target DOUBLE,
    status VARCHAR NOT NULL,
    as_of DATE NOT NULL
);
