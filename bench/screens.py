"""Opening each screen and form on the demo practice, against a bare modal with as many fields, in one run.

`make bench` puts this table in bench/results.md; `make bench-screens` (or `python -m bench.screens
[ROUNDS]`) only prints it. The probe (bench/screen_probe.py) runs in a process of its own on a demo
practice written for the run, and interleaves each screen with its bare modal.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("BENCH_SCREEN_ROUNDS", "15"))
TARGET_RATIO = 2.0  # against a bare Textual ModalScreen with as many Input fields
TARGET_MS = 100.0  # median, on the demo practice


def measure(rounds: int = ROUNDS) -> dict:
    from tui_scheduler.demo import fill_demo
    from tui_scheduler.services import Scheduler

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "demo"
        fill_demo(Scheduler(folder))
        done = subprocess.run([sys.executable, "-m", "bench.screen_probe", str(folder), str(rounds)],
                              capture_output=True, text=True, cwd=ROOT, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "screen probe failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def table(results: dict) -> str:
    med = statistics.median
    rows = ["| screen or form (its fields) | opens in, median / p95 ms | first open ms | bare modal, median ms "
            "| ratio (medians) | CPU ratio | target | |", "|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        ratio = med(r["ms"]) / med(r["bare_ms"])
        cpu = med(r["cpu_ms"]) / med(r["bare_cpu_ms"])
        ok = ratio < TARGET_RATIO and med(r["ms"]) < TARGET_MS
        rows.append(f"| {name} ({r['fields']}) | {med(r['ms']):.1f} / {_p95(r['ms']):.1f} | {r['ms'][0]:.0f} "
                    f"| {med(r['bare_ms']):.1f} | {ratio:.2f} | {cpu:.2f} | < {TARGET_RATIO:g} x and "
                    f"< {TARGET_MS:g} ms | {'met' if ok else '**missed**'} |")
    return "\n".join(rows)


INTRO = (
    "Key sent to the driver until the first rendered frame with the new screen laid out, headless at 80x24 on "
    "the demo practice; each screen right after a bare Textual ModalScreen with as many Input fields, opened "
    "by a key the same way, {rounds} rounds. The first open of each also imports its module. The CPU ratio "
    "is of the process's CPU time over the same spans, steadier than the wall clock on a shared machine."
)


def main(argv: list[str]) -> int:
    rounds = int(argv[0]) if argv else ROUNDS
    print(INTRO.format(rounds=rounds))
    print()
    print(table(measure(rounds)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
