"""`agora generate`: seeded, realistic contract files for demos, tests and benchmarks.

Every row is valid per the data contract. The data are vectorised with numpy and polars and written
in chunks, so time and memory grow linearly with `scale` (the number of participations). The same
seed and scale give byte-identical files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterator

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from foundation.errors import AgoraError
from foundation.progress import progress
from warehouse import contract
from warehouse.reference import GROUP_MEMBERS, countries

FORMATS = ("parquet", "csv")
FIRST_DAY = date(2019, 1, 1)
#: nothing generated is dated after this day
LAST_DAY = date(2026, 12, 31)
#: rows per written chunk: bounds memory at any scale
CHUNK_ROWS = 1_000_000
#: a realistic ceiling: beyond it more participations mean more engagements per organisation
MAX_ORGANISATIONS = 50_000

_EPOCH = np.datetime64("1970-01-01", "D")


def _days(d: date) -> int:
    """A date as days since 1970-01-01, how the generator computes with dates."""
    return int((np.datetime64(d.isoformat(), "D") - _EPOCH).astype(int))


_LAST = _days(LAST_DAY)


class GenerateError(AgoraError):
    """The generator was asked for something it cannot produce."""


# -- the mechanisms: real names of UN human-rights mechanisms --------------------------------------
SR = "Special Rapporteur on "
MECHANISMS: tuple[tuple[str, str, str, str | None], ...] = (
    ("SR-EXPRESSION", SR + "the promotion and protection of the right to freedom of opinion and expression",
     "special_procedure", "civic space"),
    ("SR-ASSEMBLY", SR + "the rights to freedom of peaceful assembly and of association", "special_procedure",
     "civic space"),
    ("SR-HRD", SR + "the situation of human rights defenders", "special_procedure", "civic space"),
    ("SR-VAW", SR + "violence against women and girls, its causes and consequences", "special_procedure",
     "gender equality"),
    ("SR-INDIGENOUS", SR + "the rights of Indigenous Peoples", "special_procedure", "indigenous peoples"),
    ("SR-DISABILITY", SR + "the rights of persons with disabilities", "special_procedure", "disability"),
    ("SR-POVERTY", SR + "extreme poverty and human rights", "special_procedure", "economic and social rights"),
    ("SR-FOOD", SR + "the right to food", "special_procedure", "economic and social rights"),
    ("SR-HOUSING", SR + "adequate housing as a component of the right to an adequate standard of living",
     "special_procedure", "economic and social rights"),
    ("SR-EDUCATION", SR + "the right to education", "special_procedure", "economic and social rights"),
    ("SR-HEALTH", SR + "the right of everyone to the enjoyment of the highest attainable standard of physical "
     "and mental health", "special_procedure", "economic and social rights"),
    ("SR-TORTURE", SR + "torture and other cruel, inhuman or degrading treatment or punishment",
     "special_procedure", "justice and detention"),
    ("SR-EXECUTIONS", SR + "extrajudicial, summary or arbitrary executions", "special_procedure",
     "justice and detention"),
    ("SR-JUDGES", SR + "the independence of judges and lawyers", "special_procedure", "justice and detention"),
    ("SR-RELIGION", SR + "freedom of religion or belief", "special_procedure", "civic space"),
    ("SR-MINORITIES", SR + "minority issues", "special_procedure", "non-discrimination"),
    ("SR-MIGRANTS", SR + "the human rights of migrants", "special_procedure", "migration"),
    ("SR-IDP", SR + "the human rights of internally displaced persons", "special_procedure", "migration"),
    ("SR-RACISM", SR + "contemporary forms of racism, racial discrimination, xenophobia and related intolerance",
     "special_procedure", "non-discrimination"),
    ("SR-SLAVERY", SR + "contemporary forms of slavery, including its causes and consequences",
     "special_procedure", "labour"),
    ("SR-TRAFFICKING", SR + "trafficking in persons, especially women and children", "special_procedure",
     "migration"),
    ("SR-CHILDREN", SR + "the sale, sexual exploitation and sexual abuse of children", "special_procedure",
     "children"),
    ("SR-ENVIRONMENT", SR + "the human right to a clean, healthy and sustainable environment",
     "special_procedure", "environment"),
    ("SR-WATER", SR + "the human rights to safe drinking water and sanitation", "special_procedure",
     "economic and social rights"),
    ("SR-PRIVACY", SR + "the right to privacy", "special_procedure", "digital rights"),
    ("SR-TERRORISM", SR + "the promotion and protection of human rights and fundamental freedoms while "
     "countering terrorism", "special_procedure", "civic space"),
    ("SR-TRUTH", SR + "the promotion of truth, justice, reparation and guarantees of non-recurrence",
     "special_procedure", "transitional justice"),
    ("SR-CULTURE", SR + "in the field of cultural rights", "special_procedure", "culture"),
    ("SR-DEVELOPMENT", SR + "the right to development", "special_procedure", "development"),
    ("SR-CLIMATE", SR + "the promotion and protection of human rights in the context of climate change",
     "special_procedure", "environment"),
    ("SR-TOXICS", SR + "the implications for human rights of the environmentally sound management and disposal "
     "of hazardous substances and wastes", "special_procedure", "environment"),
    ("SR-BELARUS", SR + "the situation of human rights in Belarus", "special_procedure", None),
    ("SR-MYANMAR", SR + "the situation of human rights in Myanmar", "special_procedure", None),
    ("SR-DPRK", SR + "the situation of human rights in the Democratic People's Republic of Korea",
     "special_procedure", None),
    ("SR-IRAN", SR + "the situation of human rights in the Islamic Republic of Iran", "special_procedure", None),
    ("SR-AFGHANISTAN", SR + "the situation of human rights in Afghanistan", "special_procedure", None),
    ("SR-ERITREA", SR + "the situation of human rights in Eritrea", "special_procedure", None),
    ("IE-SOGI", "Independent Expert on protection against violence and discrimination based on sexual "
     "orientation and gender identity", "special_procedure", "non-discrimination"),
    ("IE-OLDER", "Independent Expert on the enjoyment of all human rights by older persons",
     "special_procedure", "older persons"),
    ("IE-ALBINISM", "Independent Expert on the enjoyment of human rights by persons with albinism",
     "special_procedure", "non-discrimination"),
    ("IE-MALI", "Independent Expert on the situation of human rights in Mali", "special_procedure", None),
    ("IE-CAR", "Independent Expert on the situation of human rights in the Central African Republic",
     "special_procedure", None),
    ("WG-DETENTION", "Working Group on Arbitrary Detention", "special_procedure", "justice and detention"),
    ("WG-DISAPPEARANCES", "Working Group on Enforced or Involuntary Disappearances", "special_procedure",
     "justice and detention"),
    ("WG-BUSINESS", "Working Group on the issue of human rights and transnational corporations and other "
     "business enterprises", "special_procedure", "business and human rights"),
    ("WG-WOMEN", "Working Group on discrimination against women and girls", "special_procedure",
     "gender equality"),
    ("WG-AFRICAN-DESCENT", "Working Group of Experts on People of African Descent", "special_procedure",
     "non-discrimination"),
    ("WG-MERCENARIES", "Working Group on the use of mercenaries", "special_procedure", "peace and security"),
    ("CCPR", "Human Rights Committee", "treaty_body", "civil and political rights"),
    ("CESCR", "Committee on Economic, Social and Cultural Rights", "treaty_body", "economic and social rights"),
    ("CERD", "Committee on the Elimination of Racial Discrimination", "treaty_body", "non-discrimination"),
    ("CEDAW", "Committee on the Elimination of Discrimination against Women", "treaty_body", "gender equality"),
    ("CAT", "Committee against Torture", "treaty_body", "justice and detention"),
    ("SPT", "Subcommittee on Prevention of Torture", "treaty_body", "justice and detention"),
    ("CRC", "Committee on the Rights of the Child", "treaty_body", "children"),
    ("CMW", "Committee on Migrant Workers", "treaty_body", "migration"),
    ("CRPD", "Committee on the Rights of Persons with Disabilities", "treaty_body", "disability"),
    ("CED", "Committee on Enforced Disappearances", "treaty_body", "justice and detention"),
    ("UPR", "Universal Periodic Review Working Group", "upr", None),
    ("HRC", "Human Rights Council", "other", None),
    ("HRC-AC", "Human Rights Council Advisory Committee", "other", None),
    ("EMRIP", "Expert Mechanism on the Rights of Indigenous Peoples", "other", "indigenous peoples"),
    ("FORUM-MINORITIES", "Forum on Minority Issues", "other", "non-discrimination"),
    ("FORUM-BUSINESS", "Forum on Business and Human Rights", "other", "business and human rights"),
    ("SOCIAL-FORUM", "Social Forum", "other", "development"),
    ("COI-SYRIA", "Independent International Commission of Inquiry on the Syrian Arab Republic", "other", None),
    ("COI-UKRAINE", "Independent International Commission of Inquiry on Ukraine", "other", None),
    ("FFM-VENEZUELA", "Independent International Fact-Finding Mission on the Bolivarian Republic of Venezuela",
     "other", None),
    ("VF-TORTURE", "United Nations Voluntary Fund for Victims of Torture", "other", "justice and detention"),
)

#: country mandates and inquiries: their visits, dialogues and recommendations concern this State
MECHANISM_STATE = {
    "SR-BELARUS": "BLR", "SR-MYANMAR": "MMR", "SR-DPRK": "PRK", "SR-IRAN": "IRN", "SR-AFGHANISTAN": "AFG",
    "SR-ERITREA": "ERI", "IE-MALI": "MLI", "IE-CAR": "CAF", "COI-SYRIA": "SYR", "COI-UKRAINE": "UKR",
    "FFM-VENEZUELA": "VEN",
}

#: how often each kind of mechanism runs an engagement, and the kinds of engagement it runs
MECHANISM_KIND_SHARE = {"special_procedure": 0.40, "treaty_body": 0.25, "upr": 0.20, "other": 0.15}
ENGAGEMENT_KIND_SHARES: dict[str, dict[str, float]] = {
    "special_procedure": {"country_visit": 0.25, "call_for_input": 0.25, "consultation": 0.20,
                          "online_consultation": 0.12, "side_event": 0.08, "public_hearing": 0.05,
                          "training": 0.05},
    "treaty_body": {"review": 0.45, "consultation": 0.15, "call_for_input": 0.15, "public_hearing": 0.10,
                    "training": 0.10, "online_consultation": 0.05},
    "upr": {"review": 0.60, "consultation": 0.15, "training": 0.15, "side_event": 0.05,
            "online_consultation": 0.05},
    "other": {"interactive_dialogue": 0.30, "side_event": 0.20, "advisory_group": 0.15, "consultation": 0.15,
              "training": 0.10, "public_hearing": 0.10},
}
KIND_TITLES = {
    "consultation": "Regional consultation", "public_hearing": "Public hearing",
    "advisory_group": "Civil society advisory group", "country_visit": "Country visit",
    "interactive_dialogue": "Interactive dialogue", "online_consultation": "Online consultation",
    "call_for_input": "Call for input", "training": "Training for civil society", "side_event": "Side event",
    "review": "Review",
}
#: (shortest, longest) length in days, end_date - start_date
KIND_DURATION = {
    "consultation": (0, 2), "public_hearing": (0, 1), "advisory_group": (0, 2), "country_visit": (5, 14),
    "interactive_dialogue": (0, 1), "online_consultation": (0, 1), "call_for_input": (30, 90),
    "training": (1, 3), "side_event": (0, 0), "review": (1, 2),
}
#: relative number of organisations taking part in each kind of engagement
KIND_PARTICIPATION = {
    "consultation": 1.4, "public_hearing": 1.0, "advisory_group": 0.5, "country_visit": 1.6,
    "interactive_dialogue": 1.2, "online_consultation": 1.5, "call_for_input": 0.2, "training": 0.9,
    "side_event": 1.0, "review": 1.1,
}
#: relative number of written submissions each kind of engagement receives
KIND_SUBMISSIONS = {
    "consultation": 1.0, "public_hearing": 0.5, "advisory_group": 0.2, "country_visit": 2.0,
    "interactive_dialogue": 0.5, "online_consultation": 1.5, "call_for_input": 12.0, "training": 0.1,
    "side_event": 0.1, "review": 4.0,
}
#: engagements whose outcome is a report or outcome document
PUBLISHING_KINDS = ("country_visit", "review", "call_for_input", "consultation", "public_hearing",
                    "online_consultation", "interactive_dialogue")
RECOMMENDING_KINDS = ("country_visit", "review", "interactive_dialogue")
YEAR_SHARE = {2019: 0.11, 2020: 0.09, 2021: 0.12, 2022: 0.13, 2023: 0.13, 2024: 0.14, 2025: 0.14, 2026: 0.14}
#: fewer engagements in summer and at year end (August is the Geneva break)
MONTH_SHARE = np.array([1.0, 1.1, 1.2, 1.0, 1.0, 1.1, 0.9, 0.3, 1.0, 1.2, 1.1, 0.8])
#: UPR Working Group sessions meet in January, April-May and November
UPR_MONTH_SHARE = np.array([0.33, 0, 0, 0.04, 0.30, 0, 0, 0, 0, 0, 0.33, 0])
#: (in_person, online, hybrid) by year: online after 2020, hybrid settling in
MODALITY_BY_YEAR = {
    2019: (0.85, 0.05, 0.10), 2020: (0.20, 0.70, 0.10), 2021: (0.25, 0.50, 0.25), 2022: (0.45, 0.25, 0.30),
    2023: (0.50, 0.20, 0.30), 2024: (0.50, 0.18, 0.32), 2025: (0.50, 0.17, 0.33), 2026: (0.50, 0.17, 0.33),
}
LANGUAGES = ("en", "fr", "es", "ar", "ru", "zh", "pt", "sw")
#: how likely each language is among an engagement's languages (English nearly always)
LANGUAGE_PULL = np.array([6.0, 2.0, 2.0, 1.0, 0.8, 0.6, 0.4, 0.3])
SUBMISSION_LANGUAGE_SHARE = {"en": 0.70, "fr": 0.12, "es": 0.11, "ar": 0.03, "ru": 0.02, "zh": 0.01, "pt": 0.01}
#: where international NGOs and the Geneva/New York meetings sit
HEADQUARTERS = ("CHE", "USA", "GBR", "NLD", "BEL", "FRA", "DEU", "NOR", "ZAF", "KEN", "THA", "ARG")
VENUES = ("CHE", "CHE", "CHE", "USA", "THA", "KEN", "CHL", "AUT")
#: organisation countries: the share of each regional group (territories outside the groups included)
REGION_SHARE = {"AG": 0.25, "APG": 0.25, "GRULAC": 0.18, "EEG": 0.10, "WEOG": 0.19, "none": 0.03}
NO_GROUP_HOMES = ("PRI", "HKG", "GRL", "NCL", "PYF", "GUM", "BMU", "CUW", "REU", "ESH")
ORG_TYPE_SHARE = {"national_ngo": 0.38, "community_based": 0.17, "international_ngo": 0.12,
                  "regional_ngo": 0.10, "network": 0.09, "academic": 0.07, "other": 0.07}
#: budget band shares per organisation type (lt_50k, 50k_250k, 250k_1m, gt_1m, unknown)
BUDGET_BY_TYPE = {
    "national_ngo": (0.25, 0.35, 0.20, 0.08, 0.12), "community_based": (0.60, 0.22, 0.05, 0.01, 0.12),
    "international_ngo": (0.02, 0.08, 0.25, 0.60, 0.05), "regional_ngo": (0.10, 0.30, 0.35, 0.15, 0.10),
    "network": (0.30, 0.35, 0.15, 0.05, 0.15), "academic": (0.15, 0.30, 0.30, 0.15, 0.10),
    "other": (0.30, 0.30, 0.15, 0.05, 0.20),
}
ORG_NAME_FORMS = ("Centre for", "Coalition for", "Network for", "Initiative for", "Alliance for",
                  "Foundation for", "Association for", "Forum for", "Institute for", "Movement for")
ORG_NAME_CAUSES = ("Human Rights", "Justice", "Women's Rights", "Civic Freedoms", "Indigenous Rights",
                   "Disability Rights", "Children's Rights", "Land and Environment", "Equality", "Dignity",
                   "Democracy", "Migrant Rights", "Peace", "Accountability", "Youth Participation")
RECOMMENDATION_TEXTS = (
    "Ratify the Optional Protocol to the Convention against Torture",
    "Adopt a comprehensive anti-discrimination law covering all prohibited grounds",
    "Guarantee a safe and enabling environment for human rights defenders",
    "Repeal provisions that criminalise defamation and unduly restrict freedom of expression",
    "Ensure the independence and adequate funding of the national human rights institution",
    "Criminalise all forms of gender-based violence, including marital rape",
    "Investigate all allegations of reprisals against persons cooperating with the United Nations",
    "Extend a standing invitation to all special procedures mandate holders",
    "Strengthen measures to ensure inclusive and equitable education for children with disabilities",
    "Consult Indigenous Peoples to obtain their free, prior and informed consent on projects affecting them",
    "Amend the law on associations to remove undue restrictions on foreign funding",
    "Take measures to reduce pre-trial detention and improve conditions of detention",
    "Adopt a national action plan on business and human rights",
    "Ensure access to safe drinking water and sanitation in rural areas",
    "Establish a moratorium on executions with a view to abolishing the death penalty",
)
RECOMMENDATION_THEMES = ("civic space", "gender equality", "justice and detention", "non-discrimination",
                         "economic and social rights", "children", "disability", "indigenous peoples",
                         "migration", "environment", "business and human rights", "death penalty")
TARGETS = {
    # indicator: (baseline, yearly target); PAR-01 is a count, scaled to the organisations generated
    "PAR-02": (0.78, 0.85), "INC-01": (0.35, 0.40), "INC-05": (0.80, 0.85), "INC-06": (0.45, 0.50),
    "FOL-01": (0.50, 0.60), "FOL-02": (12.0, 10.0), "FOL-04": (0.35, 0.50), "FOL-09": (0.30, 0.40),
    "FOL-13": (0.12, 0.10),
}


@dataclass
class _Organisations:
    """What children of organisations need: draws of organisations active on a day, and where they are.

    Organisations are numbered in the order they started engaging (`entry`, ascending), so the ones
    active on a day are a prefix of the numbering and every draw is a vectorised searchsorted.
    """
    count: int
    entry: np.ndarray
    #: running total of the organisations' activity weights
    activity_cumsum: np.ndarray
    at_risk: np.ndarray
    women_led: np.ndarray
    #: country * count + index, sorted: each country's organisations in numbering order
    by_country: np.ndarray
    country_start: np.ndarray

    def active_on(self, days: np.ndarray) -> np.ndarray:
        """How many organisations had started engaging by each day (at least one)."""
        return np.maximum(np.searchsorted(self.entry, days, side="right"), 1)

    def draw(self, rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
        """An organisation active on each day, the more active ones more often."""
        active = self.active_on(days)
        reach = rng.random(len(days)) * self.activity_cumsum[active - 1]
        return np.minimum(np.searchsorted(self.activity_cumsum, reach, side="right"), active - 1)

    def draw_uniformly(self, rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
        return rng.integers(0, self.active_on(days))

    def draw_from_countries(self, rng: np.random.Generator, country_codes: np.ndarray,
                            days: np.ndarray) -> np.ndarray:
        """An active organisation of each given country (index into `countries()`), any one where there is none."""
        first = self.country_start[country_codes]
        available = np.searchsorted(self.by_country, country_codes * self.count + self.active_on(days)) - first
        pick = np.minimum(first + (rng.random(len(days)) * available).astype(np.int64), len(self.by_country) - 1)
        return np.where(available > 0, self.by_country[pick] % self.count, self.draw(rng, days))


@dataclass
class _Engagements:
    count: int
    kind: np.ndarray            # index into contract.ENGAGEMENT_KINDS
    mechanism: np.ndarray       # index into MECHANISMS
    start: np.ndarray           # days since 1970-01-01
    end: np.ndarray
    country: np.ndarray         # index into countries(), -1 for none
    published: np.ndarray       # days, -1 for none


def generate(out: Path, scale: int, seed: int, fmt: str = "parquet") -> dict[str, int]:
    """Write one file per entity into `out`; return the rows written per entity, in load order."""
    if scale < 1:
        raise GenerateError(f"The scale must be at least 1 participation (it was {scale}).")
    if fmt not in FORMATS:
        raise GenerateError(f"Agora generates {' or '.join(FORMATS)} files, not {fmt!r}.")
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    country_table = countries()
    member_codes = np.flatnonzero((country_table["regional_group"] != "none").to_numpy())
    writers = {name: _EntityWriter(out, name, fmt) for name in contract.LOAD_ORDER}
    try:
        writers["mechanisms"].write(_mechanisms_frame())
        organisations = _write_organisations(rng, scale, country_table, writers["organisations"])
        engagements = _write_engagements(rng, scale, country_table, member_codes, writers["engagements"])
        _write_participations_and_feedback(rng, scale, engagements, organisations,
                                           writers["participations"], writers["feedback"])
        _write_submissions(rng, scale, engagements, organisations, writers["submissions"])
        _write_recommendations_and_follow_ups(rng, scale, engagements, country_table, member_codes,
                                              writers["recommendations"], writers["follow_ups"])
        writers["targets"].write(_targets_frame(organisations.count))
    finally:
        for writer in writers.values():
            writer.close()
    return {name: writer.rows for name, writer in writers.items()}


# -- writing ---------------------------------------------------------------------------------------

_POLARS_TYPES = {
    "text": pl.String, "enum": pl.String, "country": pl.String, "language": pl.String, "date": pl.Date,
    "bool": pl.Boolean, "int": pl.Int64, "float": pl.Float64,
}


def _entity_schema(entity: str) -> dict[str, pl.DataType]:
    return {
        column.name: pl.List(pl.String) if column.is_list else _POLARS_TYPES[column.type]
        for column in contract.ENTITIES[entity].columns
    }


class _EntityWriter:
    """Appends frames of one entity to its file, in the contract's column order and types."""

    def __init__(self, out: Path, entity: str, fmt: str) -> None:
        self.path = out / f"{entity}.{fmt}"
        self.rows = 0
        self.schema = _entity_schema(entity)
        self._parquet: pq.ParquetWriter | None = None
        self._csv = self.path.open("wb") if fmt == "csv" else None

    def write(self, frame: pl.DataFrame) -> None:
        frame = frame.select([pl.col(name).cast(dtype) for name, dtype in self.schema.items()])
        if self._csv is not None:
            lists = [name for name, dtype in self.schema.items() if dtype == pl.List(pl.String)]
            # An empty list is an empty cell, as the contract writes it.
            joined = [pl.col(name).list.join(";").replace("", None) for name in lists]
            frame.with_columns(joined).write_csv(self._csv, include_header=self.rows == 0)
        else:
            table = frame.to_arrow()
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self.path, table.schema, compression="zstd")
            self._parquet.write_table(table)
        self.rows += frame.height

    def close(self) -> None:
        if self._csv is not None:
            if self.rows == 0:
                self._csv.write((",".join(self.schema) + "\n").encode())
            self._csv.close()
        elif self._parquet is None:
            self._parquet = pq.ParquetWriter(self.path, pl.DataFrame(schema=self.schema).to_arrow().schema)
        if self._parquet is not None:
            self._parquet.close()


