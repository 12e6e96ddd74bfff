"""How long `dutydesk --help` takes to start (target: under 0.3 s). Prints the figures.

Run from the repository root: `python benchmarks/startup.py`. Each run is a fresh process.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time

RUNS = 15


def main() -> int:
    command = shutil.which("dutydesk")
    argv = [command, "--help"] if command else [sys.executable, "-m", "dutydesk", "--help"]
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    print(
        f"{' '.join(argv[-2:])}: {RUNS} runs, median {median:.3f} s, "
        f"min {min(times):.3f} s, max {max(times):.3f} s (target < 0.3 s)"
    )
    heavy = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, dutydesk.cli; "
            "print(sorted(m for m in ('github', 'jinja2', 'holidays') if m in sys.modules))",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(f"heavy modules imported by the CLI at start: {heavy}")
    return 0 if median < 0.3 and heavy == "[]" else 1


if __name__ == "__main__":
    raise SystemExit(main())
