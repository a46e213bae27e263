"""A believable demo practice: rooms, therapists, providers, clients, and two weeks around today.

Every booking goes through the service, so the demo obeys the same rules as real use.
"""

from __future__ import annotations

import fcntl
import os
import random
import re
import shutil
import tempfile
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Iterator

from . import paths
from .core import clock
from .core.billing import CODE_OF_MODALITY
from .core.errors import Refused
from .core.hours import WeeklyHours
from .core.model import Status
from .services import Scheduler

MARKER = ".demo-practice"  # says a folder is a demo (safe to replace) and the day it was made for
BUILD_LOCK = "demo.lock"  # in the user data dir: one demo build at a time
_LEFTOVER = re.compile(r"\.demo-(new|old)-")

ROOMS = [("Cedar", "massage"), ("Willow", "massage"), ("Birch", "massage"),
         ("Adjusting Room", "chiropractic"), ("Rehab Gym", "physical-therapy")]
THERAPISTS = [
    ("Maya Lindqvist", ["swedish", "deep-tissue", "trigger-point", "sports"], ["mon-fri 09:00-17:00"]),
    ("Daniel Okafor", ["swedish", "myofascial", "lymph-drainage", "craniosacral"],
     ["mon,tue,thu 10:00-19:00", "sat 09:00-14:00"]),
    ("Rosa Jimenez", ["swedish", "stretching", "sports", "trigger-point", "myofascial"],
     ["tue-fri 08:00-16:00"]),
]
PROVIDERS = [("Dr. Sam Patel", "chiropractor", ["mon-fri 08:00-16:00"]),
             ("Lena Fischer", "physical-therapist", ["mon-fri 09:00-18:00"])]
CLIENTS = [
    ("Amelia Hart", "insurance", ["osteoporosis"], "light", "Low back pain after a fall; referral from Dr. Chen."),
    ("Benjamin Ross", "self-pay", [], "firm", "Runner, hamstrings."),
    ("Chloe Nguyen", "hsa-fsa", [], "medium", "Tension headaches, desk work."),
    ("David Kowalski", "insurance", ["blood-thinners"], "light", "Post-op knee; bruises easily."),
    ("Elena Petrova", "self-pay", [], "medium", ""),
    ("Farid Haddad", "insurance", [], "deep", "Frozen shoulder, PT alongside."),
    ("Grace Oyelaran", "insurance", ["surgery"], "light", "Mastectomy 2025; lymphedema left arm."),
    ("Henry Walsh", "self-pay", [], "firm", "Sports massage before marathons."),
    ("Isabel Moreno", "hsa-fsa", ["implanted-device"], "medium", "Pacemaker: no work over the left chest."),
    ("Jonas Berg", "insurance", [], "medium", "Whiplash from a car accident."),
    ("Keiko Tanaka", "self-pay", [], "light", "Fibromyalgia; short sessions."),
    ("Liam O'Connor", "insurance", [], "firm", "Plantar fasciitis."),
]
# What a superbill names: the practice, each provider's licence and NPI, each client's birthday and address,
# and the diagnosis codes on the prescriptions.
PRACTICE = dict(address="1200 River Road, Suite 4, Springfield, IL 62704", phone="(217) 555-0100",
                tax_id="36-4812957", fees=["97124=32.00", "97140=38.00"])
CREDENTIALS = {
    "Maya Lindqvist": ("1342056789", "LMT IL 227.014582"), "Daniel Okafor": ("1526184936", "LMT IL 227.019377"),
    "Rosa Jimenez": ("1677301420", "LMT IL 227.021904"), "Dr. Sam Patel": ("1183960255", "DC IL 038.011276"),
    "Lena Fischer": ("1459027367", "PT IL 070.024418"),
}
DIAGNOSES = {
    "Amelia Hart": ["M54.50", "M81.0"], "Chloe Nguyen": ["G44.209"], "David Kowalski": ["Z96.651", "M25.561"],
    "Farid Haddad": ["M75.01"], "Grace Oyelaran": ["I89.0"], "Isabel Moreno": ["M79.18"],
    "Jonas Berg": ["S13.4XXD"], "Liam O'Connor": ["M72.2"],
}
BIRTHDAYS = {"Amelia Hart": "1954-03-18"}
COURSE = {"Amelia Hart": 12}  # visits on her prescription: enough for her past week, so her bill is complete
STREETS = ["Maple Ave", "Oak Street", "Lincoln Blvd", "Cedar Court", "Elm Drive", "Walnut Lane"]
# Where each client is usually worked on, for the demo's notes.
AREAS = {
    "Amelia Hart": "low back, QL and gluteals", "Benjamin Ross": "hamstrings and calves",
    "Chloe Nguyen": "neck, upper trapezius, suboccipitals", "David Kowalski": "right quadriceps and IT band",
    "Elena Petrova": "shoulders and upper back", "Farid Haddad": "left shoulder girdle",
    "Grace Oyelaran": "left arm and axilla (lymph drainage)", "Henry Walsh": "legs and hips",
    "Isabel Moreno": "right shoulder and neck", "Jonas Berg": "cervical paraspinals, SCM",
    "Keiko Tanaka": "upper back, gentle full body", "Liam O'Connor": "plantar fascia, calves",
}


