"""The data contract (shared/spec/data-contract.md) as data: one source for the schema checks,
ingest coercion, the Great Expectations suites, the generator and the docs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class Column:
    name: str
    #: text | enum | date | bool | int | float | country | language | list_text | list_enum | list_language
    type: str
    required: bool = True
    key: bool = False
    values: tuple[str, ...] = ()
    #: entity whose key this column must name (checked against the warehouse and the same load)
    references: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    #: sensitive columns never appear in public outputs
    sensitive: bool = False
    #: a list column the contract says "may be empty": an empty cell is an empty list, not a missing value
    may_be_empty: bool = False
    #: a text code (not an id, enum or country) that must not contain the crossed-cell bar `|`
    code: bool = False

    @property
    def is_list(self) -> bool:
        return self.type.startswith("list_")

    @property
    def bar_free(self) -> bool:
        """Contract v2: an id, a code or a list item never contains `|` (crossed cells use it).
        Enums, countries and languages already admit only their listed values, so only free text
        ids (keys, references), text codes and free-text list items need the rule of their own."""
        return self.type in ("text", "list_text") and (self.key or self.references is not None or self.code
                                                      or self.is_list)

    @property
    def is_date(self) -> bool:
        return self.type == "date"


@dataclass(frozen=True)
class Entity:
    name: str
    columns: tuple[Column, ...]
    #: cross-column rules, as (rule id, plain-language reason); checked in ingest
    row_rules: tuple[tuple[str, str], ...] = field(default=())

    # Cached: ingest asks for them once per column of a file, and a file may have a thousand.
    @cached_property
    def key(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.key)

    @cached_property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


MECHANISM_KINDS = ("special_procedure", "treaty_body", "upr", "other")
ORG_TYPES = ("international_ngo", "regional_ngo", "national_ngo", "community_based", "network", "academic", "other")
CONSTITUENCIES = (
    "women", "children_youth", "persons_with_disabilities", "indigenous_peoples", "lgbti", "minorities",
    "migrants_refugees", "older_persons", "rural_communities", "human_rights_defenders",
)
BUDGET_BANDS = ("lt_50k", "50k_250k", "250k_1m", "gt_1m", "unknown")
ENGAGEMENT_KINDS = (
    "consultation", "public_hearing", "advisory_group", "country_visit", "interactive_dialogue",
    "online_consultation", "call_for_input", "training", "side_event", "review",
)
MODALITIES = ("in_person", "online", "hybrid")
ACCESSIBILITY = ("sign_language", "captioning", "interpretation", "easy_read", "step_free_access")
STATE_RESPONSES = ("supported", "noted", "pending", "none")
FOLLOW_UP_SOURCES = ("state", "cso", "mechanism", "un_entity")
FOLLOW_UP_STATUSES = ("no_information", "not_implemented", "in_progress", "partially_implemented", "implemented")

C = Column

ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (
        Entity("mechanisms", (
            C("mechanism_id", "text", key=True),
            C("name", "text"),
            C("kind", "enum", values=MECHANISM_KINDS),
            C("theme", "text", required=False),
        )),
        Entity("organisations", (
            C("org_id", "text", key=True, sensitive=True),
            C("name", "text", sensitive=True),
            C("org_type", "enum", values=ORG_TYPES),
            C("country", "country"),
            C("women_led", "bool"),
            C("youth_led", "bool"),
            C("constituencies", "list_enum", values=CONSTITUENCIES, may_be_empty=True),
            C("budget_band", "enum", values=BUDGET_BANDS),
            C("ecosoc_status", "bool"),
            C("at_risk", "bool", sensitive=True),
        )),
        Entity("engagements", (
            C("engagement_id", "text", key=True),
            C("mechanism_id", "text", references="mechanisms"),
            C("kind", "enum", values=ENGAGEMENT_KINDS),
            C("title", "text"),
            C("start_date", "date"),
            C("end_date", "date"),
            C("country", "country", required=False),
            C("modality", "enum", values=MODALITIES),
            C("languages", "list_language"),
            C("accessibility", "list_enum", values=ACCESSIBILITY, may_be_empty=True),
            C("output_published_on", "date", required=False),
        ), row_rules=(("end_after_start", "end_date is before start_date"),)),
        Entity("participations", (
            C("engagement_id", "text", key=True, references="engagements"),
            C("org_id", "text", key=True, references="organisations", sensitive=True),
            C("registered", "bool"),
            C("attended", "bool"),
            C("spoke", "bool"),
            C("participants_total", "int", minimum=0),
            C("participants_women", "int", minimum=0),
            C("outcome_communicated_on", "date", required=False),
        ), row_rules=(
            ("spoke_only_if_attended", "spoke is true but attended is not"),
            ("women_within_total", "participants_women is greater than participants_total"),
        )),
        Entity("submissions", (
            C("submission_id", "text", key=True),
            C("engagement_id", "text", references="engagements"),
            C("org_id", "text", required=False, references="organisations", sensitive=True),
            C("received_on", "date"),
            C("language", "language"),
            C("acknowledged_on", "date", required=False),
            C("reflected_in_output", "bool", required=False),
        ), row_rules=(("acknowledged_after_received", "acknowledged_on is before received_on"),)),
        Entity("recommendations", (
            C("recommendation_id", "text", key=True),
            C("mechanism_id", "text", references="mechanisms"),
            C("engagement_id", "text", required=False, references="engagements"),
            C("issued_on", "date"),
            C("addressee_country", "country"),
            C("text", "text"),
            C("themes", "list_text"),
            C("state_response", "enum", values=STATE_RESPONSES),
            C("specificity", "int", required=False, minimum=1, maximum=5),
            C("informed_by_cso", "bool"),
            C("due_on", "date", required=False),
            # Compatible extension (UPR import): the recommending State and its regional group.
            C("recommending_country", "country", required=False),
            C("recommending_group", "text", required=False, code=True),
        )),
        Entity("follow_ups", (
            C("follow_up_id", "text", key=True),
            C("recommendation_id", "text", references="recommendations"),
            C("reported_on", "date"),
            C("source", "enum", values=FOLLOW_UP_SOURCES),
            C("status", "enum", values=FOLLOW_UP_STATUSES),
        ), row_rules=(("reported_after_issue", "reported_on is before the recommendation's issued_on"),)),
        Entity("feedback", (
            C("response_id", "text", key=True),
            C("engagement_id", "text", references="engagements"),
            C("org_id", "text", required=False, references="organisations", sensitive=True),
            C("submitted_on", "date"),
            C("satisfaction", "int", minimum=1, maximum=5),
            C("felt_heard", "int", minimum=1, maximum=5),
            C("informed_of_outcome", "bool"),
            C("faced_restrictions", "bool"),
        )),
        Entity("targets", (
            C("indicator_id", "text", key=True),
            C("period", "text", key=True),
            C("baseline", "float", required=False),
            C("target", "float"),
        ), row_rules=(
            ("known_indicator", "indicator_id is not an indicator of the catalogue"),
            ("period_format", "period is not a year (2026), quarter (2026-Q3) or month (2026-07)"),
        )),
    )
}

#: the order a folder is ingested in: parents before children
LOAD_ORDER: tuple[str, ...] = tuple(ENTITIES)
