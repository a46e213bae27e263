"""Superbills: figures from the 8-minute rule and the fees, what is missing, the PDF read back, safe writing."""

from __future__ import annotations

import io
import json
import os
import stat
from decimal import Decimal

import pytest
from pypdf import PdfReader

from tui_scheduler.core import codes
from tui_scheduler.core.errors import BadInput, Refused
from tui_scheduler.documents.superbill import render

from .conftest import small_practice

NPI_MAYA, NPI_DANIEL = "1234567893", "1987654328"  # valid check digits (the first is CMS's own example)


def complete(sched):
    """Everything a payer needs is on file: the practice, both therapists, the client and the prescription."""
    sched.update_practice(address="400 River Rd, Springfield, IL 62701", phone="555-0100", tax_id="12-3456789",
                          fees=["97124=30.00", "97140=35.5"])
    sched.update_staff("Maya", npi=NPI_MAYA, license="LMT 227.012345")
    sched.update_staff("Daniel", npi=NPI_DANIEL, license="LMT 227.054321")
    sched.update_client("Cara", dob="1980-02-29", address="7 Oak Ln, Springfield, IL 62704")
    return sched.add_referral("Cara", 10, "2027-01-15", issued="2026-10-01", prescriber="Dr. Mei Chen",
                              icd10=["m54.50", "M62830"])


def fulfilled(sched, start, minutes=None, therapist="Maya", room="Cedar"):
    appt = sched.book_session("Cara", therapist, room, "swedish", start, 60)
    sched.set_status(appt.id, "fulfilled")
    if minutes:
        sched.record_hands_on(appt.id, minutes)
    return appt.id


@pytest.fixture
def november(tmp_path):
    sched = small_practice(tmp_path / "data")
    ref = complete(sched)
    ids = {
        "plain": fulfilled(sched, "2026-11-02 10:00", {"97124": 50}),                  # 3 units 97124
        "mixed": fulfilled(sched, "2026-11-09 10:00", {"97124": 38, "97140": 15}),     # 53 min: 3 + 1
        "unrecorded": fulfilled(sched, "2026-11-16 10:00"),
        "short": fulfilled(sched, "2026-11-17 10:00", {"97124": 7}),                   # under 8: nothing
        "october": fulfilled(sched, "2026-10-26 10:00", {"97124": 60}),
    }
    visit = sched.book_visit("Cara", "Dr Patel", "Adjusting", "2026-11-10 09:00", 45)
    spot = sched.book_spot(visit.id, "Daniel", "2026-11-10 09:15", region="neck")
    sched.set_status(visit.id, "fulfilled")  # its spot work with it
    sched.record_hands_on(spot.id, {"97140": 13})
    ids["spot"], ids["visit"] = spot.id, visit.id
    missed = sched.book_session("Cara", "Maya", "Cedar", "swedish", "2026-11-18 10:00", 60)
    sched.set_status(missed.id, "no-show")
    return sched, ids, ref


def test_lines_units_fees_and_totals(november):
    sched, ids, ref = november
    bill = sched.superbill("Cara", "2026-11-01", "2026-11-30")
    got = [(x["date"], x["appointment"], x["code"], x["units"], x["fee"], x["amount"], x["provider"])
           for x in bill["lines"]]
    assert got == [
        ("2026-11-02", ids["plain"], "97124", 3, "30.00", "90.00", "Maya"),
        ("2026-11-09", ids["mixed"], "97124", 3, "30.00", "90.00", "Maya"),
        ("2026-11-09", ids["mixed"], "97140", 1, "35.50", "35.50", "Maya"),
        ("2026-11-10", ids["spot"], "97140", 1, "35.50", "35.50", "Daniel"),
    ]
    assert all(x["icd10"] == ["M54.50", "M62.830"] for x in bill["lines"])
    assert bill["lines"][3]["service"] == "Manual therapy, neck" and bill["lines"][3]["kind"] == "spot"
    # manual therapy beside the day's chiropractic adjustment is for another region: modifier 59
    assert [x["modifier"] for x in bill["lines"]] == ["", "", "", "59"]
    assert (bill["total_units"], bill["total"]) == (8, "251.00")
    assert [(n["appointment"], n["reason"]) for n in bill["not_billed"]] == [
        (ids["unrecorded"], "hands-on minutes not recorded"),
        (ids["short"], "under 8 hands-on minutes: no billable unit")]
    assert bill["missing"] == [f"hands-on minutes of {ids['unrecorded']} (listed as not billed)"]
    assert [p["npi"] for p in bill["providers"]] == [NPI_MAYA, NPI_DANIEL]
    assert bill["diagnoses"] == [{"referral": ref.id, "prescriber": "Dr. Mei Chen", "issued": "2026-10-01",
                                  "expires": "2027-01-15", "visits": 10, "icd10": ["M54.50", "M62.830"]}]
    assert (bill["client"]["dob"], bill["practice"]["tax_id"]) == ("1980-02-29", "12-3456789")
    assert bill["paid"] is None and bill["balance"] is None
    paid = sched.superbill("Cara", "2026-11-01", "2026-11-30", paid="200")
    assert (paid["paid"], paid["balance"]) == ("200.00", "51.00")