def fill_demo(sched: Scheduler, timezone: str = "America/Chicago", seed: int = 7) -> None:
    """Write the demo practice into an empty data folder (refused if it already holds a practice)."""
    rng = random.Random(seed)
    sched.init(timezone, "Riverside Integrative Clinic", ["mon-fri 08:00-19:00", "sat 09:00-14:00"])
    tz = clock.zone(timezone)
    with sched.batch():
        sched.update_practice(**PRACTICE)
        for name, kind in ROOMS:
            sched.add_room(name, kind)
        for name, mods, hours in THERAPISTS:
            sched.add_staff(name, "therapist", mods, hours, *CREDENTIALS[name])
        for name, role, hours in PROVIDERS:
            sched.add_staff(name, role, [], hours, *CREDENTIALS[name])
        today = clock.local_day(sched.now(), tz)
        for name, payer, flags, pressure, notes in CLIENTS:
            sched.add_client(name, payer, flags, phone=f"555-01{rng.randrange(10, 99)}",
                             email=name.split()[0].lower() + "@example.com", pressure=pressure, notes=notes,
                             dob=BIRTHDAYS.get(name) or today.replace(year=today.year - rng.randrange(24, 78),
                                                                      day=rng.randrange(1, 28)),
                             address=f"{rng.randrange(10, 990)} {rng.choice(STREETS)}, Springfield, IL 6270"
                                     f"{rng.randrange(1, 5)}")
            if payer != "self-pay":
                sched.add_referral(name, max(rng.choice([6, 8, 10, 12]), COURSE.get(name, 0)),
                                   today + timedelta(days=rng.randrange(20, 90)),
                                   issued=today - timedelta(days=rng.randrange(10, 30)),
                                   prescriber=rng.choice(["Dr. Mei Chen", "Dr. Omar Said", "Dr. Sam Patel"]),
                                   area=notes.split(";")[0].split(",")[0].rstrip("."), icd10=DIAGNOSES.get(name, ()))
        # Amelia's osteoporosis was cleared in writing, so her bookings need no override for it
        sched.add_clearance("Amelia Hart", "osteoporosis", "Dr. Mei Chen", until=today + timedelta(days=75),
                            note="Light to medium pressure; no deep work over the spine or ribs.")
        _amelias_last_session(sched, today, tz)
        _book_two_weeks(sched, rng, today, tz)
        sched.add_to_waitlist("Keiko Tanaka", 60, today, today + timedelta(days=7), modality="swedish",
                              therapist="Maya Lindqvist", note="prefers mornings; call 555-0142")
        sched.add_to_waitlist("Henry Walsh", 90, today + timedelta(days=1), today + timedelta(days=5),
                              modality="sports", note="before Saturday's race")
        _around_the_day(sched, today, tz)
    _clinical_record(sched, rng, today, tz)
    _write_marker(sched.folder.path, today)


