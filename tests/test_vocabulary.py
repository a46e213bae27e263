"""The practice's own words: modalities and flags are its lists, checked through the service."""

from __future__ import annotations

import json

import pytest

from tui_scheduler.core.errors import BadInput, Refused
from tui_scheduler.core.model import FLAGS, MODALITIES


def test_a_practice_starts_with_todays_lists_and_the_common_additions(sched):
    assert sched.modalities() == MODALITIES
    assert {"swedish", "lymph-drainage", "hot-stone", "prenatal", "cupping"} <= set(sched.modalities())
    assert sched.flags()["pregnancy"] == "pregnancy" and sched.flags()["blood-clots"] == FLAGS["blood-clots"]


def test_a_new_modality_can_be_certified_and_booked(sched):
    assert sched.add_modality("Thai Massage") == "thai-massage"
    with pytest.raises(Refused, match="already one of"):
        sched.add_modality("thai massage")
    sched.update_staff("Maya", modalities=["swedish", "thai-massage"])
    assert sched.book_session("Ann", "Maya", "Cedar", "thai-massage", "2026-11-24 10:00", 60).modality == "thai-massage"
    with pytest.raises(BadInput, match="unknown modality 'reiki'"):
        sched.book_session("Ann", "Maya", "Cedar", "reiki", "2026-11-24 12:00", 60)


def test_a_word_in_use_is_not_removed(sched):
    appt = sched.book_session("Ann", "Daniel", "Cedar", "lymph-drainage", "2026-11-24 10:00", 60)
    with pytest.raises(Refused, match=r"the modality lymph-drainage is still in use \(Daniel, appointment"):
        sched.remove_modality("lymph-drainage")
    sched.cancel(appt.id)
    sched.update_staff("Daniel", modalities=["swedish"])
    assert sched.remove_modality("lymph-drainage") == "lymph-drainage"
    assert "lymph-drainage" not in sched.modalities()
    with pytest.raises(Refused, match="the flag osteoporosis is still on 1 client; nothing was removed"):
        sched.remove_flag("osteoporosis")
    sched.add_flag("latex-allergy", "allergic to latex")
    sched.add_client("Lia Tex", "self-pay", ["latex-allergy"])
    assert "allergic to latex" == sched.flags()["latex-allergy"]
    sched.update_client("Lia", flags=[])
    assert sched.remove_flag("latex-allergy") == "latex-allergy"
    with pytest.raises(BadInput, match="unknown flag 'latex-allergy'"):
        sched.add_client("Lia Two", "self-pay", ["latex-allergy"])


def test_a_folder_from_before_keeps_working_with_the_defaults(tmp_path, cli):
    assert cli("init", "--timezone", "America/Chicago")[0] == 0
    practice = cli.data / "practice.json"
    data = json.loads(practice.read_text())
    for record in data["practice"].values():
        for newer in ("modalities", "flags", "late_cancel_hours"):
            record.pop(newer, None)
    practice.write_text(json.dumps(data))
    assert cli("modality", "list")[1].split() == list(MODALITIES)
    assert cli("practice", "show", "--json")[0] == 0


def test_word_commands_and_one_line_refusals(cli):
    assert cli("init", "--timezone", "America/Chicago")[0] == 0
    cli("room", "add", "Cedar", "--kind", "massage")
    code, _, err = cli("modality", "add", "Hot stone")
    assert code == 1 and "hot-stone is already one of" in err  # among the defaults
    assert cli("modality", "add", "gua sha")[1].strip() == "gua-sha"
    code, _, err = cli("staff", "add", "Maya", "--role", "therapist", "--modality", "reiki")
    assert code == 2 and err.count("\n") == 1 and "unknown modality 'reiki' (one of: swedish," in err
    assert cli("staff", "add", "Maya", "--role", "therapist", "--modality", "gua-sha")[0] == 0
    code, _, err = cli("client", "add", "Ann", "--flag", "vertigo")
    assert code == 2 and err.count("\n") == 1 and "unknown flag 'vertigo'" in err
    assert cli("flag", "add", "vertigo", "--meaning", "dizzy when lying down")[0] == 0
    assert cli("client", "add", "Ann", "--flag", "vertigo")[0] == 0
    assert "vertigo            dizzy when lying down" in cli("flag", "list")[1]
    code, _, err = cli("flag", "remove", "vertigo")
    assert code == 1 and "still on 1 client" in err
    code, _, err = cli("modality", "remove", "gua-sha")
    assert code == 1 and "still in use (Maya)" in err
    code, _, err = cli("book", "session", "--client", "Ann", "--therapist", "Maya", "--room", "Cedar",
                       "--modality", "Nonsense", "--start", "2026-11-24 10:00", "--minutes", "60")
    assert code == 2 and "unknown modality 'Nonsense'" in err
    code, _, err = cli("modality", "add", "no/slashes")
    assert code == 2 and "letters, digits and hyphens" in err