# -- small vectorised helpers ----------------------------------------------------------------------

def _pick(rng: np.random.Generator, shares, n: int) -> np.ndarray:
    """n indices drawn with the given relative shares."""
    cdf = np.cumsum(np.asarray(shares, dtype=np.float64))
    return np.minimum(np.searchsorted(cdf / cdf[-1], rng.random(n), side="right"), len(cdf) - 1)


def _pick_per_row(rng: np.random.Generator, shares: np.ndarray) -> np.ndarray:
    """One index per row of a (rows, options) matrix of relative shares."""
    cdf = np.cumsum(shares, axis=1)
    u = rng.random(len(shares))[:, None] * cdf[:, -1:]
    return np.minimum((cdf <= u).sum(axis=1), shares.shape[1] - 1)


def _ids(prefix: str, first: int, n: int, width: int) -> pl.Series:
    """Identifiers prefix + zero-padded number, numbered from `first`."""
    numbers = pl.Series(np.arange(first, first + n, dtype=np.int64)).cast(pl.String).str.zfill(width)
    return pl.select(pl.concat_str(pl.lit(prefix), numbers)).to_series()


def _labels(values, index: np.ndarray) -> pl.Series:
    """The value at each index, as a string column (polars gathers far faster than numpy strings)."""
    return pl.Series(list(values), dtype=pl.String).gather(index)


