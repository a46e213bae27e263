"""`make bench`: tui-scheduler at clinic scale. Prints one table and writes bench/results.md.

For each N in 1,000 / 20,000 / 100,000 appointments (bench/generate.py writes the folder):
- booking commit latency through Scheduler.book_session in one process (the store's parse cache in play,
  as in the TUI), after one warm-up booking; and the one-shot CLI booking as a subprocess;
- cold start of the app to the calendar's first frame, beside a bare Textual app with one Label, interleaved
  in the same run (bench/tui_probe.py, one fresh process per start), in wall-clock and in CPU time;
- switching to the next week in the week view, and the app process's peak RSS.
Then the whole-practice feed of 10,000 events (bench/bench_feeds.py, when the feed code is there), and the
time each screen and form takes to open beside a bare modal with as many fields (bench/screens.py).

A piece that is missing is reported as "not measured (reason)", never as a number.
bench/analysis.md (written by people) is appended to results.md: what the numbers mean, what remains.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

from bench import screens
from bench.generate import free_session_slots, generate

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
SIZES = [int(x) for x in os.environ.get("BENCH_SIZES", "1000,20000,100000").split(",")]
BOOKINGS = int(os.environ.get("BENCH_BOOKINGS", "40"))
CLI_BOOKINGS = 7
STARTS = int(os.environ.get("BENCH_STARTS", "7"))
WEEKS = 12

TARGETS = {
    "booking_p95_100k_ms": 25.0,
    "booking_ratio": 1.5,
    "start_ratio": 1.3,
    "next_week_ms": 50.0,
    "feed_cached_ms": 5.0,
    "feed_change_share": 0.10,
    "rss_100k_mb": 150.0,
}


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def med(values: list[float]) -> float:
    return statistics.median(values)


def ms(values: list[float]) -> str:
    return f"{med(values):.1f} / {p95(values):.1f}"


# --- measurements -----------------------------------------------------------------------------------------


def booking_latency(folder: Path) -> dict:
    from tui_scheduler.services import Scheduler

    slots = free_session_slots(folder, 1 + BOOKINGS + CLI_BOOKINGS)
    sched = Scheduler(folder, user="bench")
    times = []
    for client, therapist, room, modality, start in slots[: 1 + BOOKINGS]:
        began = time.perf_counter()
        sched.book_session(client, therapist, room, modality, start, 60, override="bench")
        times.append((time.perf_counter() - began) * 1000)
    cli = []
    exe = Path(sys.executable).with_name("tui-scheduler")
    for client, therapist, room, modality, start in slots[1 + BOOKINGS:]:
        began = time.perf_counter()
        done = subprocess.run([str(exe), "--data", str(folder), "book", "session", "--client", client,
                               "--therapist", therapist, "--room", room, "--modality", modality, "--start", start,
                               "--minutes", "60", "--override", "bench"], capture_output=True, text=True)
        cli.append((time.perf_counter() - began) * 1000)
        if done.returncode != 0:
            raise RuntimeError(f"CLI booking failed: {done.stderr.strip()}")
    return {"first": times[0], "warm": times[1:], "cli": cli}


def probe(mode: str, folder: Path, weeks: int = 0) -> dict:
    began = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "bench.tui_probe", mode, str(folder), str(weeks)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "probe failed")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out["start_ms"] = (out["ready"] - began) * 1000
    if "painted" in out:
        out["painted_ms"] = (out["painted"] - began) * 1000
    return out


def compile_our_bytecode() -> None:
    """Our modules' bytecode, as an installed package has it: an editable install under
    PYTHONDONTWRITEBYTECODE (as on the developers' machines) would compile every module at every start,
    while Textual's, installed from a wheel, are compiled once."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "tui_scheduler")], check=True)


def start_numbers(folder: Path, starts: int = STARTS) -> dict:
    """Cold starts of ours and of the bare app, interleaved, so a noisy neighbour hurts both alike."""
    ours, bare, painted, rss, cpu, bare_cpu = [], [], [], [], [], []
    for _ in range(starts):
        o = probe("ours", folder)
        ours.append(o["start_ms"])
        painted.append(o["painted_ms"])
        cpu.append(o["painted_cpu"] * 1000)
        rss.append(o["maxrss_kb"] / 1024)
        b = probe("bare", folder)
        bare.append(b["start_ms"])
        bare_cpu.append(b["ready_cpu"] * 1000)
    return {"ours": ours, "bare": bare, "painted": painted, "cpu": cpu, "bare_cpu": bare_cpu, "rss": rss}


def tui_numbers(folder: Path) -> dict:
    numbers = start_numbers(folder)
    weeks = probe("ours", folder, WEEKS)
    numbers["rss"].append(weeks["maxrss_kb"] / 1024)
    return {**numbers, "next_week": weeks["next_week_ms"], "next_week_rushed": weeks["next_week_rushed_ms"],
            "next_week_key": weeks.get("next_week_key")}


def start_ratio(t: dict) -> float:
    """First frame of the calendar against the bare app's first frame (its ready event), medians."""
    return med(t["painted"]) / med(t["bare"])


def feed_numbers() -> dict:
    module = importlib.import_module("bench.bench_feeds")
    with tempfile.TemporaryDirectory() as tmp:
        return module.measure(Path(tmp) / "data")


def _attempt(what: str, fn):
    try:
        return fn(), None
    except ModuleNotFoundError as exc:
        return None, f"not measured ({exc.name} is not there yet)"
    except Exception as exc:  # a piece still being written: say so in the table, keep the rest
        traceback.print_exc()
        return None, f"not measured ({what} failed: {type(exc).__name__}: {str(exc)[:80]})"


# --- the report -------------------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    try:
        fs = subprocess.run(["df", "-T", str(DATA)], capture_output=True, text=True).stdout.splitlines()[-1].split()[1]
    except (OSError, IndexError):
        fs = "?"
    import textual

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs{mem}; data on {fs}; "
            f"Python {platform.python_version()}, Textual {textual.__version__}; load average at start {load} "
            f"(the machine is shared with other work, so medians matter more than single runs)")


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "**missed**")


