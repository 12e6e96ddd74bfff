"""`dutydesk sweep` against a local GitHub that fails on purpose: figures over seeded runs.

Each run builds the operations repository of the fault tests (`tests/e2e/faults.py`: twelve
open incidents, change requests and a maintenance notice, with escalations, reminders and
notices due at `NOW`) on the local GitHub, makes the server fail a seeded fraction of requests
(500; 502 before, and for writes after, applying; 403 secondary rate limits and 429 with
`Retry-After` 0 or 1 s; answers slower than the client's timeout; dropped connections, before
and after applying), and runs `dutydesk sweep --now NOW` in this process until a sweep exits 0
with nothing planned (at most `--cap` sweeps). The repository it ends with is compared with
the one a fault-free run leaves: labels, assignees, state, and the bot's comments by marker key
(and count). dutydesk's own `connect()` and `GithubRetry(total=5, backoff_factor=0.5)` are
used; only the timeout (`--timeout`, dutydesk's is 15 s) and the pause between writes (none;
dutydesk's is 1 s) are changed, to keep runs quick.

It prints: runs, requests, faults injected by kind, sweeps (completed, failed loudly, failed
quietly, crashed, hung), sweeps needed to converge, duplicates and lost actions found; and exits
1 if any run broke a property of issue 7 (every sweep completes or fails loudly; repeated sweeps
converge to the fault-free state with no duplicate and no lost action).

Run from the repository root: `.venv/bin/python benchmarks/faults.py` (50 runs, about two
minutes). `--runs 10`, `--rate 0.2` and `--kinds unambiguous` (only faults GitHub answers
before applying anything) vary it.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "tests")]

from e2e.faults import (  # noqa: E402  (after the path is set)
    AMBIGUOUS,
    NOW,
    RANDOM_KINDS,
    UNAMBIGUOUS,
    Hang,
    Kind,
    Run,
    client_settings,
    fault_free_state,
    seeded_run,
)


def kinds_from(text: str) -> tuple[Kind, ...]:
    if text == "all":
        return RANDOM_KINDS
    if text == "unambiguous":
        return UNAMBIGUOUS
    return tuple(Kind(name.strip()) for name in text.split(","))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="seeded runs (default 50)")
    parser.add_argument("--seed", type=int, default=0, help="the first seed (default 0)")
    parser.add_argument("--rate", type=float, default=0.12, help="fraction of requests failed")
    parser.add_argument(
        "--kinds",
        default="all",
        help="all, unambiguous, or a comma-separated list of: "
        + ", ".join(str(k) for k in RANDOM_KINDS),
    )
    parser.add_argument("--timeout", type=float, default=0.5, help="client timeout, seconds")
    parser.add_argument("--slow", type=float, default=0.75, help="a slow answer's delay, seconds")
    parser.add_argument(
        "--verbose", action="store_true", help="show PyGithub's log of each retried request"
    )
    parser.add_argument("--cap", type=int, default=8, help="sweeps before giving up on a run")
    args = parser.parse_args()
    kinds = kinds_from(args.kinds)
    if not args.verbose:  # PyGithub logs each retry at INFO on stderr (as it does in Actions)
        importlib.import_module("github")  # which sets that level when first imported
        logging.getLogger("github").setLevel(logging.WARNING)

    started = time.monotonic()
    seeds = range(args.seed, args.seed + args.runs)
    runs: list[Run] = []
    hangs: list[str] = []
    with client_settings(timeout=args.timeout) as seen:
        expected = fault_free_state()
        for seed in seeds:
            try:
                runs.append(
                    seeded_run(
                        seed, expected, args.rate, kinds, slow_seconds=args.slow, cap=args.cap
                    )
                )
            except Hang as exc:
                hangs.append(f"seed {seed}: {exc}")
    wall = time.monotonic() - started

    print(
        f"dutydesk sweep --now {NOW.isoformat()} under injected faults: seeds "
        f"{seeds.start}-{seeds.stop - 1}, {args.rate:.0%} of requests faulted ({args.kinds}), "
        f"client timeout {args.timeout} s, slow answers {args.slow} s, Retry-After 0-1 s"
    )
    print(
        f"dutydesk's client: GithubRetry(total={seen.retry_total}, "
        f"backoff_factor={seen.backoff_factor}); its timeout ({seen.timeout} s) and pause "
        f"between writes ({seen.seconds_between_writes} s) replaced as above\n"
    )

    requests = [run.requests for run in runs]
    injected = [fault for run in runs for fault in run.injected]
    by_kind = Counter(f.kind for f in injected)
    on_writes = Counter(f.kind for f in injected if f.write)
    print(f"runs                       {len(runs) + len(hangs)}")
    if requests:
        print(
            f"requests                   {sum(requests)} (a run: min {min(requests)}, "
            f"median {statistics.median(requests):.0f}, max {max(requests)})"
        )
    print(f"faults injected            {len(injected)} ({sum(on_writes.values())} on writes)")
    for kind in RANDOM_KINDS:
        if kind in kinds:
            print(f"  {kind:<26} {by_kind[kind]:>5}   on writes {on_writes[kind]:>4}")

    sweeps = [s for run in runs for s in run.sweeps]
    completed = sum(1 for s in sweeps if s.exit_code == 0)
    loud = sum(1 for s in sweeps if s.loud)
    quiet = [s for s in sweeps if s.exit_code != 0 and not s.loud]
    crashes = [s.crash for s in sweeps if s.crash]
    internal = sum(s.internal_errors for s in sweeps)
    item_failures = sum(len(s.failed) for s in sweeps)
    unnamed = sum(1 for s in sweeps if sorted(s.failed) != sorted(s.summary_failed))
    print(f"\nsweeps                     {len(sweeps)}")
    print(f"  completed (exit 0)       {completed}")
    print(f"  failed loudly            {loud} ({item_failures} item failures, each named)")
    print(f"  failed quietly           {len(quiet)}")
    print(f"  crashed (traceback)      {len(crashes)}")
    print(f"  items with internal err. {internal}")
    print(f"  failed items not in the job summary: {unnamed}")
    print(f"  hung                     {len(hangs)}")
    needed = Counter(len(run.sweeps) for run in runs if run.converged)
    unconverged = [run.seed for run in runs if not run.converged]
    histogram = ", ".join(f"{n} sweeps: {count} runs" for n, count in sorted(needed.items()))
    print(f"\nsweeps needed to converge  {histogram}")
    print("  (the last sweep of each plans nothing; a fault-free run needs 2)")
    print(f"  not converged in {args.cap}: {len(unconverged)} {unconverged or ''}")

    same = sum(1 for run in runs if run.comparison.same)
    duplicates = [(run.seed, d) for run in runs for d in run.comparison.duplicates]
    lost = [(run.seed, d) for run in runs for d in run.comparison.lost]
    extra = [(run.seed, d) for run in runs for d in run.comparison.extra]
    different = [(run.seed, d) for run in runs for d in run.comparison.different]
    problems = [(run.seed, p) for run in runs for p in run.problems]
    ambiguous_posts = sum(
        1
        for f in injected
        if f.kind in AMBIGUOUS and f.method == "POST" and re.search(r"/comments$", f.path)
    )
    print(f"\nfinal state = fault-free   {same} of {len(runs)} runs")
    print(
        f"duplicates found           {len(duplicates)} comment(s) in "
        f"{len({s for s, _ in duplicates})} run(s) "
        f"(after {ambiguous_posts} comment POSTs that GitHub did but answered 502, "
        f"dropped or answered late)"
    )
    print(f"lost actions               {len(lost)} in {len({s for s, _ in lost})} run(s)")
    print(f"extra, different           {len(extra)}, {len(different)}")
    print(f"contract problems          {len(problems)}")
    for title, found in (
        ("duplicates", duplicates),
        ("lost", lost),
        ("extra", extra),
        ("different", different),
        ("contract", problems),
    ):
        kinds_seen = Counter(re.sub(r"#\d+|\d{6,}|:[^ ]*", "", d) for _, d in found)
        for what, count in kinds_seen.most_common(6):
            print(f"  {title}: {count} x {what.strip()}")
    for crash in crashes[:5]:
        print(f"  crash: {crash}")
    for sweep in quiet[:5]:
        print(f"  quiet failure: exit {sweep.exit_code}, stderr {sweep.stderr[:200]!r}")
    for hang in hangs:
        print(f"  {hang}")
    print(f"\nwall time                  {wall:.0f} s")

    broken = bool(quiet or crashes or hangs or unconverged or problems or same < len(runs))
    print("verdict: " + ("properties broken (above)" if broken else "every property held"))
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
