"""`make test-under-load`: the whole suite N times in a row beside four CPU-bound processes.

CI runs on machines busy with other work; a test that only passes on a quiet machine blocks every other
change. This runs `python -m pytest` RUNS times (default 10) while four busy loops take the CPUs, and
prints each run's result and duration. It stops at the first failure (exit 1) so the failure is on screen.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import subprocess
import sys
import time


def _spin() -> None:
    while True:
        pass


def main() -> int:
    runs = int(os.environ.get("RUNS", "10"))
    spinners = [mp.Process(target=_spin, daemon=True) for _ in range(4)]
    for p in spinners:
        p.start()
    try:
        for n in range(1, runs + 1):
            started = time.monotonic()
            done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"])
            took = time.monotonic() - started
            print(f"under load: run {n}/{runs} {'passed' if done.returncode == 0 else 'FAILED'} "
                  f"in {took / 60:.1f} min (load average {os.getloadavg()[0]:.1f})", flush=True)
            if done.returncode != 0:
                return 1
    finally:
        for p in spinners:
            p.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
