"""The UK bank holidays come from the `holidays` package's United Kingdom class, imported on
its own: importing the package's `countries` would import all 250 of its countries first
(about 0.2 s of every sweep, for one of them). The dates are the package's own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import holidays
import pytest

from dutydesk.time.bank_holidays import UK_REGIONS, BankHolidays

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("region", [r for r, sub in UK_REGIONS.items() if sub is not None])
def test_every_date_is_the_one_the_package_gives(region: str) -> None:
    subdivision = UK_REGIONS[region]
    ours = BankHolidays.uk(region)
    for year in range(1995, 2046):
        theirs = holidays.country_holidays("GB", subdiv=subdivision, years=year)
        assert ours.for_year(year) == dict(sorted((d, str(n)) for d, n in theirs.items()))


def test_asking_about_a_bank_holiday_imports_no_other_country() -> None:
    code = (
        "import sys, datetime\n"
        "from dutydesk.time.bank_holidays import BankHolidays\n"
        "days = BankHolidays.uk('england-and-wales')\n"
        "assert days.is_holiday(datetime.date(2026, 12, 28))\n"
        "print(sorted(m for m in sys.modules if m.startswith('holidays.countries')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "scripts")},
    )
    assert done.stdout.strip() == "[]"
