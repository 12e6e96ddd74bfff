"""UK bank holidays by region, loaded a year at a time from the `holidays` package."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

__all__ = ["UK_REGIONS", "BankHolidays", "YearLoader"]

#: UK regions accepted by :meth:`BankHolidays.uk`, with their `holidays` subdivision.
UK_REGIONS: Mapping[str, str | None] = {
    "england-and-wales": "ENG",
    "scotland": "SCT",
    "northern-ireland": "NIR",
    "none": None,
}

YearLoader = Callable[[int], Mapping[date, str]]


class BankHolidays:
    """Named bank holidays: some fixed dates, plus any loaded a year at a time.

    ``loader`` (if given) is called once per year, the first time a date in that year
    is asked about, so the calendar works for any year. Fixed ``dates`` win over loaded
    ones with the same date.
    """

    def __init__(
        self,
        dates: Mapping[date, str],
        *,
        loader: YearLoader | None = None,
        region: str | None = None,
    ) -> None:
        self._fixed = dict(dates)
        self._loader = loader
        self._loaded: dict[int, dict[date, str]] = {}
        self.region = region

    @classmethod
    def uk(cls, region: str, years: Iterable[int] = ()) -> BankHolidays:
        """Bank holidays for a UK region, from the `holidays` package.

        ``region`` is one of :data:`UK_REGIONS`. Years load on demand; ``years`` only
        loads some up front. Every date the package gives is included, such as a
        Saturday Boxing Day beside its Monday "(observed)" substitute: the weekend date
        is not a working day anyway.
        """
        if region not in UK_REGIONS:
            accepted = ", ".join(repr(name) for name in UK_REGIONS)
            raise ValueError(f"{region!r} is not a UK region: use one of {accepted}")
        subdivision = UK_REGIONS[region]
        if subdivision is None:
            return cls({}, region=region)

        def load(year: int) -> dict[date, str]:
            found = _united_kingdom()(subdiv=subdivision, years=year)
            return {day: str(name) for day, name in found.items()}

        result = cls({}, loader=load, region=region)
        for year in years:
            result.for_year(year)
        return result

    def with_dates(self, extra: Mapping[date, str]) -> BankHolidays:
        """A copy with more fixed dates (for example an office closure day)."""
        return BankHolidays(self._fixed | dict(extra), loader=self._loader, region=self.region)

    def _year(self, year: int) -> dict[date, str]:
        if year not in self._loaded:
            self._loaded[year] = dict(self._loader(year)) if self._loader else {}
        return self._loaded[year]

    def is_holiday(self, d: date) -> bool:
        """Whether ``d`` is a bank holiday."""
        return self.name(d) is not None

    def name(self, d: date) -> str | None:
        """The holiday's name, or None if ``d`` is not a bank holiday."""
        if d in self._fixed:
            return self._fixed[d]
        return self._year(d.year).get(d)

    def for_year(self, year: int) -> dict[date, str]:
        """All bank holidays in ``year``, in date order."""
        found = self._year(year) | {d: n for d, n in self._fixed.items() if d.year == year}
        return dict(sorted(found.items()))

    def __contains__(self, d: object) -> bool:
        return isinstance(d, date) and self.is_holiday(d)

    def __repr__(self) -> str:
        return f"BankHolidays(region={self.region!r}, fixed={len(self._fixed)})"


_UK_MODULE = "dutydesk._holidays_united_kingdom"


@functools.cache
def _united_kingdom() -> Callable[..., Mapping[date, Any]]:
    """`holidays.country_holidays("GB", ...)`, imported when a bank holiday is first asked
    about (importing `holidays` is slow). Its United Kingdom class comes from its own file when
    that is there: importing the package's `countries` imports all 250 of them first (about
    0.2 s, for one). The class, and so every date, is the same either way (test_calendar)."""
    import importlib.util

    import holidays

    path = Path(holidays.__file__).parent / "countries" / "united_kingdom.py"
    spec = importlib.util.spec_from_file_location(_UK_MODULE, path) if path.is_file() else None
    if spec is None or spec.loader is None:
        return functools.partial(holidays.country_holidays, "GB")
    module = sys.modules[_UK_MODULE] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    uk: Callable[..., Mapping[date, Any]] = module.UnitedKingdom
    return uk
