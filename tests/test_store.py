"""The shared data folder: real processes, real locks, real SIGKILL, real damaged files."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import signal
import stat
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from tui_scheduler.core.errors import DataFolderError, Refused
from tui_scheduler.services import Scheduler
from tests.conftest import NOW, fixed, small_practice


def _book_same_slot(folder: str, client: str, barrier, results) -> None:
    s = Scheduler(folder, clock=fixed(NOW))
    barrier.wait()
    try:
        a = s.book_session(client, "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60, override="ok")
        results.put(("booked", a.id))
    except Refused as exc:
        results.put(("refused", exc.reason))


def test_two_processes_booking_one_slot_exactly_one_wins(tmp_path):
    folder = tmp_path / "data"
    small_practice(folder)
    ctx = mp.get_context("spawn")
    for round_ in range(3):
        barrier, results = ctx.Barrier(2), ctx.Queue()
        procs = [ctx.Process(target=_book_same_slot, args=(str(folder), c, barrier, results))
                 for c in ("Ann Self", "Dan Hsa")]
        for p in procs:
            p.start()
        outcome = sorted(results.get(timeout=60) for _ in procs)
        for p in procs:
            p.join(30)
        assert [o[0] for o in outcome] == ["booked", "refused"], outcome
        assert "Maya is busy" in outcome[1][1]
        s = Scheduler(folder)
        day = s.appointments(*s.day_span(NOW.date().replace(day=24)))
        assert [a.id for a in day if a.holds_time] == [outcome[0][1]]
        s.cancel(outcome[0][1])


_WRITER = """
import sys
from datetime import datetime, timedelta, timezone
from tui_scheduler.services import Scheduler
from tui_scheduler.core.errors import Refused
s = Scheduler(sys.argv[1], clock=lambda: datetime(2026, 11, 23, 14, tzinfo=timezone.utc))
day = 0
while True:
    for hour in range(9, 17):
        start = f"2026-{11 + (day // 30) % 2}-{1 + day % 28:02d} {hour:02d}:00"
        try:
            a = s.book_session("Ann Self", "Daniel", "Cedar", "swedish", start, 30, override="torture")
        except Refused:
            continue
        print(a.id, flush=True)
    day += 1
"""


def test_killed_writer_leaves_a_loadable_folder_with_every_acknowledged_booking(tmp_path):
    folder = tmp_path / "data"
    small_practice(folder)
    acknowledged: list[str] = []
    rng = random.Random(3)
    for wanted in (1, 2, 3, 4, 5):
        proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(folder)], stdout=subprocess.PIPE, text=True)
        # kill once it has acknowledged some, however slow the machine, then a little later: somewhere
        # inside a following commit
        acknowledged += [proc.stdout.readline().strip() for _ in range(wanted)]
        time.sleep(rng.uniform(0.0, 0.05))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        acknowledged += out.split()
        s = Scheduler(folder)
        problems, summary = s.check_folder()
        assert problems == [], problems
        for appt_id in acknowledged:
            assert s.get(appt_id).holds_time
    assert len(acknowledged) >= 15 and all(acknowledged)
    leftovers = [p.name for p in folder.rglob(".*tx-*")]
    assert leftovers == []


_HOLDER = """
import sys
from tui_scheduler.store.folder import DataFolder
with DataFolder(sys.argv[1]).held():
    print("holding", flush=True)
    sys.stdin.readline()