def test_spot_work_beside_an_adjustment_without_its_region_is_named_as_missing(tmp_path):
    sched = small_practice(tmp_path / "data")
    complete(sched)
    visit = sched.book_visit("Cara", "Dr Patel", "Adjusting", "2026-11-10 09:00", 45)
    spot = sched.book_spot(visit.id, "Daniel", "2026-11-10 09:15")
    sched.set_status(visit.id, "fulfilled")
    sched.record_hands_on(spot.id, {"97140": 13})
    bill = sched.superbill("Cara", "2026-11-01", "2026-11-30")
    assert [(x["code"], x["modifier"]) for x in bill["lines"]] == [("97140", "59")]
    assert any(m.startswith(f"the body region worked in {spot.id}") and "modifier 59" in m for m in bill["missing"])


def test_money_is_exact(tmp_path):
    sched = small_practice(tmp_path / "data")
    complete(sched)
    sched.update_practice(fees=["97124=0.10"])
    assert sched.practice().fees == {"97124": "0.10", "97140": "35.50"}  # one fee changed, the other kept
    for day in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13):  # ten weekdays
        fulfilled(sched, f"2026-11-{day:02d} 10:00", {"97124": 38})  # 3 units each
    bill = sched.superbill("Cara", "2026-11-01", "2026-11-30")
    assert {x["amount"] for x in bill["lines"]} == {"0.30"}
    assert bill["total"] == "3.00"  # ten times 0.30, not 3.0000000000000004


def test_what_is_missing_is_named_and_the_bill_still_made(tmp_path):
    sched = small_practice(tmp_path / "data")
    sched.update_practice(fees=["97124=30"])
    appt = sched.book_session("Ann", "Maya", "Cedar", "swedish", "2026-11-02 10:00", 60)
    sched.set_status(appt.id, "fulfilled")
    sched.record_hands_on(appt.id, {"97124": 30, "97140": 20})
    bill = sched.superbill("Ann", "2026-11-01", "2026-11-30")
    assert bill["missing"] == [
        "the practice's address", "the practice's phone", "the practice's tax id",
        "the NPI of Maya", "the licence of Maya",
        "Ann Self's date of birth", "Ann Self's address",
        "a fee for 97140",
        f"a diagnosis (ICD-10): no referral covers {appt.id}",
    ]
    assert [(x["code"], x["units"], x["amount"]) for x in bill["lines"]] == [("97124", 2, "60.00"),
                                                                          ("97140", 1, None)]
    assert bill["total"] == "60.00" and bill["diagnoses"] == []
    sched.add_referral("Ann", 5, "2027-01-01", issued="2026-10-01", prescriber="Dr. Said")
    bill = sched.superbill("Ann", "2026-11-01", "2026-11-30")
    assert bill["missing"][-1].startswith("ICD-10 codes on referral f-") and "Dr. Said" in bill["missing"][-1]


def test_nothing_to_bill_is_refused_with_the_reason(november, tmp_path):
    sched, ids, _ = november
    out = tmp_path / "none.pdf"
    with pytest.raises(Refused, match="nothing to bill: Cara Ins has no fulfilled session"):
        sched.write_superbill("Cara", "2026-09-01", "2026-09-30", out)
    with pytest.raises(Refused, match="no fulfilled session"):
        sched.superbill("Ann", "2026-11-01", "2026-11-30")
    with pytest.raises(Refused, match="has billable hands-on minutes"):
        sched.superbill("Cara", "2026-11-16", "2026-11-17")  # one unrecorded, one under 8 minutes
    with pytest.raises(BadInput, match="before it starts"):
        sched.superbill("Cara", "2026-11-30", "2026-11-01")
    assert not out.exists()


def pdf_lines(path) -> list[str]:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return [line for page in reader.pages for line in page.extract_text().splitlines()]