def _book_two_weeks(sched: Scheduler, rng: random.Random, today, tz) -> None:
    """Each provider and therapist works through their hours with short gaps, as a busy clinic does."""
    now = sched.now()
    clients = [c[0] for c in CLIENTS]
    massage_rooms = [r[0] for r in ROOMS if r[1] == "massage"]
    week = {name: WeeklyHours.parse(hours) for name, _, hours in THERAPISTS + PROVIDERS}
    for offset in range(-7, 8):
        day = today + timedelta(days=offset)
        # chiropractic and PT visits, most with spot work by a therapist who is free then
        for (provider, _, _), room in zip(PROVIDERS, ("Adjusting Room", "Rehab Gym")):
            for start, minutes in _working_day(rng, week[provider], day, (30, 45, 45, 60), busy=0.75):
                visit = _book_for_someone(rng, clients, sched.book_visit, sched.problems_for_visit,
                                          provider=provider, room=room, start=clock.slot_at(day, start, tz),
                                          minutes=minutes)
                if visit and rng.random() < 0.6:
                    for therapist in rng.sample([t[0] for t in THERAPISTS], len(THERAPISTS)):
                        if _book(sched.book_spot, sched.problems_for_spot, visit=visit.id, therapist=therapist,
                                 start=visit.start + timedelta(minutes=15),
                                 region=rng.choice(["neck", "low back", "shoulder", "hip"])):
                            break
        # full massage sessions, each followed by the room's turnover
        for therapist, mods, _ in THERAPISTS:
            for start, minutes in _working_day(rng, week[therapist], day, (30, 60, 60, 60, 90), busy=0.7):
                rooms = rng.sample(massage_rooms, len(massage_rooms))
                for room in rooms:
                    if _book_for_someone(rng, clients, sched.book_session, sched.problems_for_session,
                                         therapist=therapist, room=room, modality=rng.choice(mods),
                                         start=clock.slot_at(day, start, tz), minutes=minutes):
                        break
    _settle_the_past(sched, rng, now, today, tz)


def _amelias_last_session(sched: Scheduler, today, tz) -> None:
    """A session of Amelia's a few days back, fulfilled: her superbill for this month always has a line."""
    day = today - timedelta(days=2)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    done = sched.book_session("Amelia Hart", "Maya Lindqvist", "Cedar", "swedish", clock.slot_at(day, 10 * 60, tz),
                              60)
    sched.set_status(done.id, "fulfilled")


def _clinical_record(sched: Scheduler, rng: random.Random, today, tz) -> None:
    """After the week's sessions: hands-on minutes for most of them (Amelia's all), and a note for many,
    signed by the therapist who gave it; one of Amelia's has an addendum."""
    lo, _ = clock.day_span(today - timedelta(days=7), tz)
    _, hi = clock.day_span(today, tz)
    done = [a for a in _in_order(sched, lo, hi) if a.status == Status.FULFILLED and a.kind != "visit"]
    names = sched.names()
    pressure = {c[0]: c[3] for c in CLIENTS}
    amelia = [a for a in done if names[a.client_id] == "Amelia Hart"]
    with sched.batch():
        for a in done:
            if a in amelia or rng.random() < 0.9:
                sched.record_hands_on(a.id, _hands_on(a, rng))
    now = sched.now()
    noted: dict[str, list] = {}
    for a in done:
        if a in amelia or rng.random() < 0.45:
            noted.setdefault(a.staff_id, []).append(a)
    for staff_id, appts in noted.items():
        # each note signed by its therapist a few minutes after the session; one batch per therapist
        signed = {"at": now}
        signer = Scheduler(sched.folder.path, clock=lambda: signed["at"], user=names[staff_id].split()[0].lower())
        with signer.batch():
            for a in appts:
                signed["at"] = min(a.end + timedelta(minutes=8), now)
                _note(signer, a, names[a.client_id], pressure, rng)
                if amelia and a is amelia[0]:  # the client called the next morning: an addendum beside the signed note
                    signed["at"] = min(clock.slot_at(clock.local_day(a.start, tz) + timedelta(days=1), 9 * 60, tz),
                                       now)
                    signer.write_note(a.id, plan="Weekly for four weeks, then reassess. Addendum: called the next "
                                                 "morning, soreness gone by evening.")


def _note(signer: Scheduler, a, client: str, pressure: dict, rng: random.Random) -> None:
    pain = rng.randrange(3, 8)
    signer.write_note(
        a.id, areas=AREAS[client], pressure=pressure[client] or "medium",
        subjective=f"Reports {AREAS[client].split(',')[0]} pain {pain}/10, "
                   f"{rng.choice(['worse after work', 'stiff in the mornings', 'better since last visit'])}.",
        objective=f"{rng.choice(['Hypertonic', 'Tender trigger points in', 'Restricted fascia over'])} "
                  f"{AREAS[client].split(',')[-1].strip()}; "
                  f"{rng.choice(['range of motion limited', 'range of motion within limits'])}.",
        assessment=f"Tissue softened; pain {max(pain - rng.randrange(1, 4), 1)}/10 after the session.",
        plan=rng.choice(["Continue weekly; heat and gentle stretching at home.",
                         "Every two weeks; daily stretches as shown.", "Weekly for four weeks, then reassess."]))


