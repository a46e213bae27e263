"""`client show`: what the front desk and the therapist look up about a client, from one call."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from tui_scheduler.services import Scheduler

from .conftest import fixed, small_practice


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def cara(tmp_path):
    """Cara (insurance, a surgery flag cleared by Dr. Chen) with a month of history and two sessions ahead."""
    sched = small_practice(tmp_path / "data")
    sched.update_client("Cara", phone="555-0199", email="cara@example.com", flags=["surgery"], dob="1980-02-29",
                        address="7 Oak Ln, Springfield")
    sched.add_clearance("Cara", "surgery", "Dr. Chen", until="2027-01-31", note="scar tissue: avoid deep work")
    ref = sched.add_referral("Cara", 6, "2027-01-15", issued="2026-11-01", prescriber="Dr. Chen",
                             icd10=["M54.50"])
    book = lambda start: sched.book_session("Cara", "Maya", "Cedar", "swedish", start, 60)  # noqa: E731
    done, missed, called_off = book("2026-11-16 10:00"), book("2026-11-18 10:00"), book("2026-11-19 10:00")
    sched.set_status(done.id, "fulfilled")
    sched.record_hands_on(done.id, {"97124": 38, "97140": 15})
    sched.write_note(done.id, subjective="low back 6/10", plan="weekly")
    sched.set_status(missed.id, "no-show")
    sched.cancel(called_off.id, "sick")
    soon, later = book("2026-11-25 10:00"), book("2026-12-02 10:00")
    visit = sched.book_visit("Cara", "Dr Patel", "Adjusting", "2026-11-17 09:00", 30)
    sched.set_status(visit.id, "fulfilled")
    return sched, dict(done=done.id, missed=missed.id, called_off=called_off.id, soon=soon.id, later=later.id,
                       visit=visit.id, referral=ref.id)


def test_history_has_the_next_appointments_first_then_the_past_newest_first(cara):
    sched, ids = cara
    record = sched.client_history("Cara")
    assert [r["id"] for r in record["next"]] == [ids["soon"], ids["later"]]
    assert [(r["id"], r["status"]) for r in record["history"]] == [
        (ids["called_off"], "cancelled"), (ids["missed"], "no-show"), (ids["visit"], "fulfilled"),
        (ids["done"], "fulfilled")]
    done = record["history"][-1]
    assert done["note"] is True and done["note_versions"] == 1
    assert done["units"] == {"97124": 3, "97140": 1} and done["total_units"] == 4
    assert done["therapist"] == "Maya" and done["room"] == "Cedar"
    missed = record["history"][1]
    assert missed["note"] is False and missed["units"] is None
    assert "units" not in record["history"][2]  # a chiropractic visit is not billed in massage units
    att = record["attendance"]
    assert (att["no_shows"], att["late_cancels"], att["text"]) == (1, 1, "1 no-show, 1 late cancel in 12 months")
    assert set(att["missed"]) == {ids["missed"], ids["called_off"]}


def test_contact_flags_clearances_and_referrals(cara):
    sched, ids = cara
    record = sched.client_history("Cara")
    c = record["client"]
    assert (c["name"], c["payer"], c["phone"], c["email"], c["dob"], c["address"]) == (
        "Cara Ins", "insurance", "555-0199", "cara@example.com", "1980-02-29", "7 Oak Ln, Springfield")
    assert record["flags"] == [{"flag": "surgery", "label": "surgery recent or upcoming",
                                "cleared": "cleared by Dr. Chen until 2027-01-31"}]
    assert [(k["flag"], k["by"], k["valid"]) for k in record["clearances"]] == [("surgery", "Dr. Chen", True)]
    (ref,) = record["referrals"]
    # fulfilled, no-show (uses a visit by default) and the two booked ones
    assert (ref["id"], ref["used"], ref["left"], ref["icd10"]) == (ids["referral"], 4, 2, ["M54.50"])


def test_history_since_a_day_and_a_clearance_that_has_expired(cara):
    sched, ids = cara
    record = sched.client_history("Cara", since="2026-11-17")
    assert ids["done"] not in [r["id"] for r in record["history"]]
    assert record["since"] == "2026-11-17"
    february = Scheduler(sched.folder.path, clock=fixed(_at("2027-02-01T08:00:00-06:00")))
    record = february.client_history("Cara")
    assert record["flags"][0]["cleared"] == "" and record["clearances"][0]["valid"] is False
    assert record["next"] == [] and len(record["history"]) == 6  # everything is past by then


def test_cli_client_show(cara, cli):
    sched, ids = cara
    code, out, err = cli("client", "show", "Cara", data_dir=sched.folder.path)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Cara Ins (") and "555-0199" in lines[0] and "insurance" in lines[0]
    assert "born 1980-02-29 · 7 Oak Ln, Springfield" in out
    assert "flag: surgery (surgery recent or upcoming): cleared by Dr. Chen until 2027-01-31" in out
    assert f"referral {ids['referral']}: Dr. Chen, 4 of 6 visits used, 2 left" in out and "[M54.50]" in out
    nxt = lines.index("next:")
    assert ids["soon"] in lines[nxt + 1] and ids["later"] in lines[nxt + 2]
    done = next(line for line in lines if ids["done"] in line)
    assert "fulfilled" in done and "4 units" in done and "note" in done
    assert "attendance: 1 no-show, 1 late cancel in 12 months" in out
    code, out, _ = cli("client", "show", "Cara", "--json", data_dir=sched.folder.path)
    assert json.loads(out)["next"][0]["id"] == ids["soon"]
    code, _, err = cli("client", "show", "Nobody", data_dir=sched.folder.path)
    assert code == 1 and "no client" in err


def test_history_reads_only_the_clients_own_months(cara, monkeypatch):
    """With the visit index, a client's history opens the months they have appointments in, not every
    month of the practice's years."""
    sched, _ = cara
    other = sched.book_session("Ann", "Maya", "Cedar", "swedish", "2025-03-03 10:00", 60)
    assert other.id.startswith("2503")
    opened = []
    from tui_scheduler.store.folder import DataFolder

    real = DataFolder.load

    def spy(folder, rel, version=None):
        opened.append(rel)
        return real(folder, rel, version)

    monkeypatch.setattr(DataFolder, "load", spy)
    sched.client_history("Cara", since="2025-01-01")
    months = {rel for rel in opened if rel.startswith("appointments/")}
    assert months == {"appointments/2026-11.json", "appointments/2026-12.json"}