def table(results: dict, feeds: dict | None, feeds_reason: str | None) -> str:
    sizes = list(results)
    head = "| measure (median / p95, ms unless said) | " + " | ".join(f"{n:,}" for n in sizes) + " | target | |"
    rows = [head, "|" + "---|" * (len(sizes) + 3)]

    def row(label, cell, target="", ok=None):
        rows.append(f"| {label} | " + " | ".join(cell(results[n]) for n in sizes) + f" | {target} | {verdict(ok)} |")

    def get(r, key, fmt):
        if r.get(key + "_reason"):
            return r[key + "_reason"]
        return fmt(r[key])

    big, small = results[sizes[-1]], results[sizes[0]]
    book_ok = tui_ok = None
    if "booking" in big and "booking" in small:
        ratio_p95 = p95(big["booking"]["warm"]) / p95(small["booking"]["warm"])
        ratio_med = med(big["booking"]["warm"]) / med(small["booking"]["warm"])
        book_ok = p95(big["booking"]["warm"]) < TARGETS["booking_p95_100k_ms"]
    row("booking commit, in one process (rules + lock + atomic write)",
        lambda r: get(r, "booking", lambda b: ms(b["warm"])), f"p95 < {TARGETS['booking_p95_100k_ms']:g} at 100k",
        book_ok)
    row("first booking in a fresh process (parses its months)", lambda r: get(r, "booking", lambda b: f"{b['first']:.1f}"))
    row("one-shot CLI booking (`tui-scheduler book session`, whole process)",
        lambda r: get(r, "booking", lambda b: ms(b["cli"])))
    if "booking" in big and "booking" in small:
        rows.append(f"| booking ratio {sizes[-1]:,} / {sizes[0]:,} history | " + " | ".join("" for _ in sizes[:-1])
                    + f" | {ratio_med:.2f} (median) / {ratio_p95:.2f} (p95) | < {TARGETS['booking_ratio']:g} | "
                    f"{verdict(ratio_p95 < TARGETS['booking_ratio'] and ratio_med < TARGETS['booking_ratio'])} |")
    row("cold start of tui-scheduler to its ready event (calendar on screen)",
        lambda r: get(r, "tui", lambda t: ms(t["ours"])))
    row("… to the first rendered frame of the calendar", lambda r: get(r, "tui", lambda t: ms(t["painted"])))
    row("cold start of a bare Textual app with one Label, same run", lambda r: get(r, "tui", lambda t: ms(t["bare"])))
    ratios = {n: start_ratio(r["tui"]) for n, r in results.items() if "tui" in r}
    row("start-up ratio: first frame of the calendar / bare Textual's (medians, wall clock)",
        lambda r: get(r, "tui", lambda t: f"{start_ratio(t):.2f}"),
        f"< {TARGETS['start_ratio']:g}", all(v < TARGETS["start_ratio"] for v in ratios.values()) if ratios else None)
    row("… the same in CPU seconds of the process (what a busy machine does not stretch)",
        lambda r: get(r, "tui", lambda t: f"{med(t['cpu']):.0f} / {med(t['bare_cpu']):.0f} = "
                                          f"{med(t['cpu']) / med(t['bare_cpu']):.2f}"))
    nw = [p95(r["tui"]["next_week"]) for r in results.values() if "tui" in r]
    row("next week in the week view (key to first frame of the new week; the app has read ahead)",
        lambda r: get(r, "tui", lambda t: ms(t["next_week"])), f"< {TARGETS['next_week_ms']:g}",
        all(v < TARGETS["next_week_ms"] for v in nw) if nw else None)
    row("… keys back to back, before the read-ahead is done (read and draw the week)",
        lambda r: get(r, "tui", lambda t: ms(t["next_week_rushed"])))
    if "tui" in big:
        tui_ok = max(big["tui"]["rss"]) < TARGETS["rss_100k_mb"]
    row("peak RSS of the app process, MB (max over its runs)",
        lambda r: get(r, "tui", lambda t: f"{max(t['rss']):.0f}"), f"< {TARGETS['rss_100k_mb']:g} at 100k", tui_ok)
    # the feed rows do not depend on N: one practice feed of 10,000 events
    span = len(sizes)
    if feeds is None:
        rows.append(f"| whole-practice feed of 10,000 events | {feeds_reason} |" + " |" * (span - 1) + " | |")
    else:
        full = feeds["full_s"] * 1000

        def feed_row(label, value, target="", ok=None):
            rows.append(f"| {label} | {value} |" + " |" * (span - 1) + f" {target} | {verdict(ok)} |")

        feed_row(f"feed of {feeds['events']:,} events: plain icalendar build + serialize, same run",
                 f"{feeds['plain_s'] * 1000:.0f}")
        feed_row("feed: our full build", f"{full:.0f} ({full / (feeds['plain_s'] * 1000):.2f} x plain)")
        feed_row("feed: cached repeat at the same revision", f"{feeds['cached_s'] * 1000:.2f}",
                 f"< {TARGETS['feed_cached_ms']:g}", feeds["cached_s"] * 1000 < TARGETS["feed_cached_ms"])
        feed_row("feed: rebuild after one change (share of a full build)",
                 f"{feeds['one_change_s'] * 1000:.1f} ({feeds['one_change_vs_full']:.1%})",
                 f"< {TARGETS['feed_change_share']:.0%}", feeds["one_change_vs_full"] < TARGETS["feed_change_share"])
    return "\n".join(rows)


