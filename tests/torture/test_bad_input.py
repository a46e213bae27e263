"""Hostile input to the CLI and the core: every case is a success or a clear refusal, never a traceback.

Random times (DST edges of the practice's zone included), durations, names, ids, unicode and huge strings.
The folder is shared across examples, so state piles up the way it does at a real front desk; afterwards it
must still check clean.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import NOW
from tests.torture.helpers import ROOT, audit_lines, busy_practice, scale, worker_env
from tui_scheduler import cli
from tui_scheduler.core.errors import SchedulerError
from tui_scheduler.services import Scheduler

SETTINGS = settings(max_examples=scale().examples, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# --- what a hurried or malicious person might type --------------------------------------------------------

weird_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=12),
    st.sampled_from(["", " ", "\t", "Ann", "ann self", "A", "Dr", "Dr Patel", "Maya", "Cedar", "Gym",
                     "Ｍaya", "MAYA", "Maya\u200b", "Zoë", "ملك", "👩‍⚕️", "Client 0", "c-", "r-", "s-",
                     "-1", "--help", "%s%n", "../../etc/passwd", "Robert'); DROP TABLE", "\\x00"]),
    st.integers(1000, 200_000).map(lambda n: "x" * n),  # huge strings
)

days = st.sampled_from(["2026-11-24", "2026-11-25", "2026-03-08", "2026-11-01", "2026-02-29", "2026-02-28",
                        "2027-01-01", "1970-01-01", "9999-12-31", "0001-01-01", "2026-13-01", "2026-11-31"])
clock_times = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 25), st.sampled_from([0, 7, 15, 30, 45, 59, 60]))
offsets = st.sampled_from(["", "", "", "-05:00", "-06:00", "+00:00", "Z", "+14:00", "-0500", "+99:99"])
times = st.one_of(
    st.builds(lambda d, t, o: f"{d} {t}{o}", days, clock_times, offsets),
    # the hours that do not exist or happen twice in Chicago
    st.builds(lambda d, t, o: f"{d} {t}{o}", st.sampled_from(["2026-03-08", "2026-11-01"]),
              st.sampled_from(["01:00", "01:30", "01:45", "02:00", "02:30", "03:00"]), offsets),
    weird_text,
)
minutes = st.one_of(st.sampled_from(["30", "60", "90", "15", "45", "120", "0", "-30", "121", "1", "29"]),
                    st.integers(-10**12, 10**12).map(str), weird_text)
modalities = st.sampled_from(["swedish", "deep-tissue", "lymph-drainage", "sports", "reiki", "", "SWEDISH"])
numbers = st.one_of(st.integers(-10**6, 10**6).map(str), weird_text)


def ids(known: list[str]):
    return st.one_of(st.sampled_from(known), weird_text,
                     st.builds(lambda m, c: f"{m}-{c}", st.sampled_from(["2611", "2612", "2613", "9900", "0000"]),
                               st.text(alphabet="23456789abcdefghjkmnpqrstuvwxyz0O", min_size=0, max_size=7)))


def commands(known: list[str]):
    override = st.one_of(st.just([]), st.builds(lambda r: ["--override", r], weird_text))
    return st.one_of(
        st.builds(lambda c, t, r, m, s, n, o: ["book", "session", "--client", c, "--therapist", t, "--room", r,
                                               "--modality", m, "--start", s, "--minutes", n, *o],
                  weird_text, weird_text, weird_text, modalities, times, minutes, override),
        st.builds(lambda c, p, r, s, n, o: ["book", "visit", "--client", c, "--provider", p, "--room", r,
                                            "--start", s, "--minutes", n, *o],
                  weird_text, st.sampled_from(["Dr Patel", "Lena", "Maya"]) | weird_text,
                  st.sampled_from(["Adjusting", "Gym", "Cedar"]) | weird_text, times, minutes, override),
        st.builds(lambda v, t, s, r, o: ["book", "spot", "--visit", v, "--therapist", t, "--start", s,
                                         "--region", r, *o],
                  ids(known), st.sampled_from(["Maya", "Daniel"]) | weird_text, times, weird_text, override),
        st.builds(lambda i, s, o: ["move", i, "--start", s, *o], ids(known), times, override),
        st.builds(lambda i, r: ["cancel", i, "--reason", r], ids(known), weird_text),
        st.builds(lambda i, s: ["status", i, s], ids(known),
                  st.sampled_from(["arrived", "fulfilled", "no-show", "booked", "cancelled", "gone"])),
        st.builds(lambda d, n: ["list", "--from", d, "--days", n], days | weird_text, numbers),
        st.builds(lambda n, f: ["client", "add", n, *f], weird_text,
                  st.sampled_from([[], ["--flag", "tumor"], ["--payer", "insurance"], ["--phone", "☎" * 500]])),
        st.builds(lambda n, k: ["room", "add", n, "--kind", k], weird_text,
                  st.sampled_from(["massage", "chiropractic", "sauna"])),
        st.builds(lambda n, h: ["staff", "add", n, "--role", "therapist", "--modality", "swedish", "--hours", h],
                  weird_text, st.sampled_from(["mon-fri 09:00-17:00", "sun 23:00-01:00", "xyz", "mon 9-5"])
                  | weird_text),
        st.builds(lambda n, a, b: ["staff", "time-off", n, "--from", a, "--to", b],
                  st.sampled_from(["Maya", "Daniel"]) | weird_text, days | times, days | times),
        st.builds(lambda c, v, e, i: ["referral", "add", "--client", c, "--visits", v, "--expires", e,
                                      "--issued", i], weird_text, numbers, days | weird_text, days | weird_text),
    )


# --- a shared folder for all examples of a property ---------------------------------------------------------


@pytest.fixture(scope="module")
def folder():
    path = Path(tempfile.mkdtemp(prefix="torture-input-")) / "data"
    s = busy_practice(path)
    a = s.book_session("Ann", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60)
    v = s.book_visit("Ben", "Dr Patel", "Adjusting", "2026-11-24 09:00", 30)
    s.book_spot(v.id, "Daniel", "2026-11-24 09:00", override="torture")
    old = os.environ.get("TUI_SCHEDULER_NOW")
    os.environ["TUI_SCHEDULER_NOW"] = NOW.isoformat()
    yield path, [a.id, v.id]
    if old is None:
        os.environ.pop("TUI_SCHEDULER_NOW", None)
    else:
        os.environ["TUI_SCHEDULER_NOW"] = old
    shutil.rmtree(path.parent, ignore_errors=True)


def _consistent(path: Path) -> None:
    problems, summary = Scheduler(path).check_folder()
    assert problems == [], problems
    assert Scheduler(path).revision() == len({x["txid"] for x in audit_lines(path)})
    assert not (path / "journal.json").exists() and not list(path.rglob(".*tx-*"))


def _main(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as exc:  # argparse's own --help: fine, but it must be a clean exit
            code = exc.code or 0
    return code, out.getvalue(), err.getvalue()


def test_random_cli_commands_succeed_or_refuse_clearly(folder):
    path, known = folder

    @SETTINGS
    @given(argv=commands(known))
    def run(argv):
        code, out, err = _main(["--data", str(path), *argv])
        assert code in (0, 1, 2), (argv, code, err)
        assert "Traceback" not in err
        if code:
            assert err.startswith("tui-scheduler: ") and len(err.strip().splitlines()) == 1, (argv, err)

    run()
    _consistent(path)


BOOK_ANN = ["book", "session", "--client", "Ann", "--therapist", "Maya", "--room", "Cedar", "--modality", "swedish"]


@pytest.mark.parametrize("argv", [  # cases the random search found once: each crashed with exit 70
    ["staff", "time-off", "Maya", "--from", "2026-11-24", "--to", "9999-12-31"],
    [*BOOK_ANN, "--start", "2026-11-24 10:00", "--minutes", "1000000000000"],
    [*BOOK_ANN, "--start", "9999-12-31 23:00", "--minutes", "60"],
    [*BOOK_ANN, "--start", "0001-01-01 00:15+14:00", "--minutes", "60"],
    ["list", "--from", "9999-12-31", "--days", "3660"],
    ["referral", "add", "--client", "Ann", "--visits", "3", "--expires", "9999-12-31", "--issued", "0001-01-01"],
])
def test_far_dates_and_huge_durations_are_refused_not_crashed(folder, argv):
    path, _ = folder
    code, out, err = _main(["--data", str(path), *argv])
    assert code in (1, 2), (code, err)
    assert err.startswith("tui-scheduler: ") and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("start", [datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))),
                                   datetime(1, 1, 1, 0, 15, tzinfo=timezone(timedelta(hours=14)))])
def test_far_instants_given_to_the_core_are_refused(folder, start):
    path, _ = folder
    with pytest.raises(SchedulerError):
        Scheduler(path, clock=lambda: NOW).book_session("Ann", "Maya", "Cedar", "swedish", start, 60)


# --- the core, called the way the TUI and the feed server call it ----------------------------------------

any_minutes = st.one_of(st.integers(-10**9, 10**9), st.sampled_from([30, 60, 90, 15, 0, -15, 10**18]),
                        st.floats(allow_nan=True), st.none(), st.booleans(), st.text(max_size=5))
aware = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                     timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=-5)),
                                                timezone(timedelta(hours=13, minutes=45))]))
any_start = st.one_of(times, aware, st.datetimes())  # the last: naive, which must be refused


def test_random_core_calls_succeed_or_refuse_clearly(folder):
    path, known = folder
    s = Scheduler(path, clock=lambda: NOW, user="hypothesis")

    @SETTINGS
    @given(data=st.data())
    def run(data):
        op = data.draw(st.sampled_from(["session", "visit", "spot", "move", "cancel", "status", "appointments",
                                        "problems"]))
        text = lambda: data.draw(weird_text | st.sampled_from(["Ann", "Maya", "Daniel", "Cedar", "Willow"]))
        try:
            if op == "session":
                s.book_session(text(), text(), text(), data.draw(modalities), data.draw(any_start),
                               data.draw(any_minutes), override=data.draw(st.none() | weird_text))
            elif op == "visit":
                s.book_visit(text(), data.draw(st.sampled_from(["Dr Patel", "Lena"]) | weird_text),
                             data.draw(st.sampled_from(["Adjusting", "Gym"]) | weird_text),
                             data.draw(any_start), data.draw(any_minutes), override="torture")
            elif op == "spot":
                s.book_spot(data.draw(ids(known)), text(), data.draw(any_start), region=text(), override="t")
            elif op == "move":
                s.move(data.draw(ids(known)), data.draw(any_start), override=data.draw(st.none() | weird_text))
            elif op == "cancel":
                s.cancel(data.draw(ids(known)), text())
            elif op == "status":
                s.set_status(data.draw(ids(known)), text())
            elif op == "appointments":
                a, b = data.draw(aware), data.draw(aware)
                s.appointments(a, b, therapist=data.draw(st.none() | weird_text))
            else:
                s.problems_for_session(client=text(), therapist=text(), room=text(),
                                       modality=data.draw(modalities), start=data.draw(any_start),
                                       minutes=data.draw(any_minutes))
        except SchedulerError as exc:
            assert exc.exit_code in (1, 2), (op, exc)
            assert "\n" not in exc.reason and exc.reason.strip()

    run()
    _consistent(path)


@pytest.mark.parametrize("argv", [
    ["client", "add", "Zoë Ünïcødé 👩‍⚕️ ملك"],
    ["client", "add", "y" * 100_000],
    ["book", "session", "--client", "Ann", "--therapist", "Maya", "--room", "Cedar", "--modality", "swedish",
     "--start", "2026-03-08 02:30", "--minutes", "60"],
    ["book", "session", "--client", "Ann", "--therapist", "Maya", "--room", "Cedar", "--modality", "swedish",
     "--start", "2026-11-01 01:30", "--minutes", "60"],
    ["book", "session", "--client", "Ann", "--therapist", "Maya", "--room", "Cedar", "--modality", "swedish",
     "--start", "2026-11-24 10:00", "--minutes", "9" * 5000],
    ["move", "2611-" + "z" * 10_000, "--start", "2026-11-24 10:00"],
    ["list", "--from", "2026-11-24", "--days", "99999999999999999999"],
])
def test_the_real_console_script_never_shows_a_traceback(folder, argv):
    path, _ = folder
    done = subprocess.run([sys.executable, "-m", "tui_scheduler.cli", *argv], capture_output=True, text=True,
                          env=worker_env(path), cwd=ROOT, timeout=120)
    assert done.returncode in (0, 1, 2), done.stderr
    assert "Traceback" not in done.stderr
    assert done.returncode == 0 or len(done.stderr.strip().splitlines()) == 1
    _consistent(path)
