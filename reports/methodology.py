"""The catalogue's computation fields said in plain words, for a report's methodology.

A catalogue entry says what it counts with a source (a kind of record), filters (column, operator,
value) and sums or a measure. Any filter of any catalogue (a user's included) reads as words from
three parts: the column's description (`COLUMN_WORDS`; a column it does not know reads as its name
with spaces), the operator's words and the value's label (`figures.labels`, else the code with
spaces). Yes/no columns read as what the record did ("that registered", "that did not attend").
"""

from __future__ import annotations

from figures.labels import value_label
from metrics.catalogue import Filter

#: what one record of each source is, in the plural
SOURCE_NOUNS = {
    "contacts": "organisations in contact with a mechanism (attending an engagement or sending a submission)",
    "participations": "participations (one organisation at one engagement)",
    "engagements": "engagements",
    "submissions": "written submissions",
    "recommendations": "recommendations",
    "feedback": "feedback responses",
}
#: yes/no columns: what a record with yes does, and with no
YES_NO_WORDS = {
    "registered": ("registered", "did not register"),
    "attended": ("attended", "did not attend"),
    "spoke": ("spoke", "did not speak"),
    "women_led": ("are led by women", "are not led by women"),
    "reflected_in_output": ("were reflected in the mechanism's output", "were not reflected in the output"),
    "informed_by_cso": ("drew on civil-society input", "did not draw on civil-society input"),
    "faced_restrictions": ("report facing restrictions", "report no restrictions"),
    "followed_up_by_due_date": ("were followed up by their due date", "were not followed up by their due date"),
}
#: every other column a filter, sum or measure may name, as a noun phrase
COLUMN_WORDS = {
    "org_id": "organisation",
    "contact_date": "date of the contact",
    "first_contact_date": "date of the organisation's first contact with any mechanism",
    "mechanism_kind": "kind of mechanism",
    "mechanism_id": "mechanism",
    "engagement_kind": "kind of engagement",
    "engagement_id": "engagement",
    "modality": "modality",
    "region": "UN regional group",
    "org_type": "type of organisation",
    "constituency_count": "number of marginalised constituencies the organisation works with",
    "budget_band": "annual budget",
    "start_date": "engagement's start date",
    "end_date": "engagement's end date",
    "participants_total": "number of people the organisation sent",
    "participants_women": "number of women among them",
    "days_since_engagement_end": "number of days from the engagement's end to the build date",
    "days_to_outcome": "number of days from the engagement's end until the organisation was told the outcome",
    "language_count": "number of languages offered",
    "accessibility_count": "number of accessibility measures offered",
    "attended_participations": "number of organisations that attended",
    "submissions_received": "number of submissions received by the build date",
    "received_on": "date received",
    "days_since_receipt": "number of days from receipt to the build date",
    "days_to_acknowledge": "number of days from receipt to acknowledgement",
    "issued_on": "date of issue",
    "due_on": "follow-up deadline",
    "state_response": "State's response",
    "specificity": "specificity (1 minimal to 5 specific action)",
    "days_since_issue": "number of days from issue to the build date",
    "days_to_first_follow_up": "number of days from issue to the first follow-up",
    "latest_follow_up_status": "status of the latest follow-up",
    "days_past_due": "number of days past the follow-up deadline",
    "submitted_on": "date submitted",
    "satisfaction": "satisfaction score (1 to 5)",
    "felt_heard": "felt-heard score (1 to 5)",
}
#: codes of the contract the label tables of `figures.labels` do not cover
VALUE_WORDS = {
    "budget_band": {"lt_50k": "under USD 50,000", "50k_250k": "USD 50,000 to 250,000",
                    "250k_1m": "USD 250,000 to 1 million", "gt_1m": "over USD 1 million", "unknown": "unknown"},
}
OPERATOR_WORDS = {"eq": "is", "ne": "is not", "lt": "is under", "le": "is at most", "gt": "is over",
                  "ge": "is at least", "in": "is", "not_in": "is neither"}


def column_words(column: str) -> str:
    return COLUMN_WORDS.get(column, column.replace("_", " "))


def value_words(column: str, value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return f"{value:,}"
    text = str(value)
    label = VALUE_WORDS.get(column, {}).get(text) or value_label(column, text)
    if label == text:
        return text.replace("_", " ")
    # "Call for input" reads "call for input" mid-sentence; names ("African Group", "UPR") keep capitals.
    return label[:1].lower() + label[1:] if label[1:] == label[1:].lower() else label


def filter_words(item: Filter) -> str:
    """One filter as a relative clause: "that registered", "whose kind of engagement is not call for input"."""
    if item.column in YES_NO_WORDS and item.op in ("eq", "ne") and isinstance(item.value, bool):
        yes, no = YES_NO_WORDS[item.column]
        return f"that {yes if item.value == (item.op == 'eq') else no}"
    if item.column in YES_NO_WORDS and item.op in ("is_null", "not_null"):
        known = "it is recorded" if item.op == "not_null" else "it is not recorded"
        return f"for which {known} whether they {YES_NO_WORDS[item.column][0]}"
    noun = column_words(item.column)
    if item.op == "is_null":
        return f"whose {noun} is not recorded"
    if item.op == "not_null":
        return f"whose {noun} is recorded"
    if item.op in ("in", "not_in"):
        values = [value_words(item.column, v) for v in item.value]
        joiner = " or " if item.op == "in" else " nor "
        listed = values[0] if len(values) == 1 else f"{', '.join(values[:-1])}{joiner}{values[-1]}"
        return f"whose {noun} {OPERATOR_WORDS[item.op]} {listed}"
    return f"whose {noun} {OPERATOR_WORDS[item.op]} {value_words(item.column, item.value)}"


def clauses(filters) -> str:
    return " and ".join(filter_words(f) for f in filters)


def population_words(indicator) -> str | None:
    """What the indicator counts over, in words; None where a dedicated rule computes it (its
    definition then says it)."""
    if indicator.compute:
        return None
    noun = SOURCE_NOUNS.get(indicator.source, indicator.source.replace("_", " "))
    if indicator.distinct == "org_id" and indicator.source != "contacts":
        noun = f"organisations among the {noun}"
    text = noun[:1].upper() + noun[1:]
    if indicator.population_filters:
        text += " " + clauses(indicator.population_filters)
    if indicator.denominator_sum:
        text += f", adding up the {column_words(indicator.denominator_sum)}"
    return text + "."


def numerator_words(indicator) -> str | None:
    """What the value is made of, beyond the population, in words (None for a plain count)."""
    if indicator.compute:
        return None
    if indicator.measure:
        return f"The median of the {column_words(indicator.measure)}."
    if indicator.numerator_sum:
        over = "the total above" if indicator.denominator_sum else f"the number of {indicator.source}"
        return f"The {column_words(indicator.numerator_sum)}, added up and divided by {over}."
    if indicator.numerator_filters:
        return f"Those {clauses(indicator.numerator_filters)}, as a share of all of them."
    return None