def _hands_on(a, rng: random.Random) -> dict[str, int]:
    """Direct minutes per code: a session is hands-on most of its length, spot work about 13 of 15."""
    minutes = a.minutes - (2 if a.kind == "spot" else rng.choice([8, 10, 12]))
    code = CODE_OF_MODALITY.get(a.modality or "", "97124")
    if code == "97124" and a.modality in ("deep-tissue", "trigger-point") and minutes > 30:
        return {"97124": minutes - 15, "97140": 15}
    return {code: minutes}


def _working_day(rng: random.Random, hours: WeeklyHours, day, lengths, busy: float):
    """(start minute, length) of the appointments one person could take through their hours that day."""
    for open_, close in hours.spans[day.weekday()]:
        t = open_
        while t + min(lengths) <= close:
            minutes = rng.choice([m for m in lengths if t + m <= close])
            if rng.random() < busy:
                yield t, minutes
                t += minutes + 15
            else:
                t += 30


def _book_for_someone(rng: random.Random, clients, book, problems_for, **request):
    """Book the slot for the first of a few clients who is free then."""
    for client in rng.sample(clients, 4):
        done = _book(book, problems_for, client=client, **request)
        if done:
            return done
    return None


def _book(book, problems_for, **request):
    """Book when only clinical warnings stand in the way (the demo's prescribers cleared them);
    never outside someone's hours or over a conflict."""
    problems = problems_for(**request)
    if any(not p.soft or p.code in ("hours", "time-off") for p in problems):
        return None
    return book(**request, override="demo: cleared with the prescriber" if problems else None)


@contextmanager
def _as_of(sched: Scheduler, moment):
    """The demo's history is written today; a change a client made earlier is made on the clock of then."""
    real = sched.ctx.clock
    sched.ctx.clock = lambda: moment
    try:
        yield
    finally:
        sched.ctx.clock = real


def _in_order(sched: Scheduler, lo, hi) -> list:
    """Appointments by time, then by who gives them: ids are random, so an order by id would hand the
    demo's dice to different appointments in every fresh demo."""
    names = sched.names()
    return sorted(sched.appointments(lo, hi), key=lambda a: (a.start, names[a.staff_id], names[a.client_id]))


def _settle_the_past(sched: Scheduler, rng: random.Random, now, today, tz) -> None:
    """Past appointments were fulfilled (a few no-shows and cancellations); today's early ones arrived."""
    lo, _ = clock.day_span(today - timedelta(days=7), tz)
    _, hi = clock.day_span(today, tz)
    for appt in _in_order(sched, lo, hi):
        if appt.kind == "spot" or appt.status != Status.BOOKED:
            continue
        roll = rng.random()
        if appt.end <= now:
            if roll < 0.05:
                with _as_of(sched, appt.start - timedelta(days=2)):  # called two days ahead: not a late cancel
                    sched.cancel(appt.id, "client called to cancel")
            elif roll < 0.1:
                sched.set_status(appt.id, "no-show")
            else:
                sched.set_status(appt.id, "fulfilled")
        elif appt.start <= now + timedelta(minutes=15) and clock.local_day(appt.start, tz) == today:
            sched.set_status(appt.id, "arrived")


def _around_the_day(sched: Scheduler, today, tz) -> None:
    """The clinic's day around the bookings: a phone and a mail server for reminders (a local test server,
    `python -m aiosmtpd -n -l 127.0.0.1:8025`, receives them), a training day, time off that strands a
    booked client, and half of tomorrow's clients confirmed."""
    sched.update_practice(phone="555-0100")
    sched.set_sending(smtp_host="127.0.0.1", smtp_port=8025, smtp_from="frontdesk@riverside-clinic.example",
                      smtp_tls="none")
    sched.add_closure(today + timedelta(days=10), today + timedelta(days=10), "staff training day")
    tomorrow = [a for a in _in_order(sched, *clock.day_span(today + timedelta(days=1), tz))
                if a.kind != "spot" and a.status == Status.BOOKED]
    sessions = [a for a in tomorrow if a.kind == "session"]
    if sessions:
        first = sessions[0]
        sched.add_time_off(first.staff_id, first.start, first.start + timedelta(hours=2), "dentist", override=True)
    for appt in tomorrow[::2]:
        sched.confirm(appt.id)


def open_demo(fresh: bool = False, clock=None) -> tuple[Path, IO]:
    """The demo practice for `--demo`, and a shared hold on it to keep while the app is open.

    Today's demo is reused, so a second `--demo` never swaps the practice under an app that is open on it;
    a new one is built when asked (`fresh`), or when the one there was made for another day and no app
    holds it. The hold is taken before the build lock is let go, so no other demo can rebuild in between.
    """
    folder = paths.demo_folder()
    with _building():
        _clear_leftovers(folder.parent)
        made_for = _made_for(folder)
        if fresh or made_for is None or made_for != _today(clock):
            _replace(folder, clock, refuse_if_open=fresh, keep_if_open=made_for is not None and not fresh)
        return folder, hold_open(folder)


