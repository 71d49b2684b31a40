"""The words a reader sees for the contract's codes, the same on a dashboard and in a report.

Only what people read changes: exports, downloads, URLs and the report's traceability attributes keep
the raw codes, so a number can still be matched with its row.
"""

from __future__ import annotations

from foundation.vocabulary import CROSS
from warehouse.reference import NO_GROUP

#: the spec's value for an organisation-side breakdown when there is no organisation (an anonymous
#: submission or survey response)
NO_ORGANISATION = "unknown"

#: breakdown -> code -> label, for every breakdown whose values are codes of the contract
BREAKDOWN_VALUE_LABELS: dict[str, dict[str, str]] = {
    "mechanism_kind": {
        "special_procedure": "Special procedure", "treaty_body": "Treaty body", "upr": "UPR", "other": "Other",
    },
    "engagement_kind": {
        "consultation": "Consultation", "public_hearing": "Public hearing", "advisory_group": "Advisory group",
        "country_visit": "Country visit", "interactive_dialogue": "Interactive dialogue",
        "online_consultation": "Online consultation", "call_for_input": "Call for input", "training": "Training",
        "side_event": "Side event", "review": "Review",
    },
    "modality": {"in_person": "In person", "online": "Online", "hybrid": "Hybrid"},
    "org_type": {
        "international_ngo": "International NGO", "regional_ngo": "Regional NGO", "national_ngo": "National NGO",
        "community_based": "Community-based organisation", "network": "Network", "academic": "Academic",
        "other": "Other", NO_ORGANISATION: "Unknown (anonymous)",
    },
    "region": {
        "AG": "African Group", "APG": "Asia-Pacific Group", "EEG": "Eastern European Group", "GRULAC": "GRULAC",
        "WEOG": "WEOG", NO_GROUP: "No regional group", NO_ORGANISATION: "Unknown (anonymous)",
    },
}
KIND_LABELS = BREAKDOWN_VALUE_LABELS["mechanism_kind"]


def plain_cell(breakdown: str, value: str) -> tuple[str, str]:
    """A crossed cell (`mechanism_id|region`, `CRC|AG`) as the plain cell it restricts (`region`,
    `AG`): the mechanism is said once, in the title, not on every bar. Plain cells come back as given."""
    if CROSS not in breakdown:
        return breakdown, value
    return breakdown.split(CROSS, 1)[1], value.split(CROSS, 1)[1]


def value_label(breakdown: str, value: str) -> str:
    """What a reader sees for one breakdown value: its label, or the value itself where it has none
    (a mechanism id, an engagement id, the total's `all`); a crossed cell reads as its plain value."""
    breakdown, value = plain_cell(breakdown, value)
    return BREAKDOWN_VALUE_LABELS.get(breakdown, {}).get(value, value)


def reading_order(breakdown: str, value: str) -> tuple[int, str]:
    """Sort key putting a breakdown's values in the label table's order (the contract's, with no
    group and no organisation last), and values without a label after them, A to Z."""
    breakdown, value = plain_cell(breakdown, value)
    labels = BREAKDOWN_VALUE_LABELS.get(breakdown, {})
    return (list(labels).index(value) if value in labels else len(labels), value)
