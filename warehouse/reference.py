"""Reference data shipped with the product: ISO 3166-1 countries with their UN regional group and M49
region, country-name matching, and the UPR Working Group session calendar.

The tables are CSV files under `warehouse/reference/`. `countries.csv` is built once from
hdx-python-country (names, M49 regions) plus the regional group membership written out below;
rebuild it with `python -m warehouse.reference` after changing that membership.
`country_aliases.csv` holds the common variants of State names (written by hand) followed by the
formal names hdx-python-country lists ("Argentine Republic"), so matching needs no guessing for them.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache
from pathlib import Path

import polars as pl

from foundation.errors import AgoraError

REFERENCE_DIR = Path(__file__).with_name("reference")
REGIONAL_GROUPS = ("AG", "APG", "EEG", "GRULAC", "WEOG")
NO_GROUP = "none"

#: UN regional group membership (2024) as UPR practice counts it: Turkey, Israel and the United States in
#: WEOG; Cyprus, Kiribati and the State of Palestine (an observer State) in APG; the Holy See in none.
GROUP_MEMBERS: dict[str, tuple[str, ...]] = {
    "AG": (
        "DZA", "AGO", "BEN", "BWA", "BFA", "BDI", "CPV", "CMR", "CAF", "TCD", "COM", "COG", "CIV", "COD",
        "DJI", "EGY", "GNQ", "ERI", "SWZ", "ETH", "GAB", "GMB", "GHA", "GIN", "GNB", "KEN", "LSO", "LBR",
        "LBY", "MDG", "MWI", "MLI", "MRT", "MUS", "MAR", "MOZ", "NAM", "NER", "NGA", "RWA", "STP", "SEN",
        "SYC", "SLE", "SOM", "ZAF", "SSD", "SDN", "TGO", "TUN", "UGA", "TZA", "ZMB", "ZWE",
    ),
    "APG": (
        "AFG", "BHR", "BGD", "BTN", "BRN", "KHM", "CHN", "CYP", "PRK", "FJI", "IND", "IDN", "IRN", "IRQ",
        "JPN", "JOR", "KAZ", "KIR", "KWT", "KGZ", "LAO", "LBN", "MYS", "MDV", "MHL", "FSM", "MNG", "MMR",
        "NRU", "NPL", "OMN", "PAK", "PLW", "PNG", "PHL", "QAT", "KOR", "WSM", "SAU", "SGP", "SLB", "LKA",
        "SYR", "TJK", "THA", "TLS", "TON", "TKM", "TUV", "ARE", "UZB", "VUT", "VNM", "YEM", "PSE",
    ),
    "EEG": (
        "ALB", "ARM", "AZE", "BLR", "BIH", "BGR", "HRV", "CZE", "EST", "GEO", "HUN", "LVA", "LTU", "MNE",
        "MKD", "MDA", "POL", "ROU", "RUS", "SRB", "SVK", "SVN", "UKR",
    ),
    "GRULAC": (
        "ATG", "ARG", "BHS", "BRB", "BLZ", "BOL", "BRA", "CHL", "COL", "CRI", "CUB", "DMA", "DOM", "ECU",
        "SLV", "GRD", "GTM", "GUY", "HTI", "HND", "JAM", "MEX", "NIC", "PAN", "PRY", "PER", "KNA", "LCA",
        "VCT", "SUR", "TTO", "URY", "VEN",
    ),
    "WEOG": (
        "AND", "AUS", "AUT", "BEL", "CAN", "DNK", "FIN", "FRA", "DEU", "GRC", "ISL", "IRL", "ISR", "ITA",
        "LIE", "LUX", "MLT", "MCO", "NLD", "NZL", "NOR", "PRT", "SMR", "ESP", "SWE", "CHE", "TUR", "GBR",
        "USA",
    ),
}

#: words that decorate a State's name without identifying it (used only to confirm a fuzzy match)
_GENERIC_WORDS = frozenset({
    "republic", "of", "state", "states", "kingdom", "islamic", "federal", "federated", "democratic",
    "peoples", "plurinational", "bolivarian", "united", "socialist", "arab", "principality", "grand",
    "duchy", "commonwealth", "independent", "sultanate", "union", "government", "and",
})


class UnknownUprSession(AgoraError):
    """A UPR Working Group session number that the shipped calendar does not list."""


@lru_cache(maxsize=1)
def countries() -> pl.DataFrame:
    """Every ISO 3166-1 alpha-3 code: iso3, name, regional_group (AG/APG/EEG/GRULAC/WEOG/none), m49_region."""
    return pl.read_csv(
        REFERENCE_DIR / "countries.csv",
        schema={"iso3": pl.String, "name": pl.String, "regional_group": pl.String, "m49_region": pl.String},
    )


@lru_cache(maxsize=1)
def known_country_codes() -> frozenset[str]:
    return frozenset(countries()["iso3"].to_list())


@lru_cache(maxsize=1)
def _group_by_iso3() -> dict[str, str]:
    return dict(countries().select("iso3", "regional_group").iter_rows())


def regional_group(iso3: str) -> str:
    """The UN regional group of a country code, `none` for a code outside the groups or unknown."""
    return _group_by_iso3().get(iso3.upper(), NO_GROUP)


@lru_cache(maxsize=1)
def upr_session_dates() -> dict[int, date]:
    """UPR Working Group session number -> first day of the session."""
    table = pl.read_csv(
        REFERENCE_DIR / "upr_sessions.csv",
        schema={"session": pl.Int64, "start_date": pl.Date, "source": pl.String},
    )
    return dict(table.select("session", "start_date").iter_rows())


def upr_session_start(number: int) -> date:
    dates = upr_session_dates()
    if number not in dates:
        raise UnknownUprSession(
            f"UPR session {number} is not in Agora's session calendar (it knows sessions "
            f"{min(dates)} to {max(dates)}); add its start date to warehouse/reference/upr_sessions.csv."
        )
    return dates[number]


def _normalised(name: str) -> str:
    """Casefolded, accents and punctuation stripped, "the" dropped, "St." spelled "saint"."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"['’`´]", "", text).replace("&", " and ")
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    return " ".join("saint" if w == "st" else w for w in words if w != "the")


def _names_of_countries() -> pl.DataFrame:
    """Every (iso3, name) Agora knows: the shipped names plus the alias table."""
    aliases = pl.read_csv(REFERENCE_DIR / "country_aliases.csv", schema={"alias": pl.String, "iso3": pl.String})
    return pl.concat([countries().select("iso3", "name"), aliases.select("iso3", name="alias")])


@lru_cache(maxsize=1)
def _iso3_by_normalised_name() -> dict[str, str]:
    return {_normalised(name): iso3 for iso3, name in _names_of_countries().iter_rows()}


@lru_cache(maxsize=1)
def _normalised_names_by_iso3() -> dict[str, tuple[str, ...]]:
    names: dict[str, list[str]] = {}
    for normalised, iso3 in _iso3_by_normalised_name().items():
        names.setdefault(iso3, []).append(normalised)
    return {iso3: tuple(n) for iso3, n in names.items()}


def _significant_words(normalised: str) -> frozenset[str]:
    return frozenset(normalised.split()) - _GENERIC_WORDS


def _is_word_run_of(part: str, whole: str) -> bool:
    return f" {part} " in f" {whole} "


def _countries_named_by(query: str) -> set[str]:
    """The countries a normalised query could mean: those with a name of the same significant words
    ("Republic of Kenya" / "Kenya"), else those with a name containing the query as whole words."""
    words = _significant_words(query)
    same_words = {
        iso3 for iso3, names in _normalised_names_by_iso3().items()
        if words and any(_significant_words(name) == words for name in names)
    }
    if same_words:
        return same_words
    return {
        iso3 for iso3, names in _normalised_names_by_iso3().items()
        if any(_is_word_run_of(query, name) for name in names)
    }


@lru_cache(maxsize=4096)
def match_country(name: str) -> str | None:
    """The ISO3 code of a State named in any common variant, or None when it is not recognised for sure."""
    query = _normalised(name or "")
    if not query:
        return None
    exact = _iso3_by_normalised_name().get(query)
    if exact is not None:
        return exact
    from hdx.location.country import Country

    Country.set_use_live_default(False)
    guess, _ = Country.get_iso3_country_code_fuzzy(name)
    # A fuzzy guess stands only if the query names that country and no other ("Korea", "Niger Delta" fail).
    if guess is not None and _countries_named_by(query) == {guess}:
        return guess
    return None


def _rebuild_countries_csv() -> Path:
    """Write countries.csv from hdx-python-country's offline table plus GROUP_MEMBERS."""
    from hdx.location.country import Country

    Country.set_use_live_default(False)
    group_of = {iso3: group for group, members in GROUP_MEMBERS.items() for iso3 in members}
    rows = [
        {
            "iso3": iso3,
            "name": record["M49 English"] or record["Preferred Term"],
            "regional_group": group_of.get(iso3, NO_GROUP),
            "m49_region": record["Region Name"],
        }
        for iso3, record in Country.countriesdata()["countries"].items()
    ]
    path = REFERENCE_DIR / "countries.csv"
    pl.DataFrame(rows).sort("iso3").write_csv(path)
    return path


if __name__ == "__main__":
    print(f"Wrote {_rebuild_countries_csv()}")
