"""The demo practice shows the clinical record and the bill: notes, a clearance, a complete superbill."""

from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader

from tui_scheduler.demo import fill_demo
from tui_scheduler.services import Scheduler

from .conftest import NOW, fixed


def test_the_demo_has_notes_a_clearance_and_a_complete_superbill(tmp_path):
    sched = Scheduler(tmp_path / "demo", clock=fixed(NOW))
    fill_demo(sched)
    today = NOW.date()
    (cleared,) = sched.clearances()
    assert (cleared.flag, cleared.by) == ("osteoporosis", "Dr. Mei Chen") and cleared.valid_on(today)

    notes = sched.client_notes("Amelia")
    assert notes and any(len(n["versions"]) == 2 for n in notes)
    assert {n["signed_by"] for n in notes} <= {"maya", "daniel", "rosa"}
    everyone = [n for c in sched.clients() for n in sched.client_notes(c.id)]
    assert len({n["appointment"]["client_id"] for n in everyone}) > 3

    out = tmp_path / "amelia.pdf"
    bill = sched.write_superbill("Amelia", today - timedelta(days=8), today, out)
    assert bill["missing"] == [] and bill["lines"] and bill["not_billed"] == []
    assert all(line["icd10"] == ["M54.50", "M81.0"] and line["amount"] for line in bill["lines"])
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(out.read_bytes())).pages)
    assert "Amelia Hart" in text and "Date of birth 1954-03-18" in text and f"${bill['total']}" in text