def test_the_pdf_reads_back_with_every_line_item(november, tmp_path):
    sched, ids, _ = november
    out = tmp_path / "cara-november.pdf"
    bill = sched.write_superbill("Cara", "2026-11-01", "2026-11-30", out)
    lines = pdf_lines(out)
    text = "\n".join(lines)
    rows = [line for line in lines if line[:4] == "2026" and " $" in line]
    assert len(rows) == len(bill["lines"]) == 4
    for item, row in zip(bill["lines"], rows):
        cpt = f"{item['code']}-{item['modifier']}" if item["modifier"] else item["code"]  # 97140-59 beside an adjustment
        assert row.startswith(f"{item['date']} {cpt} {item['service']} M54.50, M62.830 ")
        assert row.endswith(f" {item['units']} ${item['fee']} ${item['amount']} {item['provider']}"), row
    for needed in ("Test Clinic", "400 River Rd, Springfield, IL 62701", "Phone 555-0100", "Tax ID 12-3456789",
                   "Cara Ins", "Date of birth 1980-02-29", "7 Oak Ln, Springfield, IL 62704",
                   f"NPI {NPI_MAYA}", f"NPI {NPI_DANIEL}", "Licence LMT 227.012345", "M54.50, M62.830",
                   "$251.00", "Services from 2026-11-01 to 2026-11-30", "NOT BILLED",
                   "2026-11-16  Massage session with Maya: hands-on minutes not recorded",
                   "2026-11-17  Massage session with Maya: under 8 hands-on minutes: no billable unit",
                   "Modifier 59: manual therapy"):
        assert needed in text, needed
    assert ids["october"] not in text and "2026-10-26" not in text
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600  # it holds a diagnosis


def test_names_outside_latin_1_survive_with_a_unicode_font_and_degrade_without(november, tmp_path):
    sched, _, _ = november
    sched.update_client("Cara", name="Łucja Dvořák")
    bill = sched.superbill("Łucja", "2026-11-01", "2026-11-30")
    with_font = PdfReader(io.BytesIO(render(bill))).pages[0].extract_text()
    plain = PdfReader(io.BytesIO(render(bill, font=False))).pages[0].extract_text()
    from tui_scheduler.documents.superbill import unicode_font

    if unicode_font():
        assert "Łucja Dvořák" in with_font
    assert "?ucja Dvorák" in plain and "$251.00" in plain


def test_cli_superbill(november, cli, tmp_path):
    sched, ids, _ = november
    out = tmp_path / "bill.pdf"
    run = lambda *a: cli(*a, data_dir=sched.folder.path)  # noqa: E731
    code, stdout, err = run("superbill", "--client", "Cara", "--from", "2026-11-01", "--to", "2026-11-30",
                            "--out", str(out))
    assert code == 0 and stdout.strip() == str(out)
    assert err == f"tui-scheduler: superbill without hands-on minutes of {ids['unrecorded']} (listed as not billed)\n"
    assert out.read_bytes().startswith(b"%PDF-")
    code, stdout, _ = run("superbill", "--client", "Cara", "--from", "2026-11-01", "--to", "2026-11-30", "--json")
    assert code == 0 and json.loads(stdout)["total"] == "251.00"
    code, _, err = run("superbill", "--client", "Cara", "--from", "2026-09-01", "--to", "2026-09-30",
                       "--out", str(tmp_path / "sept.pdf"))
    assert code == 1 and "nothing to bill" in err and not (tmp_path / "sept.pdf").exists()
    code, _, err = run("superbill", "--client", "Cara", "--from", "2026-11-01", "--to", "2026-11-30")
    assert code == 2 and "--out" in err


def test_cli_settings_for_a_bill(tmp_path, cli):
    small_practice(cli.data)
    ok = lambda *a: cli(*a)[0] == 0  # noqa: E731
    assert ok("practice", "set", "--address", "1 Main St", "--tax-id", "12-3456789", "--phone", "555-0100",
              "--fee", "97124=30.00", "--fee", "97140=35")
    practice = json.loads(cli("practice", "show", "--json")[1])
    assert (practice["address"], practice["tax_id"], practice["fees"]) == (
        "1 Main St", "12-3456789", {"97124": "30.00", "97140": "35.00"})
    assert ok("staff", "add", "Rosa", "--role", "therapist", "--modality", "swedish", "--npi", NPI_MAYA,
              "--license", "LMT 1")
    assert ok("staff", "set", "Maya", "--npi", NPI_DANIEL, "--license", "LMT 2")
    staff = {s["name"]: s for s in json.loads(cli("staff", "list", "--json")[1])}
    assert (staff["Rosa"]["npi"], staff["Maya"]["npi"], staff["Maya"]["license"]) == (NPI_MAYA, NPI_DANIEL, "LMT 2")
    assert ok("client", "add", "Eve", "--dob", "1990-05-01", "--address", "2 Elm St")
    assert ok("client", "set", "Ann", "--dob", "1985-01-02", "--address", "3 Ash St", "--phone", "555-0111")
    clients = {c["name"]: c for c in json.loads(cli("client", "list", "--json")[1])}
    assert (clients["Eve"]["dob"], clients["Ann Self"]["address"], clients["Ann Self"]["phone"]) == (
        "1990-05-01", "3 Ash St", "555-0111")
    assert ok("referral", "add", "--client", "Cara", "--visits", "6", "--expires", "2027-01-15", "--icd10",
              "m54.50", "--icd10", "M54.5")
    assert json.loads(cli("referral", "list", "--json")[1])[0]["icd10"] == ["M54.50", "M54.5"]
    for args, says in ((("staff", "set", "Maya", "--npi", "1234567890"), "check digit"),
                       (("practice", "set", "--fee", "97124=30.005"), "two decimals"),
                       (("practice", "set", "--fee", "99999=3"), "unknown code"),
                       (("referral", "add", "--client", "Cara", "--visits", "6", "--expires", "2027-01-15",
                         "--icd10", "54.50"), "not an ICD-10 code"),
                       (("client", "set", "Ann", "--dob", "2030-01-01"), "future")):
        code, _, err = cli(*args)
        assert code == 2 and says in err and err.count("\n") == 1, (args, err)


