"""The record sets indicators are computed over, built from the warehouse for one build date.

Each source is a polars frame with one row per record the build date lets in, its reference dates,
the breakdown columns of the spec and a few derived columns (day counts relative to the build date,
counts of related records) that let the catalogue say in data what would otherwise need code.
Breakdown columns are text: `region` is the UN regional group (`none` for a State in no group,
`unknown` when there is no organisation); `org_type` is `unknown` when there is no organisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from foundation.vocabulary import UNKNOWN
from warehouse.reference import GROUP_MEMBERS, NO_GROUP

#: every breakdown of the spec; a source that offers one carries a text column of that name
BREAKDOWNS = ("total", "mechanism_kind", "mechanism_id", "engagement_kind", "modality", "region", "org_type",
              "engagement_id")

_ENGAGEMENT_SIDE = ("mechanism_kind", "mechanism_id", "engagement_kind", "modality")
_ORG_SIDE = ("region", "org_type")


@dataclass(frozen=True)
class Source:
    name: str
    #: what one row is, for the catalogue's readers
    row: str
    date_columns: tuple[str, ...]
    columns: tuple[str, ...]
    #: the columns that are attributes of the organisation a row belongs to (one value per org_id)
    member_attributes: tuple[str, ...] = ()


SOURCES: dict[str, Source] = {s.name: s for s in (
    Source("contacts", "one contact of an organisation with an engagement: an attended participation "
           "(dated by the engagement's start_date) or a submission with an org_id (dated by received_on); "
           "org_id is a number standing for the organisation",
           ("contact_date", "first_contact_date"),
           ("org_id", "contact_date", "first_contact_date", *_ENGAGEMENT_SIDE, *_ORG_SIDE, "women_led",
            "constituency_count", "budget_band"),
           ("first_contact_date", *_ORG_SIDE, "women_led", "constituency_count", "budget_band")),
    Source("participations", "one organisation at one engagement that started by the build date",
           ("start_date", "end_date"),
           ("org_id", "start_date", "end_date", "registered", "attended", "spoke", "participants_total",
            "participants_women", "days_since_engagement_end", "days_to_outcome", *_ENGAGEMENT_SIDE,
            *_ORG_SIDE)),
    Source("engagements", "one engagement that started by the build date",
           ("start_date", "end_date"),
           ("engagement_id", "start_date", "end_date", *_ENGAGEMENT_SIDE, "language_count",
            "accessibility_count", "attended_participations", "submissions_received")),
    Source("submissions", "one written submission received by the build date",
           ("received_on",),
           ("received_on", "days_since_receipt", "days_to_acknowledge", "reflected_in_output",
            *_ENGAGEMENT_SIDE, *_ORG_SIDE)),
    Source("recommendations", "one recommendation issued by the build date",
           ("issued_on", "due_on"),
           ("issued_on", "due_on", "state_response", "specificity", "informed_by_cso", "days_since_issue",
            "days_to_first_follow_up", "latest_follow_up_status", "days_past_due", "followed_up_by_due_date",
            "mechanism_kind", "mechanism_id", "engagement_id", "region")),
    Source("feedback", "one feedback response submitted by the build date",
           ("submitted_on",),
           ("submitted_on", "satisfaction", "felt_heard", "faced_restrictions", *_ENGAGEMENT_SIDE, *_ORG_SIDE)),
)}


def _days_between(later: pl.Expr, earlier: pl.Expr) -> pl.Expr:
    return (later - earlier).dt.total_days()


def _known_by(as_of: date, column: str) -> pl.Expr:
    """The date when it is on or before the build date, else empty (it has not happened yet)."""
    return pl.when(pl.col(column) <= as_of).then(pl.col(column))


def regional_groups() -> pl.DataFrame:
    return pl.DataFrame(
        [(iso3, group) for group, members in GROUP_MEMBERS.items() for iso3 in members],
        schema={"country": pl.String, "region": pl.String}, orient="row",
    )


def _read(con: duckdb.DuckDBPyConnection, query: str, parameters: list | None = None) -> pl.DataFrame:
    return con.sql(query, params=parameters or []).pl()


class WarehouseRecords:
    """The warehouse's entity tables as polars frames, with the attributes breakdowns need resolved."""

    def __init__(self, con: duckdb.DuckDBPyConnection, as_of: date) -> None:
        self.as_of = as_of
        self.organisations = _read(con, """
            SELECT org_id, org_type, country, women_led, budget_band,
                   len(list_distinct(constituencies)) AS constituency_count
            FROM organisations""").join(regional_groups(), on="country", how="left").with_columns(
            pl.col("region").fill_null(NO_GROUP)).drop("country")
        self.engagements = _read(con, """
            SELECT e.engagement_id, e.mechanism_id, m.kind AS mechanism_kind, e.kind AS engagement_kind,
                   e.modality, e.start_date, e.end_date,
                   len(list_distinct(e.languages)) AS language_count,
                   len(list_distinct(e.accessibility)) AS accessibility_count
            FROM engagements e JOIN mechanisms m USING (mechanism_id)""")
        self.participations = _read(con, """
            SELECT engagement_id, org_id, registered, attended, spoke, participants_total, participants_women,
                   outcome_communicated_on
            FROM participations""")
        self.submissions = _read(con, """
            SELECT engagement_id, org_id, received_on, acknowledged_on, reflected_in_output
            FROM submissions WHERE received_on <= ?""", [as_of])
        self.recommendations = _read(con, """
            SELECT r.recommendation_id, r.mechanism_id, m.kind AS mechanism_kind,
                   coalesce(r.engagement_id, ?) AS engagement_id, r.issued_on, r.addressee_country AS country,
                   r.state_response, r.specificity, r.informed_by_cso, r.due_on
            FROM recommendations r JOIN mechanisms m USING (mechanism_id)
            WHERE r.issued_on <= ?""", [UNKNOWN, as_of])
        self.follow_ups = _read(con, """
            SELECT recommendation_id, follow_up_id, reported_on, status
            FROM follow_ups WHERE reported_on <= ?""", [as_of])
        self.feedback = _read(con, """
            SELECT engagement_id, org_id, submitted_on, satisfaction, felt_heard, faced_restrictions
            FROM feedback WHERE submitted_on <= ?""", [as_of])

    def _with_engagement_and_org(self, records: pl.DataFrame) -> pl.DataFrame:
        """Add the engagement-side and organisation-side breakdowns (`unknown` without an organisation)."""
        engagement_side = self.engagements.select("engagement_id", *_ENGAGEMENT_SIDE)
        org_side = self.organisations.select("org_id", *_ORG_SIDE)
        return (records.join(engagement_side, on="engagement_id", how="left")
                .join(org_side, on="org_id", how="left")
                .with_columns(pl.col(c).fill_null(UNKNOWN) for c in _ORG_SIDE)
                # categories group faster than text, and breakdowns are grouped on many times
                .with_columns(pl.col(*_ENGAGEMENT_SIDE, *_ORG_SIDE).cast(pl.Categorical)))

    def participation_records(self) -> pl.DataFrame:
        """Participations at engagements that started by the build date."""
        as_of = self.as_of
        started = self.engagements.filter(pl.col("start_date") <= as_of).select("engagement_id", "start_date",
                                                                                 "end_date")
        records = self.participations.join(started, on="engagement_id", how="inner").with_columns(
            days_since_engagement_end=_days_between(pl.lit(as_of), pl.col("end_date")),
            days_to_outcome=_days_between(_known_by(as_of, "outcome_communicated_on"), pl.col("end_date")),
        ).drop("outcome_communicated_on")
        return self._with_engagement_and_org(records)

    def contact_records(self, participations: pl.DataFrame) -> pl.DataFrame:
        """One row per contact: an attended participation or a submission with an organisation. Repeated
        contacts are kept: every indicator over contacts counts distinct organisations."""
        attended = participations.filter(pl.col("attended")).select(
            "org_id", "engagement_id", contact_date=pl.col("start_date"))
        submitted = self.submissions.filter(pl.col("org_id").is_not_null()).select(
            "org_id", "engagement_id", contact_date=pl.col("received_on"))
        contacts = self._with_engagement_and_org(pl.concat([attended, submitted]))
        org_attributes = self.organisations.select(
            "org_id", "women_led", "constituency_count", "budget_band",
            # a number stands for the organisation: only its distinctness counts, and numbers
            # group far faster than text
            org_number=pl.int_range(pl.len(), dtype=pl.UInt32))
        return (contacts.drop("engagement_id")
                .join(org_attributes, on="org_id", how="left")
                .drop("org_id").rename({"org_number": "org_id"})
                .with_columns(first_contact_date=pl.col("contact_date").min().over("org_id")))

    def engagement_records(self) -> pl.DataFrame:
        """Engagements that started by the build date, with their attended participations and the
        submissions they received by the build date."""
        attended = self.participations.filter(pl.col("attended")).group_by("engagement_id").agg(
            attended_participations=pl.len())
        received = self.submissions.group_by("engagement_id").agg(submissions_received=pl.len())
        return (self.engagements.filter(pl.col("start_date") <= self.as_of)
                .join(attended, on="engagement_id", how="left")
                .join(received, on="engagement_id", how="left")
                .with_columns(pl.col("attended_participations", "submissions_received").fill_null(0)))

    def submission_records(self) -> pl.DataFrame:
        """Submissions received by the build date, whenever their engagement starts."""
        as_of = self.as_of
        return self._with_engagement_and_org(self.submissions.with_columns(
            days_since_receipt=_days_between(pl.lit(as_of), pl.col("received_on")),
            days_to_acknowledge=_days_between(_known_by(as_of, "acknowledged_on"), pl.col("received_on")),
        ))

    def recommendation_records(self) -> pl.DataFrame:
        """Recommendations issued by the build date, with what their follow-ups reported by then say."""
        as_of = self.as_of
        follow_up_summary = self.follow_ups.sort("reported_on", "follow_up_id").group_by("recommendation_id").agg(
            first_follow_up_on=pl.col("reported_on").min(),
            latest_follow_up_status=pl.col("status").last(),
        )
        return (self.recommendations
                .join(follow_up_summary, on="recommendation_id", how="left")
                .join(regional_groups(), on="country", how="left")
                .with_columns(
                    pl.col("region").fill_null(NO_GROUP),
                    days_since_issue=_days_between(pl.lit(as_of), pl.col("issued_on")),
                    days_to_first_follow_up=_days_between(pl.col("first_follow_up_on"), pl.col("issued_on")),
                    days_past_due=_days_between(pl.lit(as_of), pl.col("due_on")),
                    followed_up_by_due_date=(pl.col("first_follow_up_on") <= pl.col("due_on")).fill_null(False),
                ))

    def feedback_records(self) -> pl.DataFrame:
        return self._with_engagement_and_org(self.feedback)


def build_sources(con: duckdb.DuckDBPyConnection, as_of: date) -> dict[str, pl.DataFrame]:
    """Every source of `SOURCES`, for the build date `as_of`."""
    records = WarehouseRecords(con, as_of)
    participations = records.participation_records()
    return {
        "contacts": records.contact_records(participations),
        "participations": participations,
        "engagements": records.engagement_records(),
        "submissions": records.submission_records(),
        "recommendations": records.recommendation_records(),
        "feedback": records.feedback_records(),
    }