def _id_width(n: int) -> int:
    return max(6, len(str(n)))


def _dates(days: np.ndarray) -> pl.Series:
    """Days since 1970-01-01 as a date column; negative days are missing dates."""
    return _blank_where(pl.Series(days.astype(np.int32)).cast(pl.Date), days < 0)


def _blank_where(values: pl.Series, blank: np.ndarray) -> pl.Series:
    """The values, missing where `blank` is true."""
    return pl.select(pl.when(pl.lit(pl.Series(~blank))).then(pl.lit(values))).to_series()


def _subsets(rng: np.random.Generator, values: tuple[str, ...], sizes: np.ndarray,
             pull: np.ndarray | None = None) -> pl.Series:
    """A list of `sizes[i]` distinct values per row; values with a stronger pull come first more often."""
    keys = rng.random((len(sizes), len(values)))
    if pull is not None:
        keys = keys ** (1.0 / pull)  # larger pull -> keys nearer 1 -> picked first
    order = np.argsort(-keys, axis=1, kind="stable")
    chosen = order[np.arange(len(values))[None, :] < sizes[:, None]]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int32)
    # Arrow arrays built from buffers, not from numpy arrays: pa.array() would import pandas (a second).
    offsets_array = pa.Array.from_buffers(pa.int32(), len(offsets), [None, pa.py_buffer(offsets)])
    items = _labels(values, chosen).to_arrow()
    return pl.Series(pa.ListArray.from_arrays(offsets_array, items))