def build_demo(folder: Path, timezone: str = "America/Chicago", fresh: bool = False, clock=None) -> Path:
    """`tui-scheduler demo`: a demo practice in `folder`, which must be empty (or, with `fresh`, an older
    demo no app has open). Built beside it and renamed into place, so a build killed half-way leaves no
    half practice in the folder, only a leftover the next demo clears away."""
    with _building():
        _clear_leftovers(folder.parent)
        if _holds_practice(folder) and not (fresh and _made_for(folder) is not None):
            hint = "" if _made_for(folder) is None else " (a demo: 'demo --fresh' replaces it)"
            raise Refused(f"{folder} already holds a practice{hint}")
        _replace(folder, clock, timezone, refuse_if_open=True)
    return folder


def hold_open(folder: Path) -> IO:
    """A shared lock on the demo's marker for as long as the returned file stays open."""
    hold = open(folder / MARKER, "rb")
    fcntl.flock(hold, fcntl.LOCK_SH)
    return hold


def _replace(folder: Path, clock, timezone: str = "America/Chicago", *, refuse_if_open: bool,
             keep_if_open: bool = False) -> None:
    """Build a new demo beside `folder` and swap it in, unless an app holds the demo there."""
    if folder.exists() and not _holds_practice(folder) and any(folder.iterdir()):
        raise Refused(f"{folder} is not empty and is not a demo folder; not touching it")
    if _holds_practice(folder) and _made_for(folder) is None:
        raise Refused(f"{folder} holds a practice that is not a demo; not touching it")
    with _nobody_open(folder) as free:
        if not free:
            if keep_if_open:
                return  # yesterday's demo, still open in an app: keep it rather than pull it away
            if refuse_if_open:
                raise Refused(f"the demo practice in {folder} is open in tui-scheduler; close it first")
        folder.parent.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=".demo-new-", dir=folder.parent))
        fill_demo(Scheduler(building, clock=clock), timezone)
        retired = building.with_name(building.name.replace("-new-", "-old-"))
        if folder.exists():
            os.rename(folder, retired)
        os.rename(building, folder)
    shutil.rmtree(retired, ignore_errors=True)


@contextmanager
def _building() -> Iterator[None]:
    """The user's demo build lock: a second demo started meanwhile waits, then finds the first's."""
    home = paths.default_data_dir()
    home.mkdir(parents=True, exist_ok=True)
    fd = os.open(home / BUILD_LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextmanager
def _nobody_open(folder: Path) -> Iterator[bool]:
    """True (and held until the end) when no app has the demo in `folder` open."""
    try:
        marker = open(folder / MARKER, "rb")
    except FileNotFoundError:
        yield True
        return
    with marker:
        try:
            fcntl.flock(marker, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
        else:
            yield True


def _clear_leftovers(parent: Path) -> None:
    """Builds and retired demos left by a demo that was killed: under the build lock none is in use."""
    if not parent.is_dir():
        return
    for entry in parent.iterdir():
        if _LEFTOVER.match(entry.name) and entry.is_dir() and entry.stat().st_uid == os.getuid():
            shutil.rmtree(entry, ignore_errors=True)


def _write_marker(folder: Path, day: date) -> None:
    fd = os.open(folder / MARKER, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o660)
    with os.fdopen(fd, "w") as f:
        os.fchmod(fd, 0o660)
        f.write(f"made by tui-scheduler for {day.isoformat()}; safe to delete\n")


def _made_for(folder: Path) -> date | None:
    """The day a demo folder was made for; None when it is not a demo (or not there)."""
    try:
        text = (folder / MARKER).read_text()
    except (FileNotFoundError, NotADirectoryError):
        return None
    found = re.search(r"\d{4}-\d{2}-\d{2}", text)
    return date.fromisoformat(found.group()) if found else date.min  # an old marker: another day


def _holds_practice(folder: Path) -> bool:
    return (folder / "practice.json").exists()


def _today(now_fn) -> date:
    """Today where the demo practice is (the day a demo is made for)."""
    sched = Scheduler(paths.demo_folder(), clock=now_fn)
    zone = sched.practice().timezone if _holds_practice(paths.demo_folder()) else "America/Chicago"
    return clock.local_day(sched.now(), clock.zone(zone))