"""


def test_a_first_read_sweeps_a_crashed_writers_temp_files_but_never_a_busy_writers(tmp_path):
    folder = tmp_path / "data"
    small_practice(folder)
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(folder)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    temp = folder / ".clients.json.tx-0123456789abcdef0123456789abcdef"  # as the writer's commit would
    try:
        assert holder.stdout.readline().strip() == "holding"
        temp.write_text("{}")
        assert [r.name for r in Scheduler(folder).rooms()]  # a new process's first read, beside a writer
        assert temp.exists()
    finally:
        holder.communicate("\n", timeout=60)
    assert holder.returncode == 0
    assert [r.name for r in Scheduler(folder).rooms()]  # the writer is gone: its file was a crash's
    assert not temp.exists()


def test_truncated_file_gives_a_clear_error_and_stays_untouched(tmp_path, cli):
    folder = tmp_path / "data"
    s = small_practice(folder)
    a = s.book_session("Ann", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60)
    month = folder / "appointments" / "2026-11.json"
    damaged = month.read_bytes()[:57]
    month.write_bytes(damaged)
    with pytest.raises(DataFolderError, match="2026-11.json is damaged"):
        Scheduler(folder).book_session("Dan", "Daniel", "Willow", "swedish", "2026-11-24 12:00", 60,
                                       override="x")
    code, out, err = cli("book", "session", "--client", "Dan", "--therapist", "Daniel", "--room", "Willow",
                         "--modality", "swedish", "--start", "2026-11-24 12:00", "--minutes", "60",
                         data_dir=folder)
    assert code == 3 and "2026-11.json is damaged" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert month.read_bytes() == damaged
    # other months still work: the damage is contained to its file
    assert Scheduler(folder).book_session("Dan", "Daniel", "Willow", "swedish", "2026-12-15 12:00", 60,
                                          override="x")
    assert a.id


def test_a_record_of_the_wrong_shape_is_named(tmp_path):
    folder = tmp_path / "data"
    small_practice(folder)
    rooms = folder / "rooms.json"
    data = json.loads(rooms.read_text())
    first = next(iter(data["rooms"].values()))
    del first["kind"]
    rooms.write_text(json.dumps(data))
    with pytest.raises(DataFolderError, match="rooms.json: a room record is malformed"):
        Scheduler(folder).rooms()


def test_each_booking_rewrites_one_month_file_only(tmp_path):
    folder = tmp_path / "data"
    s = small_practice(folder)
    for month in range(1, 13):
        s.book_session("Ann", "Daniel", "Cedar", "swedish", f"2026-{month:02d}-05 10:00", 60, override="x")
    before = {p.name: p.stat().st_ino for p in (folder / "appointments").iterdir()}
    s.book_session("Ben", "Daniel", "Cedar", "swedish", "2026-11-24 10:00", 60, override="x")
    after = {p.name: p.stat().st_ino for p in (folder / "appointments").iterdir()}
    changed = sorted(name for name in after if before.get(name) != after[name])
    assert changed == ["2026-11.json"]


def test_audit_log_has_one_line_per_change_with_user_and_reason(tmp_path):
    folder = tmp_path / "data"
    s = small_practice(folder)
    a = s.book_session("Ben", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60, override="Dr. Chen ok")
    s.move(a.id, "2026-11-24 11:00")
    s.cancel(a.id, "client called")
    lines = [json.loads(x) for x in (folder / "audit.jsonl").read_text().splitlines()]
    tail = lines[-3:]
    assert [x["action"] for x in tail] == ["book-session", "move", "cancel"]
    assert all(x["user"] == "tester" and x["id"] == a.id for x in tail)
    # which rule was overridden and that a reason was given; the words stay with the appointment
    assert tail[0]["overridden"] == ["flags"] and tail[2]["reason_given"] is True
    assert "Dr. Chen ok" not in str(lines) and "client called" not in str(lines)
    assert s.get(a.id).overrides == {"flags": "Dr. Chen ok"} and s.get(a.id).cancel_reason == "client called"
    # init, 12 setup records written as one batch, then the three changes: one line per change
    assert len(lines) == 1 + 12 + 3 and len({x["txid"] for x in lines}) == 1 + 1 + 3


def test_revision_rises_with_each_commit_and_not_on_refusal(sched):
    r0 = sched.revision()
    stamp = sched.folder.revision_stamp()
    sched.book_session("Ann", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60)
    assert sched.revision() == r0 + 1 and sched.folder.revision_stamp() != stamp
    with pytest.raises(Refused):
        sched.book_session("Dan", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60)
    assert sched.revision() == r0 + 1


def test_a_batch_commits_all_or_nothing(sched):
    r0 = sched.revision()
    with pytest.raises(RuntimeError):
        with sched.batch():
            sched.book_session("Ann", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60)
            raise RuntimeError("the front desk closed the form")
    assert sched.revision() == r0
    assert sched.appointments(*sched.day_span(NOW.date().replace(day=24))) == []


def test_files_are_shared_with_the_group_only(sched):
    folder = sched.folder.path
    sched.book_session("Ann", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60)
    for p in [folder, folder / "appointments", *folder.rglob("*")]:
        mode = stat.S_IMODE(p.stat().st_mode)
        if p.is_dir():
            assert mode == 0o2770, (p, oct(mode))
        else:
            assert mode == 0o660, (p, oct(mode))


def test_a_held_lock_makes_others_wait_then_say_busy(tmp_path):
    folder = tmp_path / "data"
    small_practice(folder)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from tui_scheduler.store.folder import DataFolder\n"
         "f = DataFolder(sys.argv[1])\n"
         "with f.transaction():\n    print('held', flush=True); time.sleep(30)", str(folder)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(DataFolderError, match="is busy"):
            Scheduler(folder, lock_timeout=0.5).add_room("Oak", "massage")
    finally:
        holder.kill()
        holder.wait()
    # the killed holder's lock is gone with its process
    assert Scheduler(folder, lock_timeout=5).rooms()


def test_a_journal_left_by_a_crash_is_rolled_forward(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    s = small_practice(folder)
    from tui_scheduler.store import folder as folder_mod

    def crash(self, entry):
        raise SystemExit("power cut after the commit point")

    monkeypatch.setattr(folder_mod.DataFolder, "_apply", crash)
    with pytest.raises(SystemExit):
        s.book_session("Ann", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60)
    assert (folder / "journal.json").exists()
    monkeypatch.undo()
    fresh = Scheduler(folder)
    day = fresh.appointments(*fresh.day_span(NOW.date().replace(day=24)))
    assert len(day) == 1 and not (folder / "journal.json").exists()
    audit = (folder / "audit.jsonl").read_text()
    assert audit.count('"book-session"') == 1
    assert fresh.check_folder()[0] == []


def test_stale_temp_files_of_a_crash_before_commit_are_swept(tmp_path):
    folder = tmp_path / "data"
    s = small_practice(folder)
    stray = folder / "appointments" / ".2026-11.json.tx-deadbeef"
    stray.write_text("{half")
    assert Scheduler(folder).rooms()
    assert not stray.exists()
    assert s.revision() >= 1


def test_client_visit_index_stays_in_step_and_check_repairs_it(tmp_path, cli):
    folder = tmp_path / "data"
    s = small_practice(folder)
    s.add_referral("Cara", 3, "2026-12-31", issued="2026-11-01")
    a = s.book_session("Cara", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60)
    s.move(a.id, "2026-12-02 10:00")
    b = s.book_session("Cara", "Maya", "Cedar", "swedish", "2026-11-25 10:00", 60)
    s.cancel(b.id)
    assert s.check_folder()[0] == []
    assert s.referral_standings(client="Cara")[0]["used"] == 1
    # an index that lost a row (edited by hand, say) is caught, and rebuilt on request
    bucket = next(p for p in (folder / "visits").glob("*.json") if a.id in p.read_text())
    bucket.write_text(json.dumps({"visits": {}}))
    problems, _ = Scheduler(folder).check_folder()
    assert any("visit index disagrees" in p for p in problems)
    code, out, err = cli("check", "--rebuild-index", data_dir=folder)
    assert code == 0 and out.startswith("ok:"), out + err
    assert Scheduler(folder).referral_standings(client="Cara")[0]["used"] == 1


def test_a_folder_without_the_visit_index_counts_from_the_month_files(tmp_path):
    folder = tmp_path / "data"
    s = small_practice(folder)
    s.add_referral("Cara", 1, "2026-12-31", issued="2026-11-01")
    s.book_session("Cara", "Maya", "Cedar", "swedish", "2026-11-24 10:00", 60)
    for p in (folder / "visits").iterdir():
        p.unlink()
    older = Scheduler(folder)
    assert older.referral_standings(client="Cara")[0]["used"] == 1
    with pytest.raises(Refused, match="used up"):
        older.book_session("Cara", "Maya", "Cedar", "swedish", "2026-11-24 12:00", 60)


def test_a_preview_and_a_read_do_not_wait_for_another_desks_open_transaction(tmp_path):
    """A desk typing in a booking form gets its live verdict while another desk's change is under way:
    previews and reads share the folder; only writers take turns."""
    folder = tmp_path / "data"
    small_practice(folder)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from tui_scheduler.services import Scheduler\n"
         "s = Scheduler(sys.argv[1])\n"
         "with s.batch():\n"
         "    s.book_session('Ann', 'Maya', 'Cedar', 'swedish', '2026-11-24 10:00', 60)\n"
         "    print('held', flush=True); time.sleep(60)", str(folder)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        # a lock timeout far below the holder's sleep: waiting at all would end in "busy"
        desk = Scheduler(folder, clock=fixed(NOW), lock_timeout=0.5)
        problems = desk.problems_for_session(client="Ben Flag", therapist="Maya", room="Cedar",
                                             modality="swedish", start="2026-11-24 10:00", minutes=60)
        # the other desk's booking is not saved yet, so only Ben's own flag stands in the way
        assert [p.code for p in problems] == ["flags"]
        assert [r.name for r in desk.rooms()] == ["Adjusting", "Cedar", "Gym", "Willow"]
        with pytest.raises(DataFolderError, match="is busy"):
            desk.book_session("Ben Flag", "Maya", "Cedar", "swedish", "2026-11-24 12:00", 60, override="ok")
    finally:
        holder.kill()
        holder.wait()


def test_a_month_checked_once_is_checked_again_when_another_hand_changes_it(tmp_path):
    """The app keeps a month's checks across its own bookings (the records are ones it checked or wrote),
    never across a change made by someone else."""
    folder = tmp_path / "data"
    s = small_practice(folder)
    s.book_session("Ann", "Maya", "Cedar", "swedish", "2026-12-02 10:00", 60)
    s.book_session("Ann", "Maya", "Cedar", "swedish", "2026-12-02 12:00", 60)
    assert len(s.appointments(NOW + timedelta(days=9), NOW + timedelta(days=10))) == 2
    month = folder / "appointments" / "2026-12.json"
    data = json.loads(month.read_text())
    next(iter(data["appointments"].values()))["start"] = "Dec 2 2026 10:00"
    month.write_text(json.dumps(data))
    before = month.read_bytes()
    with pytest.raises(DataFolderError, match="not a UTC time"):
        s.book_session("Ann", "Maya", "Cedar", "swedish", "2026-12-02 10:00", 60)
    assert month.read_bytes() == before



@pytest.mark.parametrize("start", [
    "2026-12-02T16:00:00+00:00\n2026-12-02T16:00:00+00:00",  # two good times in one: still one bad one
    "2026-12-02T16:00:00+00:00\n",
    "2026-12-02T16:00:00+01:00",
    "２０２６-12-02T16:00:00+00:00",  # digits, but not the ones text comparison orders
    1796227200,
    None,
])
def test_every_time_in_a_month_is_checked_and_the_bad_one_named(tmp_path, start):
    folder = tmp_path / "data"
    s = small_practice(folder)
    s.book_session("Ann", "Maya", "Cedar", "swedish", "2026-12-02 10:00", 60)
    bad = s.book_session("Ann", "Maya", "Cedar", "swedish", "2026-12-02 12:00", 60)
    month = folder / "appointments" / "2026-12.json"
    data = json.loads(month.read_text())
    next(d for d in data["appointments"].values() if d["id"] == bad.id)["start"] = start
    month.write_text(json.dumps(data))
    with pytest.raises(DataFolderError, match=f"appointment '{bad.id}' has a start or end that is not a UTC time"):
        s.appointments(NOW + timedelta(days=9), NOW + timedelta(days=10))


def test_a_record_looked_up_by_id_follows_another_desks_change(tmp_path):
    """Lookups by id are answered from an index kept with the file's version: another desk's edit, or a
    record added in this very transaction, is seen at once."""
    folder = tmp_path / "data"
    here, there = small_practice(folder), Scheduler(folder, clock=fixed(NOW), user="other")
    ann = here.client("Ann")
    assert here.client(ann.id).phone == ""
    there.update_client(ann.id, phone="555-0100")
    assert here.client(ann.id).phone == "555-0100"
    with here.batch():
        eve = here.add_client("Eve New", "self-pay")
        assert here.client(eve.id).name == "Eve New"
    assert here.client(eve.id).name == there.client(eve.id).name == "Eve New"


def test_names_follow_another_desks_change_with_nothing_else_read_between(tmp_path):
    """A long-running desk that asks only for names gets the room's new name, not the one it read before
    another desk's change."""
    folder = tmp_path / "data"
    here, there = small_practice(folder), Scheduler(folder, clock=fixed(NOW), user="other")
    cedar = next(r for r in here.rooms() if r.name == "Cedar")
    assert here.names()[cedar.id] == "Cedar"
    there.update_room(cedar.id, name="Cedar Room")
    assert here.names()[cedar.id] == "Cedar Room"


