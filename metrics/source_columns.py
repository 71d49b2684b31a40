"""What each source's records carry: every column a catalogue may filter on, sum, take a median of or
break down by, with its meaning, its type and (for categories) its values. Declared once, here: the
catalogue checks indicators against it, `metrics.sources` builds frames that match it (a test holds
them to it), and `agora indicators --columns` prints it for catalogue writers (README links it).

Types: `category` (text from a set: a breakdown may use it; `unknown` stands for a missing
organisation), `bool` (true/false; a breakdown shows it as `true`/`false`), `int` (a whole
number), `date`, and `member` (a number standing for an organisation: only for `distinct`, never
shown, never a breakdown). A column marked nullable may be empty (a date not reached by the build
date, an optional field, an anonymous record's organisation): a filter comparison with an empty cell
is false, and a breakdown shows it as `unknown`.
"""

from __future__ import annotations

from dataclasses import dataclass

from foundation.vocabulary import UNKNOWN
from warehouse.contract import (BUDGET_BANDS, ENGAGEMENT_KINDS, FOLLOW_UP_STATUSES, MECHANISM_KINDS, MODALITIES,
                                ORG_TYPES, STATE_RESPONSES)
from warehouse.reference import NO_GROUP, REGIONAL_GROUPS

COLUMN_TYPES = ("category", "bool", "int", "date", "member")
#: the types a breakdown may use
CATEGORICAL_TYPES = ("category", "bool")


@dataclass(frozen=True)
class SourceColumn:
    name: str
    type: str
    meaning: str
    #: the values a category takes; empty for an open set (ids, country and language codes)
    values: tuple[str, ...] = ()
    #: the column may be empty (dates not yet reached, optional fields, anonymous records)
    nullable: bool = False

    @property
    def categorical(self) -> bool:
        return self.type in CATEGORICAL_TYPES


@dataclass(frozen=True)
class SourceSpec:
    name: str
    #: what one row is
    row: str
    #: the dates that may place a record in a period (reference_date)
    date_columns: tuple[str, ...]
    columns: tuple[SourceColumn, ...]
    #: attributes of the organisation a row belongs to (one value per organisation): a distinct count
    #: of organisations evaluates filters on them once per organisation
    member_attributes: tuple[str, ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def categorical_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.categorical)

    def column(self, name: str) -> SourceColumn | None:
        return next((c for c in self.columns if c.name == name), None)


C = SourceColumn


def _engagement_side(of: str, with_id: bool = True) -> tuple[SourceColumn, ...]:
    return (
        *((C("engagement_id", "category", of),) if with_id else ()),
        C("mechanism_id", "category", f"the mechanism of {of}"),
        C("mechanism_kind", "category", f"the kind of the mechanism of {of}", MECHANISM_KINDS),
        C("engagement_kind", "category", f"the kind of {of}", ENGAGEMENT_KINDS),
        C("modality", "category", f"how {of} was held", MODALITIES),
    )


def _organisation_side(whose: str, may_be_missing: bool) -> tuple[SourceColumn, ...]:
    missing = f" (`{UNKNOWN}` when there is no organisation)" if may_be_missing else ""
    empty = " (empty when there is no organisation)" if may_be_missing else ""
    return (
        C("org_type", "category", f"{whose} type{missing}", (*ORG_TYPES, *((UNKNOWN,) if may_be_missing else ()))),
        C("country", "category", f"{whose} country, ISO 3166-1 alpha-3{missing}"),
        C("region", "category", f"the UN regional group of {whose} country (`{NO_GROUP}` for a State in no "
                                f"group){missing}", (*REGIONAL_GROUPS, NO_GROUP, *((UNKNOWN,) if may_be_missing else ()))),
        C("women_led", "bool", f"{whose} is women-led{empty}", nullable=may_be_missing),
        C("youth_led", "bool", f"{whose} is youth-led{empty}", nullable=may_be_missing),
        C("ecosoc_status", "bool", f"{whose} has ECOSOC consultative status{empty}", nullable=may_be_missing),
        C("budget_band", "category", f"{whose} annual budget band, USD{missing}", BUDGET_BANDS),
        C("constituency_count", "int", f"how many different constituencies {whose} serves (0 for none){empty}",
          nullable=may_be_missing),
    )


