from datetime import date

import polars as pl
import pytest

from foundation.errors import AgoraError
from warehouse.reference import (
    REFERENCE_DIR, _normalised, countries, known_country_codes, match_country, regional_group, upr_session_dates,
    upr_session_start,
)


def test_every_iso_code_is_listed_once():
    table = countries()
    assert table.height == 249
    assert table["iso3"].n_unique() == 249
    assert table["iso3"].str.contains(r"^[A-Z]{3}$").all()
    assert len(known_country_codes()) == 249
    assert set(table["regional_group"]) == {"AG", "APG", "EEG", "GRULAC", "WEOG", "none"}
    assert table.filter(pl.col("m49_region").is_null())["iso3"].to_list() == ["ATA"]


def test_regional_group_sizes_count_the_193_member_states():
    sizes = dict(countries().group_by("regional_group").len().iter_rows())
    # The State of Palestine (an observer) is the one non-member placed in a group (APG).
    assert sizes == {"AG": 54, "APG": 54 + 1, "EEG": 23, "GRULAC": 33, "WEOG": 28 + 1, "none": 249 - 194}
    assert sum(n for g, n in sizes.items() if g != "none") - 1 == 193


@pytest.mark.parametrize("iso3, group", [
    ("USA", "WEOG"), ("ISR", "WEOG"), ("TUR", "WEOG"), ("CYP", "APG"), ("KIR", "APG"), ("PSE", "APG"),
    ("VAT", "none"), ("TWN", "none"), ("PRI", "none"), ("ESH", "none"), ("COK", "none"),
    ("ZAF", "AG"), ("BRA", "GRULAC"), ("RUS", "EEG"), ("CHN", "APG"), ("AUS", "WEOG"),
])
def test_contested_and_typical_placements(iso3, group):
    assert regional_group(iso3) == group
    assert regional_group(iso3.lower()) == group


def test_unknown_code_has_no_group():
    assert regional_group("XKX") == "none"


def test_upr_sessions_keep_the_contract_dates_and_later_ones():
    dates = upr_session_dates()
    assert sorted(dates) == list(range(1, 51))
    assert dates[1] == date(2008, 4, 7)
    assert dates[13] == date(2012, 5, 21)
    assert dates[20] == date(2014, 10, 27)
    assert dates[21] == date(2015, 1, 19)
    assert upr_session_start(47) == date(2024, 11, 4)
    starts = [dates[n] for n in sorted(dates)]
    assert starts == sorted(starts)


def test_an_unknown_session_is_an_error_naming_it():
    with pytest.raises(AgoraError, match="UPR session 51 "):
        upr_session_start(51)


def test_every_member_state_official_name_matches_its_code():
    members = countries().filter(pl.col("regional_group") != "none")
    assert members.height == 194
    for iso3, name in members.select("iso3", "name").iter_rows():
        assert match_country(name) == iso3, name
        assert match_country(name.upper()) == iso3, name
        assert match_country(f"  the {name}. ") == iso3, name


def test_every_member_state_formal_name_matches_its_code():
    from hdx.location.country import Country

    Country.set_use_live_default(False)
    records = Country.countriesdata()["countries"]
    members = countries().filter(pl.col("regional_group") != "none")["iso3"]
    for iso3 in members:
        for column in ("English Formal", "Preferred Term", "English Short", "M49 English"):
            assert match_country(records[iso3][column]) == iso3, (iso3, column)


def test_no_name_or_alias_means_two_countries():
    names = pl.concat([
        countries().select("iso3", "name"),
        pl.read_csv(REFERENCE_DIR / "country_aliases.csv").select("iso3", name="alias"),
    ])
    assert names["iso3"].is_in(countries()["iso3"].implode()).all()
    meanings = names.with_columns(key=pl.col("name").map_elements(_normalised, return_dtype=pl.String)) \
        .group_by("key").agg(pl.col("iso3").n_unique())
    assert meanings.filter(pl.col("iso3") > 1).height == 0