def _fresh_names(folder):
    """Everyone's names as a newly started app reads them, and whether it had to read clients.json."""
    s = Scheduler(folder, clock=fixed(NOW))
    names = s.names()
    return names, "clients.json" in s.ctx.folder._cache


def test_the_calendar_reads_client_names_from_their_index_which_follows_every_change(tmp_path):
    folder = tmp_path / "data"
    s = small_practice(folder)
    ann = next(c for c in s.clients() if c.name == "Ann Self")
    s.update_client(ann.id, name="Ann Selby")
    s.import_clients(b"name\nZoe Imported\n")
    names, read_clients = _fresh_names(folder)
    assert names[ann.id] == "Ann Selby" and "Zoe Imported" in names.values() and "Ben Flag" in names.values()
    assert not read_clients  # the index alone: the clients' file is the biggest after the months
    assert s.check_folder()[0] == []


@pytest.mark.parametrize("stamped", [True, False])
def test_client_names_written_by_another_hand_are_read_from_the_clients_until_reindexed(tmp_path, stamped):
    folder = tmp_path / "data"
    small_practice(folder)
    clients = folder / "clients.json"
    data = json.loads(clients.read_text())
    next(iter(data["clients"].values()))["name"] = "Edited By Hand"
    clients.write_text(json.dumps(data, indent=2))
    if stamped:  # as a tool that stamps its writes leaves the manifest; a person's editor does not
        revision = json.loads((folder / "revision.json").read_text())
        revision["files"]["clients.json"] = "another-tool"
        (folder / "revision.json").write_text(json.dumps(revision))
    names, read_clients = _fresh_names(folder)
    assert "Edited By Hand" in names.values() and read_clients
    Scheduler(folder, clock=fixed(NOW)).rebuild_visit_index()
    names, read_clients = _fresh_names(folder)
    assert "Edited By Hand" in names.values() and not read_clients


