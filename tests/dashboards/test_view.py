"""What a view selects, without a browser: the default range ends at the last complete period, an
inverted range is swapped and says so, and a mechanism's breakdowns are its own crossed cells or
nothing (never every mechanism's cells under one mechanism's name)."""

from __future__ import annotations

import polars as pl
import pytest

from dashboard_fixture import AS_OF, LAST_COMPLETE, PARTIAL, build_fixture_warehouse
from dashboards.app import create_app
from dashboards.area import area_slug, catalogue_area_links
from dashboards.data import published
from dashboards.view import breakdown_rows, resolve_view, scope_rows, view_from_controls
from foundation.settings import Settings
from warehouse.snapshot import publish_snapshot


@pytest.fixture(scope="module")
def pub(tmp_path_factory):
    folder = tmp_path_factory.mktemp("view")
    return published(publish_snapshot(build_fixture_warehouse(folder / "agora.duckdb"),
                                      folder / "agora.published.duckdb"), "internal", 5)


@pytest.mark.parametrize("grain", sorted(PARTIAL))
def test_the_default_view_ends_at_the_last_complete_period(pub, grain):
    assert pub.partial_periods[grain] == {PARTIAL[grain]}
    view = resolve_view(pub, {"grain": grain})
    assert view.end == LAST_COMPLETE[grain] and not view.swapped
    # the partial period can still be picked
    assert resolve_view(pub, {"grain": grain, "end": PARTIAL[grain]}).end == PARTIAL[grain]
    assert pub.as_of == str(AS_OF)


def test_an_inverted_range_is_swapped_and_says_so(pub):
    view = resolve_view(pub, {"grain": "quarter", "start": "2026-Q1", "end": "2025-Q2"})
    assert (view.start, view.end, view.swapped) == ("2025-Q2", "2026-Q1", True)
    picked = view_from_controls({"grain": "quarter", "start": "2025-Q4", "end": "2025-Q1"})
    assert (picked.start, picked.end, picked.swapped) == ("2025-Q1", "2025-Q4", True)
    assert not view_from_controls({"grain": "quarter", "start": "2025-Q1", "end": "2025-Q4"}).swapped


def test_n_is_the_denominator_or_the_count_and_achieved_comes_with_the_row(pub):
    ratio = pub.indicators.filter(indicator_id="PAR-02", grain="quarter", period="2026-Q1", breakdown="total")
    assert ratio["n"].to_list() == ratio["denominator"].to_list() == [65]
    # (value - baseline) / (target - baseline) = (0.4 - 0.4) / (0.5 - 0.4)
    assert ratio["achieved"].to_list() == [pytest.approx(0.0)]
    count = pub.indicators.filter(indicator_id="PAR-01", grain="quarter", period="2026-Q1", breakdown="total")
    assert count["n"].to_list() == count["numerator"].to_list()
    assert pub.indicators.filter(pl.col("target").is_null())["achieved"].null_count() == \
        pub.indicators.filter(pl.col("target").is_null()).height


def test_a_mechanism_breakdown_is_its_crossed_cells(pub):
    view = resolve_view(pub, {"grain": "quarter", "mechanism": "CRC"})
    rows = breakdown_rows(pub, "PAR-02", view, "region")
    assert set(rows["breakdown"]) == {"mechanism_id|region"}
    assert sorted(set(rows["breakdown_value"])) == ["CRC|AG", "CRC|APG", "CRC|WEOG"]
    expected = pub.indicators.filter(indicator_id="PAR-02", grain="quarter", breakdown="mechanism_id|region",
                                     breakdown_value="CRC|AG", period=view.end)["value"].to_list()
    assert rows.filter(breakdown_value="CRC|AG", period=view.end)["value"].to_list() == expected
    # the trend is the plain row of the mechanism
    assert set(scope_rows(pub, "PAR-02", view)["breakdown"]) == {"mechanism_id"}
    # PAR-05 has no breakdown by mechanism, so no crossed cells: nothing, not every mechanism's cells
    assert breakdown_rows(pub, "PAR-05", view, "region") is None
    # by kind, for one mechanism: nothing; by mechanism: its own row
    assert breakdown_rows(pub, "PAR-02", view, "mechanism_kind") is None
    assert set(breakdown_rows(pub, "PAR-02", view, "mechanism_id")["breakdown_value"]) == {"CRC"}


def test_a_kind_breakdown_is_its_crossed_cells(pub):
    view = resolve_view(pub, {"grain": "year", "kind": "treaty_body"})
    rows = breakdown_rows(pub, "PAR-05", view, "org_type")
    assert set(rows["breakdown"]) == {"mechanism_kind|org_type"}
    assert all(v.startswith("treaty_body|") for v in rows["breakdown_value"])
    plain = breakdown_rows(pub, "PAR-05", resolve_view(pub, {"grain": "year"}), "org_type")
    assert set(plain["breakdown"]) == {"org_type"}


def test_areas_come_from_the_catalogue(pub):
    assert pub.areas == ["Participation", "Inclusivity", "Follow-through"]
    assert catalogue_area_links(pub) == []
    assert area_slug("Digital access & safety") == "digital-access-safety"
    assert pub.catalogue.filter("headline")["indicator_id"].to_list() == [
        "PAR-01", "PAR-02", "PAR-05", "PAR-06", "INC-01", "INC-03", "INC-05", "INC-06",
        "FOL-01", "FOL-05", "FOL-09", "FOL-12"]


def test_the_app_page_says_its_language_and_takes_small_n_from_the_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("AGORA_SMALL_N", "12")
    app = create_app(tmp_path / "none.duckdb")
    assert '<html lang="en">' in app.index_string
    assert app.server.config["AGORA"]["small_n"] == 12 == Settings().small_n
    assert create_app(tmp_path / "none.duckdb", small_n=40).server.config["AGORA"]["small_n"] == 40


def test_a_snapshot_from_before_partial_periods_and_headlines_still_opens(tmp_path):
    import duckdb

    snapshot = publish_snapshot(build_fixture_warehouse(tmp_path / "agora.duckdb"), tmp_path / "s.duckdb")
    with duckdb.connect(str(snapshot)) as con:
        con.execute("ALTER TABLE indicator_values DROP COLUMN partial")
        con.execute("ALTER TABLE catalogue DROP COLUMN headline")
    pub = published(snapshot, "internal", 5)
    assert pub.partial_periods["quarter"] == {PARTIAL["quarter"]}
    assert not pub.catalogue["headline"].any()