VARIANTS = {
    "Côte d'Ivoire": "CIV", "Cote d'Ivoire": "CIV", "Côte d’Ivoire": "CIV", "Ivory Coast": "CIV",
    "Iran (Islamic Republic of)": "IRN", "Iran": "IRN", "Bolivia (Plurinational State of)": "BOL",
    "Bolivia": "BOL", "Venezuela": "VEN", "Republic of Korea": "KOR", "South Korea": "KOR", "DPRK": "PRK",
    "Democratic People's Republic of Korea": "PRK", "Democratic Republic of the Congo": "COD",
    "DR Congo": "COD", "Congo": "COG", "Republic of the Congo": "COG", "Lao PDR": "LAO", "Laos": "LAO",
    "Syria": "SYR", "Syrian Arab Republic": "SYR", "Tanzania": "TZA", "United Republic of Tanzania": "TZA",
    "Viet Nam": "VNM", "Vietnam": "VNM", "Türkiye": "TUR", "Turkey": "TUR", "Russia": "RUS",
    "Russian Federation": "RUS", "Moldova": "MDA", "Republic of Moldova": "MDA",
    "Micronesia (Federated States of)": "FSM", "Holy See": "VAT", "State of Palestine": "PSE",
    "Palestine": "PSE", "United Kingdom": "GBR", "UK": "GBR", "United States": "USA",
    "United States of America": "USA", "USA": "USA", "Eswatini": "SWZ", "Swaziland": "SWZ",
    "North Macedonia": "MKD", "The former Yugoslav Republic of Macedonia": "MKD", "Czechia": "CZE",
    "Czech Republic": "CZE", "Cabo Verde": "CPV", "Cape Verde": "CPV", "Timor-Leste": "TLS",
    "East Timor": "TLS", "Brunei Darussalam": "BRN", "Saint Kitts and Nevis": "KNA", "St. Lucia": "LCA",
    "Saint Lucia": "LCA", "St Vincent and the Grenadines": "VCT", "Netherlands": "NLD",
    "Argentine Republic": "ARG", "the Swiss Confederation": "CHE", "Hellenic Republic": "GRC",
    # Accepted through a confirmed fuzzy match (wordings in neither table).
    "Government of Kenya": "KEN", "Chile (Republic of)": "CHL", "Saudi Arabia, Kingdom of": "SAU",
}


@pytest.mark.parametrize("name, iso3", VARIANTS.items())
def test_common_variants(name, iso3):
    assert match_country(name) == iso3


@pytest.mark.parametrize("name, iso3", [
    ("Niger", "NER"), ("Nigeria", "NGA"), ("Guinea", "GIN"), ("Guinea-Bissau", "GNB"),
    ("Equatorial Guinea", "GNQ"), ("Papua New Guinea", "PNG"), ("Dominica", "DMA"),
    ("Dominican Republic", "DOM"), ("Sudan", "SDN"), ("South Sudan", "SSD"), ("Samoa", "WSM"),
    ("American Samoa", "ASM"), ("Austria", "AUT"), ("Australia", "AUS"),
])
def test_near_namesakes_are_not_confused(name, iso3):
    assert match_country(name) == iso3


@pytest.mark.parametrize("name", ["Korea", "Niger Delta", "Islands", "Atlantis", "", "   ", "Republic"])
def test_ambiguous_or_unknown_names_are_not_guessed(name):
    assert match_country(name) is None


def test_every_state_name_variant_in_the_shipped_table_matches_its_state():
    from warehouse.reference import UN_MEMBER_AND_OBSERVER_STATES

    table = pl.read_csv(REFERENCE_DIR / "state_name_variants.csv", infer_schema=False)
    assert table.filter(pl.col("source") != "capitals").height >= 600
    assert set(table["iso3"]) == UN_MEMBER_AND_OBSERVER_STATES and len(UN_MEMBER_AND_OBSERVER_STATES) == 195
    assert {"upr_info", "ohchr", "uhri", "html_escaped", "ampersand", "utf8_read_as_cp1252"} <= set(table["source"])
    wrong = [(variant, iso3, match_country(variant)) for variant, iso3, _ in table.iter_rows()
             if match_country(variant) != iso3]
    assert wrong == []


@pytest.mark.parametrize("name, iso3", [
    ("DPR Korea", "PRK"), ("Korea DPR", "PRK"), ("Lao PDR", "LAO"), ("DR Congo", "COD"), ("Micronesia FS", "FSM"),
    ("Bosnia & Herzegovina", "BIH"), ("Macedonia FYR", "MKD"), ("C&ocirc;te d&#39;Ivoire", "CIV"),
    ("C&amp;ocirc;te d'Ivoire", "CIV"), ("CÃ´te d'Ivoire", "CIV"), ("Trinidad &amp; Tobago", "TTO"),
    ("Moldova (Rep.)", "MDA"), ("Tanzania (United Rep.)", "TZA"), ("Congo", "COG"), ("Congo, Dem. Rep.", "COD"),
    ("T&uuml;rkiye", "TUR"), ("Solomon Is.", "SLB"), ("U.S.A.", "USA"), ("Lao P.D.R.", "LAO"), ("D.R. Congo", "COD"),
    ("Congo (Kinshasa)", "COD"), ("Korea, North", "PRK"), ("Russian Fed.", "RUS"), ("Korea (Rep. of)", "KOR"),
])
def test_upr_info_ohchr_and_uhri_forms_match(name, iso3):
    assert match_country(name) == iso3


@pytest.mark.parametrize("name", ["Korea", "Atlantis", "Niger Delta", "Kosovo", "Guinea Delta", "&lt;Unknown&gt;"])
def test_names_of_no_state_or_of_several_match_none(name):
    assert match_country(name) is None


@pytest.mark.parametrize("name", ["Unknown", "<Unknown>", "&lt;Unknown&gt;", "&amp;lt;unknown&amp;gt;", "N/A", ""])
def test_the_ways_an_export_says_it_does_not_know_the_state(name):
    from warehouse.reference import is_unknown_state

    assert is_unknown_state(name)
    assert not is_unknown_state("Kenya")
