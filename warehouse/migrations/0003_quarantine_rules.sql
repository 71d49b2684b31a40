-- The rule each quarantine reason breaks, apart from the row's values: `rules` holds the rule ids
-- (as validation_results names them) and `rule_texts` the rules in words without the offending
-- values, both in the order of `reasons`, so the quarantine can be grouped by rule with counts
-- (thirty bad dates are one rule broken thirty times, not thirty reasons). Rows quarantined before
-- this migration have neither (null): their reasons stand for their rules.
ALTER TABLE quarantine ADD COLUMN rules VARCHAR[];
ALTER TABLE quarantine ADD COLUMN rule_texts VARCHAR[];
