"""A believable demo practice: rooms, therapists, providers, clients, and two weeks around today.

Every booking goes through the service, so the demo obeys the same rules as real use.
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from . import paths
from .core import clock
from .core.billing import CODE_OF_MODALITY
from .core.errors import Refused
from .core.hours import WeeklyHours
from .core.model import Status
from .services import Scheduler

MARKER = ".demo-practice"

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
                sched.add_referral(name, max(rng.choice([6, 8, 10, 12]), COURSE.get(name, 0)), today + timedelta(days=rng.randrange(20, 90)),
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
    _clinical_record(sched, rng, today, tz)
    (sched.folder.path / MARKER).write_text("made by tui-scheduler --demo; safe to delete\n")


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
    done = [a for a in sched.appointments(lo, hi) if a.status == Status.FULFILLED and a.kind != "visit"]
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


def _settle_the_past(sched: Scheduler, rng: random.Random, now, today, tz) -> None:
    """Past appointments were fulfilled (a few no-shows and cancellations); today's early ones arrived."""
    lo, _ = clock.day_span(today - timedelta(days=7), tz)
    _, hi = clock.day_span(today, tz)
    for appt in sched.appointments(lo, hi):
        if appt.kind == "spot" or appt.status != Status.BOOKED:
            continue
        roll = rng.random()
        if appt.end <= now:
            if roll < 0.05:
                sched.cancel(appt.id, "client called in sick")
            elif roll < 0.1:
                sched.set_status(appt.id, "no-show")
            else:
                sched.set_status(appt.id, "fulfilled")
        elif appt.start <= now + timedelta(minutes=15) and clock.local_day(appt.start, tz) == today:
            sched.set_status(appt.id, "arrived")


def fresh_demo_folder(clock=None) -> Path:
    """A new demo practice in the user's data dir, replacing an older demo (never a real practice).

    It is built beside the old one and swapped in by renames, so another `--demo` still open on the old
    folder never reads a half-built practice (it sees the new one on its next refresh).
    """
    home = paths.default_data_dir()
    folder = home / "demo"
    if folder.exists() and not (folder / MARKER).exists():
        raise Refused(f"{folder} exists and is not a demo folder; not touching it")
    home.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".demo-new-", dir=home))
    fill_demo(Scheduler(building, clock=clock))
    retired = building.with_name(building.name.replace("-new-", "-old-"))
    try:
        os.rename(folder, retired)
    except FileNotFoundError:
        pass
    try:
        os.rename(building, folder)
    except OSError:  # another --demo put its own in place first: use ours where it is
        return building
    shutil.rmtree(retired, ignore_errors=True)
    return folder