#: organisation attributes every source with an organisation carries (and a distinct count reads per member)
ORGANISATION_ATTRIBUTES = tuple(c.name for c in _organisation_side("", False))

SOURCE_SPECS: dict[str, SourceSpec] = {s.name: s for s in (
    SourceSpec(
        "contacts",
        "one contact of an organisation with an engagement: an attended participation (dated by the "
        "engagement's start_date) or a submission with an org_id (dated by received_on)",
        ("contact_date", "first_contact_date"),
        (
            C("org_id", "member", "a number standing for the organisation (count it with distinct = \"org_id\")"),
            C("contact_date", "date", "the contact's date: the engagement's start_date for an attendance, "
                                      "received_on for a submission"),
            C("first_contact_date", "date", "the organisation's first contact ever, up to the build date"),
            C("contact_kind", "category", "how the organisation took part", ("attendance", "submission")),
            *_engagement_side("the engagement", with_id=False),
            *_organisation_side("the organisation's", may_be_missing=False),
        ),
        member_attributes=("first_contact_date", *ORGANISATION_ATTRIBUTES),
    ),
    SourceSpec(
        "participations",
        "one organisation registered at one engagement that started by the build date",
        ("start_date", "end_date"),
        (
            C("org_id", "member", "a number standing for the organisation"),
            C("start_date", "date", "the engagement's first day"),
            C("end_date", "date", "the engagement's last day"),
            C("registered", "bool", "the organisation registered"),
            C("attended", "bool", "the organisation attended"),
            C("spoke", "bool", "the organisation took the floor"),
            C("participants_total", "int", "people the organisation sent"),
            C("participants_women", "int", "women among them"),
            C("days_since_engagement_end", "int", "days from the engagement's end_date to the build date "
                                                  "(negative while it runs)"),
            C("outcome_communicated_on", "date", "when the organisation was told how its input was used (empty "
                                                 "when not by the build date)", nullable=True),
            C("days_to_outcome", "int", "days from the engagement's end_date to outcome_communicated_on (empty "
                                        "when not communicated by the build date)", nullable=True),
            *_engagement_side("the engagement"),
            *_organisation_side("the organisation's", may_be_missing=False),
        ),
        member_attributes=ORGANISATION_ATTRIBUTES,
    ),
    SourceSpec(
        "engagements",
        "one engagement that started by the build date",
        ("start_date", "end_date"),
        (
            C("start_date", "date", "the engagement's first day"),
            C("end_date", "date", "the engagement's last day"),
            *_engagement_side("the engagement"),
            C("country", "category", f"the venue, or the visited or reviewed State, ISO alpha-3 "
                                     f"(`{UNKNOWN}` when not given)"),
            C("output_published_on", "date", "when its report or outcome document was published (empty when "
                                             "not by the build date)", nullable=True),
            C("language_count", "int", "different languages offered"),
            C("accessibility_count", "int", "different accessibility measures offered"),
            C("attended_participations", "int", "participations with attended = true"),
            C("submissions_received", "int", "submissions to it received by the build date"),
        ),
    ),
    SourceSpec(
        "submissions",
        "one written submission received by the build date",
        ("received_on",),
        (
            C("org_id", "member", "a number standing for the organisation (empty for an individual)", nullable=True),
            C("received_on", "date", "the day it was received"),
            C("language", "category", "its language, ISO 639-1"),
            C("days_since_receipt", "int", "days from received_on to the build date"),
            C("acknowledged_on", "date", "when it was acknowledged (empty when not by the build date)",
              nullable=True),
            C("days_to_acknowledge", "int", "days from received_on to acknowledged_on (empty when not "
                                            "acknowledged by the build date)", nullable=True),
            C("reflected_in_output", "bool", "its input is reflected in the output (empty until assessed)",
              nullable=True),
            *_engagement_side("the engagement it was sent to"),
            *_organisation_side("the submitting organisation's", may_be_missing=True),
        ),
        member_attributes=ORGANISATION_ATTRIBUTES,
    ),
    SourceSpec(
        "recommendations",
        "one recommendation issued by the build date",
        ("issued_on", "due_on"),
        (
            C("issued_on", "date", "the day it was issued"),
            C("due_on", "date", "its follow-up deadline (empty when none)", nullable=True),
            C("mechanism_id", "category", "the mechanism that issued it"),
            C("mechanism_kind", "category", "the kind of that mechanism", MECHANISM_KINDS),
            C("engagement_id", "category", f"the engagement that produced it (`{UNKNOWN}` when none)"),
            C("addressee_country", "category", "the State it is addressed to, ISO alpha-3"),
            C("region", "category", f"the UN regional group of the addressee (`{NO_GROUP}` for a State in no group)",
              (*REGIONAL_GROUPS, NO_GROUP)),
            C("state_response", "category", "the State's response", STATE_RESPONSES),
            C("specificity", "int", "1 minimal action ... 5 specific action (empty when not rated)", nullable=True),
            C("informed_by_cso", "bool", "it cites or draws on civil-society input"),
            C("theme_count", "int", "how many different themes it is tagged with"),
            C("days_since_issue", "int", "days from issued_on to the build date"),
            C("days_to_first_follow_up", "int", "days from issued_on to its first follow-up reported by the "
                                                "build date (empty when none)", nullable=True),
            C("latest_follow_up_status", "category", "the status its latest follow-up reports (latest "
                                                     "reported_on, ties to the greatest follow_up_id; empty when "
                                                     "none by the build date)", FOLLOW_UP_STATUSES, nullable=True),
            C("follow_up_count", "int", "follow-ups reported by the build date"),
            C("days_past_due", "int", "days from due_on to the build date (empty when no due_on)", nullable=True),
            C("followed_up_by_due_date", "bool", "a follow-up was reported on or before due_on"),
        ),
    ),
    SourceSpec(
        "feedback",
        "one feedback response submitted by the build date",
        ("submitted_on",),
        (
            C("org_id", "member", "a number standing for the organisation (empty when anonymous)", nullable=True),
            C("submitted_on", "date", "the day it was submitted"),
            C("satisfaction", "int", "1 to 5"),
            C("felt_heard", "int", "1 to 5"),
            C("informed_of_outcome", "bool", "the respondent was told the outcome"),
            C("faced_restrictions", "bool", "the respondent faced obstacles, intimidation or restrictions"),
            *_engagement_side("the engagement it is about"),
            *_organisation_side("the responding organisation's", may_be_missing=True),
        ),
        member_attributes=ORGANISATION_ATTRIBUTES,
    ),
)}


def columns_reference() -> str:
    """Every source's columns as Markdown (docs/catalogue-columns.md is this text)."""
    lines = ["# Source columns", "",
             "What each source's records carry, for catalogue writers (`metrics/source_columns.py`; "
             "`agora indicators --columns` prints this page).", ""]
    for spec in SOURCE_SPECS.values():
        lines += [f"## {spec.name}", "", f"One row: {spec.row}. Reference dates: {', '.join(spec.date_columns)}.", "",
                  "| column | type | meaning | values |", "|---|---|---|---|"]
        for column in spec.columns:
            values = ", ".join(f"`{v}`" for v in column.values) if column.values else (
                "`true`, `false`" if column.type == "bool" else "")
            breakdown = " (breakdown)" if column.categorical else ""
            lines.append(f"| {column.name} | {column.type}{breakdown} | {column.meaning} | {values} |")
        lines.append("")
    return "\n".join(lines)
