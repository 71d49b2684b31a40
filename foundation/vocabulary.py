"""The product's words, declared once and imported everywhere: areas, grains, periods, audiences,
units with their number formats, polarities, and the words of the indicator table.

A room that needs one of these imports it from here; none declares its own copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from foundation.errors import AgoraError

#: the shipped catalogue's areas in reading order; a user catalogue may add areas after them
AREAS = ("Participation", "Inclusivity", "Follow-through")
#: coarse to fine
GRAINS = ("year", "quarter", "month")
GRAIN_LABELS = {"year": "Year", "quarter": "Quarter", "month": "Month"}
#: internal: the team's view, nothing withheld; public: the small-cell rules applied
AUDIENCES = ("internal", "public")
POLARITIES = ("higher_is_better", "lower_is_better")

#: the breakdown of total rows and its one value
TOTAL = "total"
ALL = "all"
#: the breakdown value of a record with no organisation (or engagement) to take it from
UNKNOWN = "unknown"
#: what a withheld public number reads as in words
SUPPRESSED = "suppressed"
#: joins a mechanism (or mechanism kind) and a value in a crossed cell (spec v2): `mechanism_id|region`
CROSS = "|"


@dataclass(frozen=True)
class Unit:
    name: str
    #: digits after the decimal point when shown (of the per cent for ratios)
    decimals: int
    #: the spreadsheet number format of the same precision
    excel_format: str


UNITS: dict[str, Unit] = {u.name: u for u in (
    Unit("count", 0, "#,##0"),
    Unit("ratio", 1, "0.0%"),
    Unit("mean", 1, "#,##0.0"),
    Unit("median", 1, "#,##0.0"),
    Unit("index", 2, "0.00"),
)}

_STEPS_PER_YEAR = {"year": 1, "quarter": 4, "month": 12}


class PeriodError(AgoraError):
    """A period the user wrote that is not a year, a quarter or a month."""


@dataclass(frozen=True, order=True)
class Period:
    """A year (`2025`), a quarter (`2026-Q2`) or a month (`2026-05`): the one period type of Agora."""

    grain: str
    year: int
    #: 1-based quarter or month within the year; 1 for a year
    step: int

    @classmethod
    def parse(cls, text: str) -> "Period":
        text = text.strip()
        if re.fullmatch(r"\d{4}", text):
            return cls("year", int(text), 1)
        if m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
            return cls("quarter", int(m[1]), int(m[2]))
        if (m := re.fullmatch(r"(\d{4})-(\d{2})", text)) and 1 <= int(m[2]) <= 12:
            return cls("month", int(m[1]), int(m[2]))
        raise PeriodError(
            f"The period {text!r} is not a year (2025), a quarter (2026-Q2) or a month (2026-05)."
        )

    @classmethod
    def from_index(cls, grain: str, index: int) -> "Period":
        """The period a `period_index` numbers (periods of a grain numbered one after another)."""
        per_year = _STEPS_PER_YEAR[grain]
        return cls(grain, index // per_year, index % per_year + 1)

    @classmethod
    def containing(cls, grain: str, day: date) -> "Period":
        step = {"year": 1, "quarter": (day.month - 1) // 3 + 1, "month": day.month}[grain]
        return cls(grain, day.year, step)

    @property
    def index(self) -> int:
        return self.year * _STEPS_PER_YEAR[self.grain] + self.step - 1

    def __str__(self) -> str:
        if self.grain == "year":
            return f"{self.year}"
        if self.grain == "quarter":
            return f"{self.year}-Q{self.step}"
        return f"{self.year}-{self.step:02d}"

    def shifted(self, steps: int) -> "Period":
        return Period.from_index(self.grain, self.index + steps)

    @property
    def previous(self) -> "Period":
        return self.shifted(-1)

    @property
    def year_earlier(self) -> "Period":
        return self.shifted(-_STEPS_PER_YEAR[self.grain])

    def trailing(self, count: int) -> list["Period"]:
        """The `count` periods of this grain ending with this one, oldest first."""
        return [self.shifted(-k) for k in range(count - 1, -1, -1)]

    @property
    def quarter(self) -> int:
        """The quarter of the year this period ends in (4 for a year)."""
        if self.grain == "year":
            return 4
        return self.step if self.grain == "quarter" else (self.step - 1) // 3 + 1

    def quarters_to_date(self) -> list["Period"]:
        """The quarters of this period's year up to the one it ends in: the IPTT's columns."""
        return [Period("quarter", self.year, q) for q in range(1, self.quarter + 1)]

    @property
    def calendar_year(self) -> "Period":
        return Period("year", self.year, 1)

    @property
    def start(self) -> date:
        if self.grain == "year":
            return date(self.year, 1, 1)
        first_month = 3 * self.step - 2 if self.grain == "quarter" else self.step
        return date(self.year, first_month, 1)

    @property
    def end(self) -> date:
        return self.shifted(1).start - timedelta(days=1)

    def is_partial(self, as_of: date) -> bool:
        """Spec v2: a period whose last day is after the build date is not over yet."""
        return self.end > as_of
