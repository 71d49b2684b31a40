"""Reference data shipped with the product: ISO 3166-1 countries with their UN regional group and M49
region, country-name matching, and the UPR Working Group session calendar.

The tables are CSV files under `warehouse/reference/`. `countries.csv` is built once from
hdx-python-country (names, M49 regions) plus the regional group membership written out below;
rebuild it with `python -m warehouse.reference` after changing that membership.
`country_aliases.csv` holds the common variants of State names (written by hand) followed by the
formal names hdx-python-country lists ("Argentine Republic"), so matching needs no guessing for them.

`state_name_variants.csv` lists the names under which the 193 member States and 2 observer States
appear in UPR Info, OHCHR and UHRI lists (official, short and formal names, abbreviations such as
`DPR Korea` or `Macedonia FYR`, `&` for `and`, HTML-escaped and mis-decoded spellings): it is what
the tests match every variant of, and is rebuilt with `python -m warehouse.reference`.

Matching a name (`match_country`) reads it as a person would: HTML entities decoded (`C&ocirc;te`),
UTF-8 read as Windows-1252 repaired (`CÃ´te`), case, accents, punctuation and "the" ignored, the
abbreviations of these lists spelled out (Rep., Dem., PDR, DPR, FS, FYR, St.), and the words in
any order (`Korea DPR`). A name still not known is confirmed through hdx-python-country's offline
fuzzy match only when it names that State and no other; nothing is guessed blindly.
"""

from __future__ import annotations

import html
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


#: abbreviations of State names in UPR Info, OHCHR and World Bank lists, spelled out
_ABBREVIATIONS = {
    "st": "saint", "ste": "sainte", "rep": "republic", "dem": "democratic", "fed": "federated", "sts": "states",
    "utd": "united", "dpr": "democratic peoples republic", "pdr": "peoples democratic republic",
    "fs": "federated states", "fyr": "former yugoslav republic", "fyrom": "former yugoslav republic of macedonia",
    "is": "islands", "isl": "islands", "drc": "democratic republic congo", "rb": "bolivarian republic",
}
#: words that carry no meaning for telling States apart when the words are compared in any order
_ORDER_FREE_STOPWORDS = frozenset({"of", "the", "and"})
#: how an export writes that it does not know the State (UPR Info: `<Unknown>`, HTML-escaped)
UNKNOWN_STATE_WORDS = frozenset({"unknown", "not known", "unspecified", "n a", "na", "none", "other", ""})
#: the 195 States the UPR reviews and hears: the 193 UN members and the 2 observer States
UN_MEMBER_AND_OBSERVER_STATES = frozenset(
    iso3 for members in GROUP_MEMBERS.values() for iso3 in members) | {"VAT"}


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


def _repaired(name: str) -> str:
    """HTML entities decoded (also when escaped twice) and UTF-8 read as Windows-1252 repaired."""
    text = html.unescape(html.unescape(name))
    if re.search("[\u00c2\u00c3][\u0080-\u00bf\u2018-\u203a\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc]", text):
        try:
            text = text.encode("cp1252").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return text


def _normalised(name: str) -> str:
    """Casefolded, accents and punctuation stripped, "the" dropped, abbreviations spelled out."""
    text = unicodedata.normalize("NFKD", _repaired(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"['’‘`´]", "", text).replace("&", " and ")
    # Dotted initials are one abbreviation: U.S.A. -> usa, Lao P.D.R. -> lao pdr.
    text = re.sub(r"\b(?:[a-z]\.){2,}", lambda initials: initials.group(0).replace(".", ""), text)
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words if w != "the")


def is_unknown_state(name: str) -> bool:
    """True for the ways an export says it does not know the State (`<Unknown>`, `&lt;Unknown&gt;`, `N/A`)."""
    return _normalised(name or "") in UNKNOWN_STATE_WORDS


def _names_of_countries() -> pl.DataFrame:
    """Every (iso3, name) Agora knows: the shipped names plus the alias table."""
    aliases = pl.read_csv(REFERENCE_DIR / "country_aliases.csv", schema={"alias": pl.String, "iso3": pl.String})
    return pl.concat([countries().select("iso3", "name"), aliases.select("iso3", name="alias")])


