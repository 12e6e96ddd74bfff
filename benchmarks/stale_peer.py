"""A steady sweep beside actions/stale, its peer, on the same repository and the same local GitHub.

Both are given N open items (and the closed issues of benchmarks/sweep.py) that need nothing:
dutydesk's items are already reconciled, and none is old enough for stale (its default 60 days).
Each tool runs in its own process, in turns, `--runs` times: dutydesk as the sweep workflow runs
it (`python -m dutydesk sweep`), stale as the Actions runner runs a JavaScript action (`node
dist/index.js`, its inputs as `INPUT_*` variables with the defaults of its action.yml, pointed at
the local server by GITHUB_API_URL). Each gets a $GITHUB_STEP_SUMMARY file, as the runner
gives every step, and dutydesk writes its job summary there, as in Actions. It prints
requests, wall time, CPU (user + system of the process) and peak memory, min/median/max.

stale is not part of dutydesk and is not kept here. Build it once, from a checkout of
github.com/actions/stale (tested with v10.3.0), with Node.js and npm:

    git clone https://github.com/actions/stale /tmp/stale-src && cd /tmp/stale-src
    npm ci && npm run build        # writes dist/index.js

then, from dutydesk's root: `python benchmarks/stale_peer.py --stale /tmp/stale-src`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import sweep  # noqa: E402  (beside this file)


def stale_inputs(action: Path, token: str) -> dict[str, str]:
    """Every input of stale's action.yml at its default, as the runner passes them."""
    inputs = yaml.safe_load(action.read_text())["inputs"]
    found = {}
    for name, spec in inputs.items():
        default = str(spec.get("default", ""))
        if "github.token" in default:
            default = token
        found[f"INPUT_{name.replace(' ', '_').upper()}"] = default
    return found


def run_stale(server: Any, checkout: Path) -> dict[str, Any]:
    from e2e.server import TOKEN

    mark, clock = server.mark(), time.perf_counter()
    with tempfile.TemporaryDirectory() as work:
        for name in ("output", "state", "summary.md"):
            (Path(work) / name).touch()
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": work,
            "RUNNER_TEMP": work,
            "GITHUB_WORKSPACE": work,
            "GITHUB_OUTPUT": str(Path(work) / "output"),
            "GITHUB_STATE": str(Path(work) / "state"),
            "GITHUB_STEP_SUMMARY": str(Path(work) / "summary.md"),
            "GITHUB_EVENT_NAME": "schedule",
            "GITHUB_ACTION": "stale",
            **server.environment(),
            **stale_inputs(checkout / "action.yml", TOKEN),
        }
        launcher = [
            sys.executable, "-S", "-c", sweep.LAUNCHER, "node", str(checkout / "dist" / "index.js")
        ]  # fmt: skip
        with tempfile.TemporaryFile("w+") as err:
            done = subprocess.run(
                launcher, env=env, stdout=subprocess.PIPE, stderr=err, text=True, check=False
            )
            report = json.loads(done.stdout.strip().splitlines()[-1])
            if report["exit"] != 0:
                err.seek(0)
                print(f"stale exited {report['exit']}:\n{err.read()[-3000:]}", file=sys.stderr)
    found = server.counts(since=mark)
    return {
        "requests": found.reads + found.writes,
        "writes": found.writes,
        "seconds": report["seconds"],
        "cpu": report["cpu"],
        "peak_mb": report["maxrss_kib"] / 1024,
        "exit": report["exit"],
        "server_seconds": server.serving_seconds(clock),
    }


def line(name: str, runs: list[dict[str, Any]]) -> str:
    def spread(key: str, fmt: str) -> str:
        values = [r[key] for r in runs]
        middle = statistics.median(values)
        return "/".join(fmt.format(v) for v in (min(values), middle, max(values)))

    requests = runs[0].get("requests", runs[0].get("reads", 0) + runs[0].get("writes", 0))
    return (
        f"{name:<9} {requests:>8} {max(r['writes'] for r in runs):>6} "
        f"{spread('seconds', '{:.2f}'):>17} {spread('cpu', '{:.2f}'):>17} "
        f"{spread('server_seconds', '{:.2f}'):>17} {spread('peak_mb', '{:.0f}'):>11}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stale", type=Path, required=True, help="a built actions/stale checkout")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--closed", type=int, default=20_000)
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="seconds the local GitHub waits before each answer, for both tools (as a runner "
        "waits on api.github.com); 0 measures the tools and the server alone",
    )
    args = parser.parse_args()
    if not (args.stale / "dist" / "index.js").is_file():
        raise SystemExit(f"{args.stale}/dist/index.js is missing: build stale first (see --help)")
    print(
        f"steady sweep, nothing to do; {args.closed:,} closed issues; {args.runs} runs each; "
        f"{args.latency:g} s latency a request"
    )
    print(f"(python {sys.version.split()[0]}, node {_node()}, {os.cpu_count()} CPUs)\n")
    header = (
        f"{'N':>6} {'tool':<9} {'requests':>8} {'writes':>6} {'wall s':>17} {'CPU s':>17} "
        f"{'server s':>17} {'peak MB':>11}"
    )
    print(header)
    print("-" * len(header))
    for n in args.sizes:
        server = sweep.build(n, args.closed, 5)
        server.start()
        sweep.settle(server)
        sweep.quiet(server)
        server.latency = args.latency  # only for the measured runs
        ours: list[dict[str, Any]] = []
        theirs: list[dict[str, Any]] = []
        for _ in range(args.runs):  # in turns, so that both see the same machine
            ours.append(sweep.measure(server, "graphql").__dict__)
            theirs.append(run_stale(server, args.stale))
        server.stop()
        bad = [r["exit"] for r in ours + theirs if r["exit"] != 0]
        print(f"{n:>6} {line('dutydesk', ours)}")
        print(f"{'':>6} {line('stale', theirs)}")
        ratio = statistics.median(r["seconds"] for r in ours) / statistics.median(
            r["seconds"] for r in theirs
        )
        print(f"{'':>6} wall, dutydesk / stale: {ratio:.2f}x" + (f"; exits {bad}" if bad else ""))
    print(
        "\nrequests: GETs, GraphQL queries and writes; wall: the whole process, start-up and "
        "waiting on the local server included; CPU: the process's user + system time; server: "
        "the local GitHub's time answering the run's requests (in its own process, one at a "
        "time), which a tool's wall time cannot go below."
    )


def _node() -> str:
    return subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()


if __name__ == "__main__":
    main()
