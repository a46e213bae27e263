"""Two front-desk apps on one folder book the same slot at the same moment."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from tests.conftest import small_practice
from tests.torture.helpers import ROOT


def test_two_apps_booking_one_slot_one_wins_the_other_is_told_and_both_show_the_same(tmp_path):
    sched = small_practice(tmp_path / "data")
    go = tmp_path / "go"
    outs = {name: tmp_path / f"{name.split()[0]}.json" for name in ("Ann Self", "Ben Flag")}
    desks = [subprocess.Popen([sys.executable, "-m", "tests.torture.desk", str(sched.folder.path), name, str(go),
                               str(out)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name, out in outs.items()]
    try:
        deadline = time.monotonic() + 120
        while not all(o.with_suffix(".ready").exists() for o in outs.values()):
            assert time.monotonic() < deadline, "the apps did not get ready"
            assert all(d.poll() is None for d in desks), [d.communicate() for d in desks]
            time.sleep(0.05)
        go.write_text("go")
        for d in desks:
            _, err = d.communicate(timeout=120)
            assert d.returncode == 0, err
    finally:
        for d in desks:
            d.kill()
    results = {name: json.loads(out.read_text()) for name, out in outs.items()}
    winners = [name for name, r in results.items() if r["booked"]]
    assert len(winners) == 1, results
    loser = next(r for name, r in results.items() if name not in winners)
    assert "Refused: nothing was booked" in loser["said"] and "is in use" in loser["said"]
    start, end = sched.day_span(sched.now().date().replace(day=24))
    on_disk = sorted(a.id for a in sched.appointments(start, end))
    assert len(on_disk) == 1
    assert all(r["shown"] == on_disk for r in results.values()), results
