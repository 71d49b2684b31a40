"""Report periods: `2025` (year), `2026-Q2` (quarter), `2026-05` (month), and their neighbours."""

from __future__ import annotations

import re
from datetime import date, timedelta
from dataclasses import dataclass

from agora.errors import AgoraError

_STEPS_PER_YEAR = {"year": 1, "quarter": 4, "month": 12}


class PeriodError(AgoraError):
    """A --period the report cannot understand."""


@dataclass(frozen=True, order=True)
class Period:
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

    def __str__(self) -> str:
        if self.grain == "year":
            return f"{self.year}"
        if self.grain == "quarter":
            return f"{self.year}-Q{self.step}"
        return f"{self.year}-{self.step:02d}"

    def shifted(self, steps: int) -> "Period":
        per_year = _STEPS_PER_YEAR[self.grain]
        index = self.year * per_year + (self.step - 1) + steps
        return Period(self.grain, index // per_year, index % per_year + 1)

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