def _clip_to_last(days: np.ndarray) -> np.ndarray:
    """Dates past LAST_DAY become missing (-1): they have not happened."""
    return np.where(days > _LAST, -1, days)


def _allocate(total: int, weights: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Split `total` into integer parts proportional to weights, none above its cap (largest remainders)."""
    parts = np.zeros(len(weights), dtype=np.int64)
    open_ = np.ones(len(weights), dtype=bool)
    remaining = total
    while remaining > 0 and open_.any():
        share = np.where(open_, weights, 0.0)
        exact = remaining * share / share.sum()
        step = np.floor(exact).astype(np.int64)
        leftover = remaining - step.sum()
        step[np.argsort(-(exact - step), kind="stable")[:leftover]] += 1
        parts += step
        overflow = np.maximum(parts - cap, 0)
        parts -= overflow
        remaining = int(overflow.sum())
        open_ &= parts < cap
    return parts


# -- the entities ----------------------------------------------------------------------------------

def _mechanisms_frame() -> pl.DataFrame:
    return pl.DataFrame(MECHANISMS, schema=["mechanism_id", "name", "kind", "theme"], orient="row")


def _write_organisations(rng: np.random.Generator, scale: int, country_table: pl.DataFrame,
                         writer: _EntityWriter) -> _Organisations:
    n = min(max(scale // 8, 200), MAX_ORGANISATIONS)
    # Some organisations were engaging before 2019, the others start over the years (newcomers).
    established = rng.random(n) < 0.45
    entry = np.sort(np.where(established, _days(FIRST_DAY) - 1,
                             rng.integers(_days(FIRST_DAY), _days(date(2026, 9, 30)), size=n)))
    iso_index = _row_of_country(country_table)
    pools = {group: np.array([iso_index[c] for c in GROUP_MEMBERS.get(group, NO_GROUP_HOMES)])
             for group in REGION_SHARE}
    group = _pick(rng, list(REGION_SHARE.values()), n)
    country = np.empty(n, dtype=np.int64)
    for g, name in enumerate(REGION_SHARE):
        rows = group == g
        country[rows] = pools[name][rng.integers(len(pools[name]), size=int(rows.sum()))]
    org_type = _pick(rng, list(ORG_TYPE_SHARE.values()), n)
    type_names = np.array(list(ORG_TYPE_SHARE))
    international = type_names[org_type] == "international_ngo"
    at_headquarters = international & (rng.random(n) < 0.7)
    headquarters = np.array([iso_index[c] for c in HEADQUARTERS])
    country[at_headquarters] = headquarters[rng.integers(len(headquarters), size=int(at_headquarters.sum()))]

    constituencies = _subsets(rng, contract.CONSTITUENCIES, _pick(rng, [0.30, 0.35, 0.20, 0.15], n))

    def serves(constituency: str) -> np.ndarray:
        return constituencies.list.contains(constituency).to_numpy()

    women_led = rng.random(n) < 0.37 + 0.30 * serves("women")
    youth_led = rng.random(n) < 0.10 + 0.25 * serves("children_youth")
    at_risk = rng.random(n) < 0.06 + 0.12 * (serves("human_rights_defenders") | serves("lgbti"))
    budget = _pick_per_row(rng, np.array([BUDGET_BY_TYPE[t] for t in type_names])[org_type])
    ecosoc_share = np.select([international, np.isin(type_names[org_type], ["regional_ngo", "network"])],
                             [0.6, 0.25], 0.07)
    names = pl.select(pl.concat_str(
        pl.lit(_labels(ORG_NAME_FORMS, rng.integers(len(ORG_NAME_FORMS), size=n))), pl.lit(" "),
        pl.lit(_labels(ORG_NAME_CAUSES, rng.integers(len(ORG_NAME_CAUSES), size=n))), pl.lit(" ("),
        pl.lit(country_table["name"].gather(country)), pl.lit(")"),
    )).to_series()
    writer.write(pl.DataFrame({
        "org_id": _ids("ORG-", 1, n, _id_width(n)),
        "name": names,
        "org_type": _labels(type_names, org_type),
        "country": country_table["iso3"].gather(country),
        "women_led": women_led,
        "youth_led": youth_led,
        "constituencies": constituencies,
        "budget_band": _labels(contract.BUDGET_BANDS, budget),
        "ecosoc_status": rng.random(n) < ecosoc_share,
        "at_risk": at_risk,
    }))
    activity = rng.lognormal(0.0, 0.9, n) * np.where(international, 3.0, 1.0)
    by_country = np.sort(country * n + np.arange(n))
    return _Organisations(
        count=n, entry=entry, activity_cumsum=np.cumsum(activity), at_risk=at_risk, women_led=women_led,
        by_country=by_country,
        country_start=np.searchsorted(by_country, np.arange(country_table.height) * n),
    )


def _row_of_country(country_table: pl.DataFrame) -> dict[str, int]:
    """ISO3 code -> its row in the country table (the generator's country index)."""
    return {iso3: row for row, iso3 in enumerate(country_table["iso3"].to_list())}


def _mechanism_states(iso_index: dict[str, int]) -> np.ndarray:
    """Per mechanism, the index of the State its mandate concerns, or -1."""
    return np.array([iso_index[MECHANISM_STATE[m[0]]] if m[0] in MECHANISM_STATE else -1 for m in MECHANISMS])


def _months_to_days(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    """The first day of each (year, month), as days since 1970-01-01."""
    months = ((year - 1970) * 12 + month - 1).astype("timedelta64[M]") + np.datetime64("1970-01", "M")
    return (months.astype("datetime64[D]") - _EPOCH).astype(np.int64)


def _write_engagements(rng: np.random.Generator, scale: int, country_table: pl.DataFrame,
                       member_codes: np.ndarray, writer: _EntityWriter) -> _Engagements:
    n = max(scale // 20, 8)
    kinds = contract.ENGAGEMENT_KINDS
    mechanism_kinds = np.array([m[2] for m in MECHANISMS])
    popularity = rng.lognormal(0.0, 0.5, len(MECHANISMS)) * np.array(
        [MECHANISM_KIND_SHARE[k] / (mechanism_kinds == k).sum() for k in mechanism_kinds])
    mechanism = _pick(rng, popularity, n)
    kind_shares = np.array([[ENGAGEMENT_KIND_SHARES[m].get(k, 0.0) for k in kinds] for m in mechanism_kinds])
    kind = _pick_per_row(rng, kind_shares[mechanism])
    kind_name = np.array(kinds)[kind]
    upr_review = (mechanism_kinds[mechanism] == "upr") & (kind_name == "review")

    years = np.array(list(YEAR_SHARE))
    year = years[_pick(rng, list(YEAR_SHARE.values()), n)]
    month_shares = np.where(upr_review[:, None], UPR_MONTH_SHARE[None, :], MONTH_SHARE[None, :])
    month = _pick_per_row(rng, month_shares) + 1
    day = rng.integers(0, np.where(upr_review, 14, 28))
    start = _months_to_days(year, month) + day
    shortest = np.array([KIND_DURATION[k][0] for k in kinds])[kind]
    longest = np.array([KIND_DURATION[k][1] for k in kinds])[kind]
    end = np.minimum(start + rng.integers(shortest, longest + 1), _LAST)

    modality = _pick_per_row(rng, np.array([MODALITY_BY_YEAR[y] for y in years])[year - years[0]])
    modality = np.where(kind_name == "country_visit", 0,
                        np.where(np.isin(kind_name, ["online_consultation", "call_for_input"]), 1, modality))
    iso_index = _row_of_country(country_table)
    venues = np.array([iso_index[c] for c in VENUES])
    about_a_state = np.isin(kind_name, ["country_visit", "review"])
    country = np.where(
        about_a_state | (rng.random(n) < 0.3), member_codes[rng.integers(len(member_codes), size=n)],
        venues[rng.integers(len(venues), size=n)])
    country = np.where(~about_a_state & (modality == 1), -1, country)
    mandate_state = _mechanism_states(iso_index)[mechanism]
    country = np.where((mandate_state >= 0) & (about_a_state | (country >= 0)), mandate_state, country)
    publishes = np.isin(kind_name, PUBLISHING_KINDS) & (rng.random(n) < 0.75)
    published = np.where(publishes, _clip_to_last(end + rng.integers(20, 181, size=n)), -1)

    accessibility_share_empty = 0.5 - 0.035 * (year - years[0])
    accessibility_sizes = np.where(rng.random(n) < accessibility_share_empty, 0, rng.integers(1, 4, size=n))
    iso3 = country_table["iso3"]
    title = pl.DataFrame({
        "kind": _labels([KIND_TITLES[k] for k in kinds], kind),
        "state": _blank_where(country_table["name"].gather(np.maximum(country, 0)), ~about_a_state),
        "mechanism": pl.Series([m[1] for m in MECHANISMS]).gather(mechanism),
        "year": year,
    }).select(pl.concat_str(
        "kind", pl.concat_str(pl.lit(" of "), "state").fill_null(""), pl.lit(", "), "mechanism", pl.lit(", "),
        pl.col("year").cast(pl.String),
    )).to_series()
    writer.write(pl.DataFrame({
        "engagement_id": _ids("ENG-", 1, n, _id_width(n)),
        "mechanism_id": pl.Series([m[0] for m in MECHANISMS]).gather(mechanism),
        "kind": _labels(kinds, kind),
        "title": title,
        "start_date": _dates(start),
        "end_date": _dates(end),
        "country": _blank_where(iso3.gather(np.maximum(country, 0)), country < 0),
        "modality": _labels(contract.MODALITIES, modality),
        "languages": _subsets(rng, LANGUAGES, _pick(rng, [0.35, 0.30, 0.20, 0.15], n) + 1, LANGUAGE_PULL),
        "accessibility": _subsets(rng, contract.ACCESSIBILITY, accessibility_sizes),
        "output_published_on": _dates(published),
    }))
    return _Engagements(count=n, kind=kind, mechanism=mechanism, start=start, end=end, country=country,
                        published=published)


def _distinct_organisations(rng: np.random.Generator, engagement: np.ndarray, engagements: _Engagements,
                            organisations: _Organisations) -> np.ndarray:
    """An organisation for each participation row, never the same one twice at one engagement.

    Country visits and reviews draw many participants from the State concerned; the rest follow each
    organisation's activity. Repeated pairs are redrawn (uniformly after a few rounds, which always
    ends since no engagement has more than half of the organisations active at its start).
    """
    local = (engagements.country[engagement] >= 0) & np.isin(
        engagements.kind[engagement], [contract.ENGAGEMENT_KINDS.index(k) for k in ("country_visit", "review")]
    ) & (rng.random(len(engagement)) < 0.4)
    day = engagements.start[engagement]
    org = organisations.draw(rng, day)
    org[local] = organisations.draw_from_countries(rng, engagements.country[engagement[local]], day[local])
    for round_ in range(1_000):
        key = engagement * organisations.count + org
        order = np.argsort(key, kind="stable")
        repeated = order[1:][key[order][1:] == key[order][:-1]]
        if len(repeated) == 0:
            return org
        org[repeated] = (organisations.draw(rng, day[repeated]) if round_ < 5
                         else organisations.draw_uniformly(rng, day[repeated]))
    raise GenerateError("Could not give every engagement distinct organisations; use a larger scale.")


def _chunks(sizes: np.ndarray) -> Iterator[np.ndarray]:
    """Consecutive index ranges whose sizes add up to about CHUNK_ROWS each."""
    ends = np.searchsorted(np.cumsum(sizes), np.arange(CHUNK_ROWS, int(sizes.sum()) + CHUNK_ROWS, CHUNK_ROWS),
                           side="right")
    first = 0
    for last in np.unique(np.minimum(np.maximum(ends, 1), len(sizes))):
        if last > first:
            yield np.arange(first, last)
            first = last
    if first < len(sizes):
        yield np.arange(first, len(sizes))


def _write_participations_and_feedback(rng: np.random.Generator, scale: int, engagements: _Engagements,
                                       organisations: _Organisations, participations: _EntityWriter,
                                       feedback: _EntityWriter) -> None:
    weights = np.array([KIND_PARTICIPATION[k] for k in contract.ENGAGEMENT_KINDS])[engagements.kind]
    per_engagement = _allocate(scale, weights * rng.lognormal(0.0, 0.6, engagements.count),
                               cap=np.maximum(organisations.active_on(engagements.start) // 2, 1))
    if per_engagement.sum() != scale:
        raise GenerateError(f"Could not place {scale:,} participations on {engagements.count:,} engagements.")
    feedback_total = scale // 4
    eng_ids = _ids("ENG-", 1, engagements.count, _id_width(engagements.count))
    org_ids = _ids("ORG-", 1, organisations.count, _id_width(organisations.count))
    response_width = _id_width(feedback_total)
    with progress("Generating participations", total=scale) as bar:
        for chunk in _chunks(per_engagement):
            engagement = np.repeat(chunk, per_engagement[chunk])
            n = len(engagement)
            org = _distinct_organisations(rng, engagement, engagements, organisations)
            registered = rng.random(n) < 0.9
            attended = rng.random(n) < np.where(registered, 0.86, 0.35)
            spoke = attended & (rng.random(n) < 0.35)
            total = np.where(attended, np.minimum(rng.geometric(0.45, size=n), 40), 0)
            women = rng.binomial(total, np.where(organisations.women_led[org], 0.62, 0.42))
            told = attended & (rng.random(n) < 0.5)
            communicated = np.where(told, _clip_to_last(engagements.end[engagement] + rng.integers(5, 151, size=n)),
                                    -1)
            participations.write(pl.DataFrame({
                "engagement_id": eng_ids.gather(engagement),
                "org_id": org_ids.gather(org),
                "registered": registered,
                "attended": attended,
                "spoke": spoke,
                "participants_total": total,
                "participants_women": women,
                "outcome_communicated_on": _dates(communicated),
            }))
            # Survey responses come from attended participations, in proportion to the rows written.
            quota = feedback_total * participations.rows // scale - feedback.rows
            responding = rng.permutation(np.flatnonzero(attended))[:quota]
            responding.sort()
            feedback.write(_feedback_frame(rng, feedback.rows, response_width, engagement[responding],
                                           org[responding], communicated[responding] >= 0, engagements,
                                           organisations, eng_ids, org_ids))
            bar.advance(n)


def _feedback_frame(rng: np.random.Generator, first: int, width: int, engagement: np.ndarray, org: np.ndarray,
                    told_outcome: np.ndarray, engagements: _Engagements, organisations: _Organisations,
                    eng_ids: pl.Series, org_ids: pl.Series) -> pl.DataFrame:
    n = len(engagement)
    anonymous = rng.random(n) < 0.15
    satisfaction = _pick(rng, [0.05, 0.10, 0.25, 0.35, 0.25], n) + 1
    felt_heard = np.clip(satisfaction + _pick(rng, [0.2, 0.55, 0.25], n) - 1, 1, 5)
    return pl.DataFrame({
        "response_id": _ids("FB-", first + 1, n, width),
        "engagement_id": eng_ids.gather(engagement),
        "org_id": _blank_where(org_ids.gather(org), anonymous),
        "submitted_on": _dates(np.minimum(engagements.end[engagement] + rng.integers(0, 31, size=n), _LAST)),
        "satisfaction": satisfaction,
        "felt_heard": felt_heard,
        "informed_of_outcome": rng.random(n) < np.where(told_outcome, 0.8, 0.2),
        "faced_restrictions": rng.random(n) < np.where(organisations.at_risk[org], 0.35, 0.08),
    })


def _write_submissions(rng: np.random.Generator, scale: int, engagements: _Engagements,
                       organisations: _Organisations, writer: _EntityWriter) -> None:
    total = scale // 3
    weights = np.array([KIND_SUBMISSIONS[k] for k in contract.ENGAGEMENT_KINDS])[engagements.kind]
    popularity = weights * rng.lognormal(0.0, 0.7, engagements.count)
    eng_ids = _ids("ENG-", 1, engagements.count, _id_width(engagements.count))
    org_ids = _ids("ORG-", 1, organisations.count, _id_width(organisations.count))
    call = contract.ENGAGEMENT_KINDS.index("call_for_input")
    about_a_state = np.isin(engagements.kind, [contract.ENGAGEMENT_KINDS.index(k) for k in ("country_visit", "review")])
    languages = list(SUBMISSION_LANGUAGE_SHARE)
    with progress("Generating submissions", total=total) as bar:
        for first in range(0, total, CHUNK_ROWS):
            n = min(CHUNK_ROWS, total - first)
            engagement = np.sort(_pick(rng, popularity, n))
            start, end = engagements.start[engagement], engagements.end[engagement]
            received = np.select(
                [engagements.kind[engagement] == call, about_a_state[engagement]],
                [start + (rng.random(n) * (end - start + 1)).astype(np.int64), start - rng.integers(20, 121, size=n)],
                start - rng.integers(0, 31, size=n))
            local = about_a_state[engagement] & (rng.random(n) < 0.5)
            org = organisations.draw(rng, received)
            org[local] = organisations.draw_from_countries(rng, engagements.country[engagement[local]],
                                                           received[local])
            delay = np.where(rng.random(n) < 0.6, rng.integers(0, 15, size=n), rng.integers(15, 41, size=n))
            acknowledged = np.where(rng.random(n) < 0.8, _clip_to_last(received + delay), -1)
            assessed = (engagements.published[engagement] >= 0) & (rng.random(n) < 0.9)
            reflected = _blank_where(pl.Series(rng.random(n) < 0.45), ~assessed)
            writer.write(pl.DataFrame({
                "submission_id": _ids("SUB-", first + 1, n, _id_width(total)),
                "engagement_id": eng_ids.gather(engagement),
                "org_id": _blank_where(org_ids.gather(org), rng.random(n) < 0.10),
                "received_on": _dates(received),
                "language": _labels(languages, _pick(rng, list(SUBMISSION_LANGUAGE_SHARE.values()), n)),
                "acknowledged_on": _dates(acknowledged),
                "reflected_in_output": reflected,
            }))
            bar.advance(n)


def _write_recommendations_and_follow_ups(rng: np.random.Generator, scale: int, engagements: _Engagements,
                                          country_table: pl.DataFrame, member_codes: np.ndarray,
                                          recommendations: _EntityWriter, follow_ups: _EntityWriter) -> None:
    total = scale // 10
    mechanism_kinds = np.array([m[2] for m in MECHANISMS])
    mechanism_ids = pl.Series([m[0] for m in MECHANISMS])
    eng_ids = _ids("ENG-", 1, engagements.count, _id_width(engagements.count))
    recommending = np.isin(engagements.kind, [contract.ENGAGEMENT_KINDS.index(k) for k in RECOMMENDING_KINDS])
    # UPR reviews yield far more recommendations than a visit or a dialogue.
    source_weight = np.where(recommending, np.where(mechanism_kinds[engagements.mechanism] == "upr", 6.0, 1.0), 0.0)
    not_upr = np.flatnonzero(mechanism_kinds != "upr")
    iso3, group = country_table["iso3"], country_table["regional_group"]
    mandate_state = _mechanism_states(_row_of_country(country_table))
    first_day = _days(FIRST_DAY)
    rec_width = _id_width(total)
    with progress("Generating recommendations", total=total) as bar:
        for first in range(0, total, CHUNK_ROWS):
            n = min(CHUNK_ROWS, total - first)
            linked = (rng.random(n) < 0.85) & recommending.any()
            engagement = np.where(linked, _pick(rng, source_weight if recommending.any() else 1.0 + source_weight, n),
                                  -1)
            mechanism = np.where(linked, engagements.mechanism[np.maximum(engagement, 0)],
                                 not_upr[rng.integers(len(not_upr), size=n)])
            issued = np.where(linked, np.minimum(engagements.end[np.maximum(engagement, 0)]
                                                 + rng.integers(0, 46, size=n), _LAST),
                              rng.integers(first_day, _LAST + 1, size=n))
            engagement_country = np.where(linked, engagements.country[np.maximum(engagement, 0)], -1)
            addressee = np.where(engagement_country >= 0, engagement_country,
                                 member_codes[rng.integers(len(member_codes), size=n)])
            addressee = np.where(mandate_state[mechanism] >= 0, mandate_state[mechanism], addressee)
            upr = mechanism_kinds[mechanism] == "upr"
            response = np.where(upr, _pick(rng, [0.62, 0.33, 0.05], n),
                                np.where(rng.random(n) < 0.88, 3, 2))
            response = np.where(upr & (issued > _LAST - 120) & (rng.random(n) < 0.6), 2, response)
            # A State never recommends to itself: the last member stands in when the draw hits the addressee.
            recommender = member_codes[rng.integers(len(member_codes) - 1, size=n)]
            recommender = np.where(recommender == addressee, member_codes[-1], recommender)
            specificity = _blank_where(pl.Series(_pick(rng, [0.10, 0.20, 0.30, 0.25, 0.15], n) + 1),
                                       rng.random(n) < 0.15)
            due = np.where(rng.random(n) < 0.35, _clip_to_last(issued + rng.integers(180, 1096, size=n)), -1)
            rec_ids = _ids("REC-", first + 1, n, rec_width)
            recommendations.write(pl.DataFrame({
                "recommendation_id": rec_ids,
                "mechanism_id": mechanism_ids.gather(mechanism),
                "engagement_id": _blank_where(eng_ids.gather(np.maximum(engagement, 0)), ~linked),
                "issued_on": _dates(issued),
                "addressee_country": iso3.gather(addressee),
                "text": _labels(RECOMMENDATION_TEXTS, rng.integers(len(RECOMMENDATION_TEXTS), size=n)),
                "themes": _subsets(rng, RECOMMENDATION_THEMES, _pick(rng, [0.5, 0.35, 0.15], n) + 1),
                "state_response": _labels(contract.STATE_RESPONSES, response),
                "specificity": specificity,
                "informed_by_cso": rng.random(n) < 0.45,
                "due_on": _dates(due),
                "recommending_country": _blank_where(iso3.gather(recommender), ~upr),
                "recommending_group": _blank_where(group.gather(recommender), ~upr),
            }))
            follow_ups.write(_follow_ups_frame(rng, follow_ups.rows, rec_ids, issued, _id_width(total * 2)))
            bar.advance(n)


def _follow_ups_frame(rng: np.random.Generator, first: int, rec_ids: pl.Series, issued: np.ndarray,
                      width: int) -> pl.DataFrame:
    """Chains of status updates per recommendation: later dates, status moving towards implementation."""
    chain_length = _pick(rng, [0.25, 0.33, 0.22, 0.12, 0.08], len(rec_ids))
    recommendation = np.repeat(np.arange(len(rec_ids)), chain_length)
    n = len(recommendation)
    chain_start = np.repeat(np.cumsum(chain_length) - chain_length, chain_length)
    first_in_chain = np.arange(n) == chain_start
    gap = np.where(first_in_chain, rng.integers(30, 541, size=n),
                   np.where(rng.random(n) < 0.03, 0, rng.integers(60, 401, size=n)))
    step = np.where(first_in_chain, _pick(rng, [0.3, 0.3, 0.4], n) + 1, _pick(rng, [0.5, 0.35, 0.15], n))

    def running(values: np.ndarray) -> np.ndarray:
        """Cumulative sum restarting at each chain."""
        totals = np.cumsum(values)
        return totals - (totals - values)[chain_start]

    reported = issued[recommendation] + running(gap)
    status = np.minimum(running(step), 5) - 1
    kept = reported <= _LAST
    recommendation, reported, status = recommendation[kept], reported[kept], status[kept]
    n = len(recommendation)
    return pl.DataFrame({
        "follow_up_id": _ids("FU-", first + 1, n, width),
        "recommendation_id": rec_ids.gather(recommendation),
        "reported_on": _dates(reported),
        "source": _labels(contract.FOLLOW_UP_SOURCES, _pick(rng, [0.4, 0.3, 0.2, 0.1], n)),
        "status": _labels(contract.FOLLOW_UP_STATUSES, status),
    })


def _targets_frame(organisation_count: int) -> pl.DataFrame:
    """Yearly targets 2019-2026 for a handful of indicators, quarterly ones for 2025-2026."""
    goals = {"PAR-01": (round(0.30 * organisation_count), round(0.40 * organisation_count)), **TARGETS}
    rows = [(indicator, str(year), baseline, target)
            for indicator, (baseline, target) in goals.items() for year in YEAR_SHARE]
    rows += [(indicator, f"{year}-Q{quarter}", None, goals[indicator][1])
             for indicator in ("PAR-02", "FOL-01") for year in (2025, 2026) for quarter in (1, 2, 3, 4)]
    return pl.DataFrame(rows, schema={"indicator_id": pl.String, "period": pl.String, "baseline": pl.Float64,
                                      "target": pl.Float64}, orient="row")
