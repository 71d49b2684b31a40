"""The record sets indicators are computed over, built from the warehouse for one build date.

Each source is a polars frame with one row per record the build date lets in, holding the columns
`metrics.source_columns` describes (a test holds the frames to that description): reference dates,
the attributes a record inherits from its engagement and organisation, and a few derived columns
(day counts relative to the build date, counts of related records) that let the catalogue say in
data what would otherwise need code. `org_id` is a number standing for the organisation, the same
number in every source of one build.
"""

from __future__ import annotations

from datetime import date
from typing import Iterable

import duckdb
import polars as pl

from foundation.vocabulary import UNKNOWN
from metrics.source_columns import ORGANISATION_ATTRIBUTES, SOURCE_SPECS, SourceSpec
from warehouse.reference import GROUP_MEMBERS, NO_GROUP

#: every breakdown of the spec (catalogues may break down by any categorical column of a source)
BREAKDOWNS = ("total", "mechanism_kind", "mechanism_id", "engagement_kind", "modality", "region", "org_type",
              "engagement_id")
SOURCES: dict[str, SourceSpec] = SOURCE_SPECS

_ENGAGEMENT_SIDE = ("mechanism_kind", "mechanism_id", "engagement_kind", "modality")
#: organisation attributes every build carries: the spec's breakdowns and what its compute functions read
_ALWAYS_CARRIED = ("region", "org_type")


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
    """The warehouse's entity tables as polars frames, with the attributes records inherit resolved.

    `organisation_attributes` are the organisation columns records carry (all by default; a build
    passes those its catalogue reads, so a column nobody reads costs no memory)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, as_of: date,
                 organisation_attributes: Iterable[str] = ORGANISATION_ATTRIBUTES) -> None:
        self.as_of = as_of
        wanted = set(organisation_attributes) | set(_ALWAYS_CARRIED)
        self.organisation_attributes = tuple(c for c in ORGANISATION_ATTRIBUTES if c in wanted)
        self.organisations = _read(con, """
            SELECT org_id, org_type, country, women_led, youth_led, ecosoc_status, budget_band,
                   len(list_distinct(constituencies)) AS constituency_count
            FROM organisations ORDER BY org_id""").join(regional_groups(), on="country", how="left").with_columns(
            pl.col("region").fill_null(NO_GROUP),
            # a number stands for the organisation: only its distinctness counts, and numbers group
            # far faster than text
            org_number=pl.int_range(pl.len(), dtype=pl.UInt32))
        self.engagements = _read(con, """
            SELECT e.engagement_id, e.mechanism_id, m.kind AS mechanism_kind, e.kind AS engagement_kind,
                   e.modality, e.start_date, e.end_date, coalesce(e.country, ?) AS country,
                   CASE WHEN e.output_published_on <= ? THEN e.output_published_on END AS output_published_on,
                   len(list_distinct(e.languages)) AS language_count,
                   len(list_distinct(e.accessibility)) AS accessibility_count
            FROM engagements e JOIN mechanisms m USING (mechanism_id)""", [UNKNOWN, as_of])
        self.participations = _read(con, """
            SELECT engagement_id, org_id, registered, attended, spoke, participants_total, participants_women,
                   outcome_communicated_on
            FROM participations""")
        # counted where the records are (one parallel pass), not again over millions of rows in polars
        self.attended_per_engagement = _read(con, """
            SELECT engagement_id, count(*) AS attended_participations
            FROM participations WHERE attended GROUP BY engagement_id""")
        self.submissions = _read(con, """
            SELECT engagement_id, org_id, received_on, language, acknowledged_on, reflected_in_output
            FROM submissions WHERE received_on <= ?""", [as_of])
        self.recommendations = _read(con, """
            SELECT r.recommendation_id, r.mechanism_id, m.kind AS mechanism_kind,
                   coalesce(r.engagement_id, ?) AS engagement_id, r.issued_on, r.addressee_country,
                   r.state_response, r.specificity, r.informed_by_cso, r.due_on,
                   len(list_distinct(r.themes)) AS theme_count
            FROM recommendations r JOIN mechanisms m USING (mechanism_id)
            WHERE r.issued_on <= ?""", [UNKNOWN, as_of])
        self.follow_ups = _read(con, """
            SELECT recommendation_id, follow_up_id, reported_on, status
            FROM follow_ups WHERE reported_on <= ?""", [as_of])
        self.feedback = _read(con, """
            SELECT engagement_id, org_id, submitted_on, satisfaction, felt_heard, informed_of_outcome,
                   faced_restrictions
            FROM feedback WHERE submitted_on <= ?""", [as_of])

    def _with_engagement_and_org(self, records: pl.DataFrame, source: str) -> pl.DataFrame:
        """Add what a record inherits from its engagement and its organisation (`unknown` categories and
        empty attributes without an organisation), org_id becoming the organisation's number."""
        org_categories = [c for c in self.organisation_attributes
                          if SOURCE_SPECS[source].column(c).type == "category"]
        # categories group faster than text, and breakdowns are grouped on many times; made categories on the
        # small side of each join, a record gets its engagement's and organisation's codes, not copies of text
        org_side = self.organisations.select("org_id", "org_number", *self.organisation_attributes).with_columns(
            pl.col(org_categories).cast(pl.Categorical))
        if not set(_ENGAGEMENT_SIDE) <= set(records.columns):  # (participations join their engagement first)
            records = records.join(self._engagement_side(), on="engagement_id", how="left")
        joined = (records.join(org_side, on="org_id", how="left")
                  .drop("org_id").rename({"org_number": "org_id"})
                  .with_columns(pl.col(c).fill_null(UNKNOWN) for c in org_categories))
        return _in_spec_order(joined, source)

    def _engagement_side(self) -> pl.DataFrame:
        """What a record inherits from its engagement, as categories."""
        return self.engagements.select("engagement_id", pl.col(*_ENGAGEMENT_SIDE).cast(pl.Categorical))

    def participation_records(self) -> pl.DataFrame:
        """Participations at engagements that started by the build date."""
        as_of = self.as_of
        # the engagement's dates and what a participation inherits from it, in one join
        started = (self.engagements.filter(pl.col("start_date") <= as_of)
                   .select("engagement_id", "start_date", "end_date")
                   .join(self._engagement_side(), on="engagement_id"))
        records = self.participations.join(started, on="engagement_id", how="inner").with_columns(
            days_since_engagement_end=_days_between(pl.lit(as_of), pl.col("end_date")),
            outcome_communicated_on=_known_by(as_of, "outcome_communicated_on"),
        ).with_columns(days_to_outcome=_days_between(pl.col("outcome_communicated_on"), pl.col("end_date")))
        return self._with_engagement_and_org(records, "participations")

    def contact_records(self, participations: pl.DataFrame, submissions: pl.DataFrame) -> pl.DataFrame:
        """One row per contact: an attended participation or a submission with an organisation. Repeated
        contacts are kept: every indicator over contacts counts distinct organisations. Made from the
        participation and submission sources, which already carry what a contact inherits (joining
        millions of records to their engagement and organisation again would only repeat it)."""
        carried = [c for c in SOURCE_SPECS["contacts"].column_names
                   if c in participations.columns and c in submissions.columns and c != "engagement_id"]
        attended = participations.filter(pl.col("attended")).select(
            *carried, contact_date=pl.col("start_date"), contact_kind=pl.lit("attendance"))
        submitted = submissions.filter(pl.col("org_id").is_not_null()).select(
            *carried, contact_date=pl.col("received_on"), contact_kind=pl.lit("submission"))
        contacts = pl.concat([attended, submitted]).with_columns(
            pl.col("contact_kind").cast(pl.Categorical),
            first_contact_date=pl.col("contact_date").min().over("org_id"))
        return _in_spec_order(contacts, "contacts")

    def engagement_records(self) -> pl.DataFrame:
        """Engagements that started by the build date, with their attended participations and the
        submissions they received by the build date."""
        attended = self.attended_per_engagement
        received = self.submissions.group_by("engagement_id").agg(submissions_received=pl.len())
        return _in_spec_order(
            self.engagements.filter(pl.col("start_date") <= self.as_of)
            .join(attended, on="engagement_id", how="left")
            .join(received, on="engagement_id", how="left")
            .with_columns(pl.col("attended_participations", "submissions_received").fill_null(0)),
            "engagements")

    def submission_records(self) -> pl.DataFrame:
        """Submissions received by the build date, whenever their engagement starts."""
        as_of = self.as_of
        return self._with_engagement_and_org(self.submissions.with_columns(
            days_since_receipt=_days_between(pl.lit(as_of), pl.col("received_on")),
            acknowledged_on=_known_by(as_of, "acknowledged_on"),
        ).with_columns(days_to_acknowledge=_days_between(pl.col("acknowledged_on"), pl.col("received_on"))),
            "submissions")

    def recommendation_records(self) -> pl.DataFrame:
        """Recommendations issued by the build date, with what their follow-ups reported by then say."""
        as_of = self.as_of
        follow_up_summary = self.follow_ups.sort("reported_on", "follow_up_id").group_by("recommendation_id").agg(
            first_follow_up_on=pl.col("reported_on").min(),
            latest_follow_up_status=pl.col("status").last(),
            follow_up_count=pl.len(),
        )
        return _in_spec_order(
            self.recommendations
            .join(follow_up_summary, on="recommendation_id", how="left")
            .join(regional_groups().rename({"country": "addressee_country"}), on="addressee_country", how="left")
            .with_columns(
                pl.col("region").fill_null(NO_GROUP),
                pl.col("follow_up_count").fill_null(0),
                days_since_issue=_days_between(pl.lit(as_of), pl.col("issued_on")),
                days_to_first_follow_up=_days_between(pl.col("first_follow_up_on"), pl.col("issued_on")),
                days_past_due=_days_between(pl.lit(as_of), pl.col("due_on")),
                followed_up_by_due_date=(pl.col("first_follow_up_on") <= pl.col("due_on")).fill_null(False),
            ), "recommendations")

    def feedback_records(self) -> pl.DataFrame:
        return self._with_engagement_and_org(self.feedback, "feedback")


def _in_spec_order(frame: pl.DataFrame, source: str) -> pl.DataFrame:
    """The columns `metrics.source_columns` lists for the source (those this build carries), in its order."""
    return frame.select(c for c in SOURCE_SPECS[source].column_names if c in frame.columns)


def build_sources(con: duckdb.DuckDBPyConnection, as_of: date,
                  organisation_attributes: Iterable[str] = ORGANISATION_ATTRIBUTES) -> dict[str, pl.DataFrame]:
    """Every source of `SOURCES`, for the build date `as_of`."""
    records = WarehouseRecords(con, as_of, organisation_attributes)
    participations = records.participation_records()
    submissions = records.submission_records()
    return {
        "contacts": records.contact_records(participations, submissions),
        "participations": participations,
        "engagements": records.engagement_records(),
        "submissions": submissions,
        "recommendations": records.recommendation_records(),
        "feedback": records.feedback_records(),
    }