def test_check_names_a_names_index_that_disagrees_and_the_rebuild_mends_it(tmp_path):
    folder = tmp_path / "data"
    s = small_practice(folder)
    index = folder / "client-names.json"
    data = json.loads(index.read_text())
    ident = next(iter(data["names"]))
    data["names"][ident] = "Somebody Else"
    index.write_text(json.dumps(data))
    problems = Scheduler(folder, clock=fixed(NOW)).check_folder()[0]
    assert problems == [f"the client names index disagrees with the clients for 1 of them (first: {ident}); "
                        f"run 'tui-scheduler check --rebuild-index'"]
    s.rebuild_visit_index()
    assert Scheduler(folder, clock=fixed(NOW)).check_folder()[0] == []
    assert _fresh_names(folder)[0][ident] != "Somebody Else"


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"names": {"c-1": 42}, "file": {"size": 1}}'])
def test_a_damaged_names_index_costs_only_speed_and_check_says_how_to_mend_it(tmp_path, damage):
    folder = tmp_path / "data"
    s = small_practice(folder)
    index = folder / "client-names.json"
    data = json.loads(index.read_text())
    if damage.startswith(b'{"names"'):  # a name that is not text, in an index that is otherwise current
        data["names"][next(iter(data["names"]))] = 42
        damage = json.dumps(data).encode()
    index.write_bytes(damage)
    names, read_clients = _fresh_names(folder)
    assert "Ben Flag" in names.values() and read_clients  # from the clients' own file
    assert index.read_bytes() == damage
    problems = Scheduler(folder, clock=fixed(NOW)).check_folder()[0]
    assert len(problems) == 1 and problems[0].startswith("client-names.json ")
    assert problems[0].endswith("; run 'tui-scheduler check --rebuild-index'")
    s.rebuild_visit_index()
    assert Scheduler(folder, clock=fixed(NOW)).check_folder()[0] == [] and not _fresh_names(folder)[1]


