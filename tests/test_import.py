"""import clients --csv FILE: every row or none, each refused row with its reason, a dry run that changes
nothing; run through the real command."""

from __future__ import annotations

import json
from datetime import date

import pytest

from .conftest import small_practice


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    small_practice(folder)
    return folder


def clients(cli, data) -> list[dict]:
    code, out, err = cli("client", "list", "--json", data_dir=data)
    assert code == 0, err
    return json.loads(out)


def audit(data) -> str:
    return (data / "audit.jsonl").read_text()


GOOD = (
    "Name,Phone,E-mail,Payer,Flags,Date of birth\n"
    'Amelia Hart,555-0101,amelia@example.com,Insurance,"osteoporosis; Blood thinners",\n'
    "Bo Li,(555) 0102,,HSA,,\n"
    ",,,,,\n"
    '"Hudson, Jr., Liam",,liam@example.com,self pay,implanted device,\n'
)


def test_a_good_file_is_taken_whole(cli, data, tmp_path):
    csv = tmp_path / "clients.csv"
    csv.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())  # Excel's byte-order mark
    before = len(clients(cli, data))
    code, out, err = cli("import", "clients", "--csv", str(csv), data_dir=data)
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "imported 3 clients"
    added = {c["name"]: c for c in clients(cli, data)}
    assert len(added) == before + 3
    amelia = added["Amelia Hart"]
    assert (amelia["payer"], amelia["phone"], amelia["email"]) == ("insurance", "555-0101", "amelia@example.com")
    assert amelia["flags"] == ["osteoporosis", "blood-thinners"]
    assert added["Bo Li"]["payer"] == "hsa-fsa" and added["Bo Li"]["phone"] == "(555) 0102"
    assert added["Hudson, Jr., Liam"]["flags"] == ["implanted-device"]
    assert audit(data).count('"client-add"') == 4 + 3 and '"client-import"' in audit(data)
    assert "555-0101" not in audit(data) and "osteoporosis" not in audit(data).split('"client-import"')[1]
    # the same file again: every row is already a client, so none is taken
    code, out, err = cli("import", "clients", "--csv", str(csv), data_dir=data)
    assert code == 1 and "already a client called 'Amelia Hart'" in err
    assert len(clients(cli, data)) == before + 3


def test_first_and_last_name_columns_and_semicolons(cli, data, tmp_path):
    csv = tmp_path / "europe.csv"
    csv.write_bytes("First name;Last name;Phone\nJosé;Müller;+49 30 1234\n".encode("cp1252"))
    code, out, err = cli("import", "clients", "--csv", str(csv), data_dir=data)
    assert code == 0, err
    assert any(c["name"] == "José Müller" and c["phone"] == "+49 30 1234" for c in clients(cli, data))


def test_any_bad_row_takes_none_and_each_is_reported(cli, data, tmp_path):
    csv = tmp_path / "mixed.csv"
    csv.write_text(
        "name,phone,email,payer,flags\n"
        "Good One,555-0001,,self-pay,\n"                 # row 2: fine
        "Cy,n/a,,,\n"                                     # row 3
        "Di,,not-an-email,,\n"                            # row 4
        "Ed,,,barter,\n"                                  # row 5
        "Fay,,,,diabetes\n"                               # row 6
        "Good One,,,,\n"                                  # row 7: the same name as row 2
        "Ann Self,,,,\n"                                  # row 8: already a client
        ",555-0009,,,\n"                                  # row 9: no name
        "Gus,,,,,extra\n"                                 # row 10: more cells than columns
        f"{'x' * 300},,,,\n"                              # row 11: a name no person has
    )
    before, trail = clients(cli, data), audit(data)
    code, out, err = cli("import", "clients", "--csv", str(csv), data_dir=data)
    assert code == 1 and out == ""
    lines = err.splitlines()
    reasons = {int(line.split(":")[0].removeprefix("row ")): line for line in lines[:-1]}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert "no digits" in reasons[3] and "not an email" in reasons[4] and "barter" in reasons[5]
    assert "diabetes" in reasons[6] and "row 2" in reasons[7] and "already a client" in reasons[8]
    assert "needs a name" in reasons[9] and "6 cells" in reasons[10] and "200" in reasons[11]
    assert lines[-1] == "tui-scheduler: 9 of 10 rows could not be taken; nothing was imported"
    assert clients(cli, data) == before and audit(data) == trail  # not even the good row


def test_dry_run_changes_nothing(cli, data, tmp_path):
    csv = tmp_path / "clients.csv"
    csv.write_text(GOOD)
    before, trail = clients(cli, data), audit(data)
    code, out, err = cli("import", "clients", "--csv", str(csv), "--dry-run", data_dir=data)
    assert (code, err) == (0, "")
    assert "would add Amelia Hart (insurance; osteoporosis, blood-thinners)" in out
    assert out.splitlines()[-1] == "dry run: would import 3 clients"
    assert clients(cli, data) == before and audit(data) == trail
    csv.write_text("name,payer\nZed,nope\n")
    code, out, err = cli("import", "clients", "--csv", str(csv), "--dry-run", data_dir=data)
    assert code == 1 and "row 2: unknown payer 'nope'" in err


def test_files_that_are_not_a_client_list_are_refused(cli, data, tmp_path):
    csv = tmp_path / "x.csv"
    for text, says in (("name,notes\nAmy,secret\n", "'notes' is not taken"),
                       ("phone\n555\n", "no name column"),
                       ("name,Name\nAmy,Amy\n", "two columns"),
                       ("", "empty")):
        csv.write_text(text)
        code, out, err = cli("import", "clients", "--csv", str(csv), data_dir=data)
        assert code == 2 and says in err and err.count("\n") == 1, (text, err)
    code, _, err = cli("import", "clients", "--csv", str(tmp_path / "missing.csv"), data_dir=data)
    assert code == 2 and "cannot read" in err
    # a device never ends, and a file of many megabytes is not a client list: one line each, at once
    code, _, err = cli("import", "clients", "--csv", "/dev/zero", data_dir=data)
    assert code == 2 and "not a plain file" in err and err.count("\n") == 1, err
    with csv.open("wb") as f:
        f.write(b"name\n")
        f.truncate(21 * 2**20)
    code, _, err = cli("import", "clients", "--csv", str(csv), data_dir=data)
    assert code == 2 and "too big for a list of clients" in err and err.count("\n") == 1, err
    assert len(clients(cli, data)) == 4


def test_date_of_birth_column(cli, data, tmp_path):
    csv = tmp_path / "dob.csv"
    csv.write_text("name,date of birth\nOld Timer,04/02/1980\nNew Comer,1991-12-31\nBad Date,1990-02-30\n")
    code, out, err = cli("import", "clients", "--csv", str(csv), data_dir=data)
    assert code == 1 and "row 4: date of birth '1990-02-30' is not a date" in err
    csv.write_text("name,date of birth\nOld Timer,04/02/1980\nNew Comer,1991-12-31\n")
    code, out, err = cli("import", "clients", "--csv", str(csv), data_dir=data)
    assert code == 0, err
    stored = {c["name"]: c.get("dob") for c in clients(cli, data)}
    assert stored["Old Timer"] == date(1980, 4, 2).isoformat()
    assert stored["New Comer"] == date(1991, 12, 31).isoformat()