@lru_cache(maxsize=1)
def _iso3_by_normalised_name() -> dict[str, str]:
    return {_normalised(name): iso3 for iso3, name in _names_of_countries().iter_rows()}


def _word_bag(normalised: str) -> frozenset[str]:
    return frozenset(normalised.split()) - _ORDER_FREE_STOPWORDS


@lru_cache(maxsize=1)
def _iso3_by_word_bag() -> dict[frozenset[str], str]:
    """Names as sets of words (`Korea DPR` = `Democratic People's Republic of Korea`); a set two
    States share is left out, so word order never decides between them."""
    found: dict[frozenset[str], set[str]] = {}
    for normalised, iso3 in _iso3_by_normalised_name().items():
        found.setdefault(_word_bag(normalised), set()).add(iso3)
    return {bag: next(iter(codes)) for bag, codes in found.items() if len(codes) == 1 and bag}


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
    exact = _iso3_by_normalised_name().get(query) or _iso3_by_word_bag().get(_word_bag(query))
    if exact is not None:
        return exact
    from hdx.location.country import Country

    Country.set_use_live_default(False)
    guess, _ = Country.get_iso3_country_code_fuzzy(_repaired(name))
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


#: sources of the variants written by hand (kept when the table is rebuilt); the others are derived
_HAND_WRITTEN_SOURCES = ("upr_info", "ohchr", "uhri")
_HDX_NAME_FIELDS = (("Preferred Term", "hdx_preferred"), ("M49 English", "m49"), ("English Short", "iso_short"),
                    ("English Formal", "iso_formal"), ("ISO Alt Term", "iso_alt"), ("DGACM Alt Term", "dgacm_alt"),
                    ("RW Short Name", "reliefweb_short"), ("HPC Tools Alt Term", "hpc_alt"))


def _html_escaped(name: str) -> str:
    """A name as an HTML export writes it: `C&ocirc;te d&#39;Ivoire`, `Trinidad &amp; Tobago`."""
    from html.entities import codepoint2name

    text = name.replace("&", "&amp;").replace("'", "&#39;")
    return "".join(f"&{codepoint2name[ord(c)]};" if ord(c) > 127 and ord(c) in codepoint2name else c for c in text)


def _rebuild_state_variants_csv() -> Path:
    """Write state_name_variants.csv: the hand-written UPR Info, OHCHR and UHRI forms already in it,
    hdx-python-country's names and the alias table's for the 195 States, then each of those with
    `&` for `and`, HTML-escaped, mis-decoded (UTF-8 read as Windows-1252) and in capitals."""
    from hdx.location.country import Country

    Country.set_use_live_default(False)
    path = REFERENCE_DIR / "state_name_variants.csv"
    kept = pl.read_csv(path, schema={"variant": pl.String, "iso3": pl.String, "source": pl.String}).filter(
        pl.col("source").is_in(_HAND_WRITTEN_SOURCES))
    base = list(kept.iter_rows())
    records = Country.countriesdata()["countries"]
    aliases = pl.read_csv(REFERENCE_DIR / "country_aliases.csv", schema={"alias": pl.String, "iso3": pl.String})
    for iso3 in sorted(UN_MEMBER_AND_OBSERVER_STATES):
        base += [(records[iso3][f], iso3, source) for f, source in _HDX_NAME_FIELDS if records[iso3].get(f)]
        base += [(alias, iso3, "alias") for alias in aliases.filter(pl.col("iso3") == iso3)["alias"]]
    derived = []
    for variant, iso3, _source in base:
        if " and " in variant:
            derived.append((variant.replace(" and ", " & "), iso3, "ampersand"))
        if not variant.isascii() or "'" in variant or "&" in variant:
            derived.append((_html_escaped(variant), iso3, "html_escaped"))
        if not variant.isascii():
            derived.append((variant.encode("utf-8").decode("cp1252", errors="ignore"), iso3, "utf8_read_as_cp1252"))
        derived.append((variant.upper(), iso3, "capitals"))
    table = pl.DataFrame(base + derived, schema=["variant", "iso3", "source"], orient="row").unique(
        "variant", keep="first", maintain_order=True)
    table.write_csv(path)
    return path


if __name__ == "__main__":
    print(f"Wrote {_rebuild_countries_csv()}")
    print(f"Wrote {_rebuild_state_variants_csv()}")