def test_a_hand_edit_that_keeps_the_size_is_still_seen(tmp_path):
    folder = tmp_path / "data"
    small_practice(folder)
    clients = folder / "clients.json"
    text = clients.read_text()
    clients.write_text(text.replace('"Ann Self"', '"Ann Selk"'))
    index_time = (folder / "client-names.json").stat().st_mtime_ns
    os.utime(clients, ns=(index_time + 10**9, index_time + 10**9))  # a second later, as an edit by hand is
    names, read_clients = _fresh_names(folder)
    assert "Ann Selk" in names.values() and read_clients


def test_a_stored_field_this_version_does_not_know_survives_an_update(tmp_path):
    """A newer version's extra field on a client is kept when an older desk changes the client."""
    folder = tmp_path / "data"
    s = small_practice(folder)
    clients = folder / "clients.json"
    data = json.loads(clients.read_text())
    ann = next(d for d in data["clients"].values() if d["name"] == "Ann Self")
    ann["pronouns"] = "she/her"
    clients.write_text(json.dumps(data))
    s.update_client(ann["id"], phone="555-0100")
    stored = next(d for d in json.loads(clients.read_text())["clients"].values() if d["id"] == ann["id"])
    assert stored["pronouns"] == "she/her" and stored["phone"] == "555-0100"