def start_only() -> int:
    """`make bench-start`: the start-up rows alone, on the 1,000-appointment folder (about a minute;
    BENCH_SIZE=20000 for another). Prints them; bench/results.md is written by the whole `make bench` only."""
    DATA.mkdir(exist_ok=True)
    compile_our_bytecode()
    size = int(os.environ.get("BENCH_SIZE", "1000"))
    folder = DATA / f"n{size}"
    generate(folder, size)
    t = start_numbers(folder, int(os.environ.get("BENCH_STARTS", "15")))
    print(f"cold start to the calendar's first frame: {ms(t['painted'])} ms (median / p95)")
    print(f"bare Textual app to its first frame:      {ms(t['bare'])} ms")
    print(f"start-up ratio (wall, medians): {start_ratio(t):.2f}   target < {TARGETS['start_ratio']:g}")
    print(f"start-up ratio (CPU, medians):  {med(t['cpu']):.0f} / {med(t['bare_cpu']):.0f} ms = "
          f"{med(t['cpu']) / med(t['bare_cpu']):.2f}")
    return 0


def main() -> int:
    DATA.mkdir(exist_ok=True)
    compile_our_bytecode()
    results: dict[int, dict] = {}
    started = time.perf_counter()
    description = machine()
    for n in SIZES:
        folder = DATA / f"n{n}"
        began = time.perf_counter()
        summary = generate(folder, n)
        print(f"generated {n:,}: {summary['months']} month files, largest {summary['largest_month']:,}, "
              f"{summary['first']} to {summary['last']}, {summary['bytes'] / 1e6:.0f} MB, check: {summary['check']} "
              f"({time.perf_counter() - began:.1f} s)", flush=True)
        r: dict = {"summary": summary}
        # the TUI first, on the folder as generated; the bookings then go into the free evening hour
        tui, reason = _attempt("the TUI probe", lambda: tui_numbers(folder))
        if tui:
            r["tui"] = tui
        else:
            r["tui_reason"] = reason
        booking, reason = _attempt("booking", lambda: booking_latency(folder))
        if booking:
            r["booking"] = booking
        else:
            r["booking_reason"] = reason
        results[n] = r
        print(f"  measured {n:,}", flush=True)
    feeds, feeds_reason = _attempt("the feed bench", feed_numbers)
    text = table(results, feeds, feeds_reason)
    print()
    print(text)
    screen_results, screens_reason = _attempt("the screen probe", screens.measure)
    screen_text = (screens.INTRO.format(rounds=screens.ROUNDS) + "\n\n" + screens.table(screen_results)
                   if screen_results else screens_reason)
    print()
    print(screen_text)
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    data_lines = "\n".join(
        f"- {n:,}: {r['summary']['months']} month files (largest {r['summary']['largest_month']:,} appointments), "
        f"{r['summary']['first']} to {r['summary']['last']}, {r['summary']['bytes'] / 1e6:.0f} MB, kinds "
        f"{r['summary']['kinds']}, statuses {r['summary']['statuses']}" for n, r in results.items())
    analysis = (HERE / "analysis.md").read_text() if (HERE / "analysis.md").exists() else ""
    (HERE / "results.md").write_text(
        f"# Benchmark results\n\n`make bench`, {when}, {time.perf_counter() - started:.0f} s.\n\n"
        f"Machine: {description}\n\nData (bench/generate.py; 10 staff, 8 rooms, 2,000 clients):\n{data_lines}\n\n"
        f"Bookings: {BOOKINGS} per N after one warm-up, {CLI_BOOKINGS} one-shot CLI bookings; cold starts: "
        f"{STARTS} of each app, interleaved; next week: {WEEKS} switches.\n\n{text}\n\n"
        f"## Opening screens and forms\n\n{screen_text}\n\n{analysis}")
    print(f"\nwritten to {HERE / 'results.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(start_only() if sys.argv[1:] == ["--start-only"] else main())