@pytest.mark.parametrize("text,code", [("M54.50", "M54.50"), ("m5450", "M54.50"), (" S13.4XXA ", "S13.4XXA"),
                                       ("M54", "M54"), ("M54.5", "M54.5")])
def test_icd10_written_form(text, code):
    assert codes.icd10(text) == code


@pytest.mark.parametrize("text", ["", "54.50", "M5", "M54.", "M54.50123", "MM4.50", "M54-50"])
def test_icd10_refuses_what_is_not_one(text):
    with pytest.raises(BadInput):
        codes.icd10(text)


@pytest.mark.parametrize("text,ok", [("1234567893", True), ("1987654328", True), ("1234567890", False),
                                     ("123456789", False), ("12345678931", False), ("abcdefghij", False)])
def test_npi_check_digit(text, ok):
    if ok:
        assert codes.npi(text) == text
    else:
        with pytest.raises(BadInput):
            codes.npi(text)


@pytest.mark.parametrize("text,amount", [("30", "30.00"), ("35.5", "35.50"), ("0", "0.00"), ("99999.99", "99999.99")])
def test_money(text, amount):
    assert codes.money(text) == Decimal(amount) and str(codes.money(text)) == amount


@pytest.mark.parametrize("text", ["-1", "1e3x", "NaN", "Infinity", "30.001", "100000", ""])
def test_money_refuses(text):
    with pytest.raises(BadInput):
        codes.money(text)


# --- writing the PDF only where asked --------------------------------------------------------------

@pytest.fixture
def bill_to(november):
    sched, _, _ = november
    return lambda path: sched.write_superbill("Cara", "2026-11-01", "2026-11-30", path)


def test_an_existing_plain_file_is_replaced(bill_to, tmp_path):
    out = tmp_path / "old.pdf"
    out.write_bytes(b"x" * 1_000_000)
    os.chmod(out, 0o640)
    bill_to(out)
    assert out.read_bytes().startswith(b"%PDF-") and out.stat().st_size < 1_000_000
    assert stat.S_IMODE(out.stat().st_mode) == 0o640  # a file the person made keeps its permissions


def test_a_symlink_is_never_followed(bill_to, tmp_path):
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me")
    link = tmp_path / "bill.pdf"
    link.symlink_to(victim)
    with pytest.raises(Refused, match="symbolic link"):
        bill_to(link)
    assert victim.read_text() == "keep me" and link.is_symlink()
    dangling = tmp_path / "dangling.pdf"
    dangling.symlink_to(tmp_path / "would-be-created.pdf")
    with pytest.raises(Refused):
        bill_to(dangling)
    assert not (tmp_path / "would-be-created.pdf").exists()


def test_a_folder_pipe_or_hard_link_is_not_replaced(bill_to, tmp_path):
    folder = tmp_path / "a-folder.pdf"
    folder.mkdir()
    with pytest.raises(Refused, match="folder"):
        bill_to(folder)
    pipe = tmp_path / "pipe.pdf"
    os.mkfifo(pipe)
    with pytest.raises(Refused, match="not a plain file"):
        bill_to(pipe)  # and it does not hang waiting for a reader
    original = tmp_path / "original.txt"
    original.write_text("mine")
    twin = tmp_path / "twin.pdf"
    os.link(original, twin)
    with pytest.raises(Refused, match="hard links"):
        bill_to(twin)
    assert original.read_text() == "mine"
    with pytest.raises(BadInput, match="no folder"):
        bill_to(tmp_path / "missing" / "bill.pdf")
