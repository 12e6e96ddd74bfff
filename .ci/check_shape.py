"""The package's shape: no module over 450 lines, no function of radon grade D or worse.

Run from the repository root: `python .ci/check_shape.py`. Prints every module and function
over the line, and exits 1 if there is any.
"""

from __future__ import annotations

import sys
from pathlib import Path

from radon.complexity import cc_rank, cc_visit

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "scripts" / "dutydesk"
MAX_LINES = 450
WORST_GRADE = "C"


def problems() -> list[str]:
    found: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(ROOT)
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines > MAX_LINES:
            found.append(f"{name}: {lines} lines (at most {MAX_LINES})")
        for block in cc_visit(text):
            grade = cc_rank(block.complexity)
            if grade > WORST_GRADE:
                found.append(
                    f"{name}:{block.lineno} {block.fullname}: radon grade {grade} "
                    f"({block.complexity}); at worst {WORST_GRADE}"
                )
    return found


def main() -> int:
    found = problems()
    for problem in found:
        print(problem)
    modules = len(list(PACKAGE.rglob("*.py")))
    print(f"{modules} modules checked: {len(found)} over the line")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
