-- The rule each quarantine reason breaks, apart from the row's values: one row per reason of a
-- quarantined row (position 1 is its first reason), with the rule id (as validation_results names
-- it) and the rule in words without the offending values, so the quarantine can be grouped by rule
-- with counts (thirty bad dates are one rule broken thirty times, not thirty reasons). A table of
-- its own, so the quarantine keeps its columns; rows quarantined before it have none, and their
-- reasons stand for their rules.
CREATE TABLE quarantine_rules (
    load_id VARCHAR NOT NULL,
    entity VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    row_number BIGINT NOT NULL,
    position INTEGER NOT NULL,
    rule VARCHAR NOT NULL,
    rule_text VARCHAR NOT NULL
);
