"""Clients from a spreadsheet: `import clients --csv FILE`, all rows or none.

A practice moving from another system exports its clients as CSV (Excel, Google Sheets, LibreOffice).
Each row goes through the same `add_client` as a client typed at the desk, inside one transaction: if any
row cannot be taken, the transaction is dropped and every such row is reported with its reason, so a
corrected file can be imported again from the start. A dry run is the same, always dropped.
"""

from __future__ import annotations

import csv
import re
from dataclasses import replace
from datetime import date

from ..core.errors import BadInput, Refused
from ..core.model import Client
from ..core.record import record
from .context import Area
from .people import new_client

# what a spreadsheet's header may call each column (compared without case, '_' or '-')
COLUMNS = {
    "name": ("name", "client", "client name", "full name"),
    "first": ("first name", "first", "given name"),
    "last": ("last name", "last", "surname", "family name"),
    "phone": ("phone", "phone number", "mobile", "cell", "telephone"),
    "email": ("email", "e mail", "email address"),
    "payer": ("payer", "pays by", "payment"),
    "flags": ("flags", "flag", "contraindications"),
    "dob": ("date of birth", "dob", "birth date", "birthdate", "birthday"),
}
_HEADER = {alias: key for key, aliases in COLUMNS.items() for alias in aliases}
_PAYER = {"": "self-pay", "self": "self-pay", "selfpay": "self-pay", "cash": "self-pay", "hsa": "hsa-fsa",
          "fsa": "hsa-fsa", "fsa-hsa": "hsa-fsa"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@record
class Imported:
    clients: list[Client]  # taken, or on a dry run those that would be
    refused: list[tuple[int, str]]  # (row number as a spreadsheet shows it, why)
    rows: int  # rows with something in them
    dry_run: bool

    @property
    def done(self) -> bool:
        return not self.refused and not self.dry_run


class _Drop(Exception):
    """Leaves the import's transaction without committing it."""


def decode(data: bytes) -> str:
    """CSV text: UTF-8 (with or without Excel's byte-order mark), else Windows-1252 (Excel's own)."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BadInput("the file is not text (neither UTF-8 nor Windows-1252); export it as CSV")


def _key(text: str) -> str:
    return " ".join(re.sub(r"[_-]", " ", text.casefold()).split())


def _columns(header: list[str]) -> list[str]:
    """Each column's field; refuses a file whose columns are not all ones an import takes."""
    out, unknown = [], []
    for cell in header:
        key = _HEADER.get(_key(cell))
        if key is None:
            unknown.append(cell.strip() or "(blank)")
        elif key in out:
            raise BadInput(f"two columns are the client's {key}: keep one")
        out.append(key)
    if unknown:
        raise BadInput(f"column{'s' if len(unknown) > 1 else ''} {', '.join(repr(u) for u in unknown)} "
                       f"{'are' if len(unknown) > 1 else 'is'} not taken (name, phone, email, payer, flags, date of "
                       f"birth; or first name and last name): remove or rename, nothing was imported")
    if "name" not in out and not {"first", "last"} <= set(out):
        raise BadInput("no name column (name, or first name and last name): nothing was imported")
    if "name" in out and ({"first", "last"} & set(out)):
        raise BadInput("both a name column and first/last name columns: keep one, nothing was imported")
    return out


def _birth_date(text: str) -> date | None:
    """YYYY-MM-DD, or MM/DD/YYYY as US spreadsheets write it."""
    text = text.strip()
    if not text:
        return None
    found = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text) or re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    try:
        if found is None:
            raise ValueError
        a, b, c = (int(g) for g in found.groups())
        day = date(a, b, c) if "-" in text else date(c, a, b)
    except ValueError:
        raise BadInput(f"date of birth {text!r} is not a date (YYYY-MM-DD or MM/DD/YYYY)") from None
    if day.year < 1900:
        raise BadInput(f"date of birth {text!r} is before 1900")
    return day


def _client_fields(cells: dict[str, str]) -> dict:
    """A row's cells as add_client's arguments; the spreadsheet's spellings made ours."""
    name = cells.get("name") or f"{cells.get('first', '')} {cells.get('last', '')}"
    payer = _key(cells.get("payer", "")).replace(" ", "-").replace("/", "-")
    flags = [_key(f).replace(" ", "-") for f in re.split(r"[;,|]", cells.get("flags", "")) if f.strip()]
    phone, email = cells.get("phone", "").strip(), cells.get("email", "").strip()
    if phone and not any(ch.isdigit() for ch in phone):
        raise BadInput(f"phone {phone!r} has no digits")
    if email and not _EMAIL.match(email):
        raise BadInput(f"email {email!r} is not an email address")
    out = {"name": name, "payer": _PAYER.get(payer, payer), "flags": flags, "phone": phone, "email": email}
    dob = _birth_date(cells.get("dob", ""))
    if dob is not None:
        out["dob"] = dob
    return out


class Imports(Area):
    def import_clients(self, data: bytes, dry_run: bool = False) -> Imported:
        text = decode(data)
        sample = text.split("\n", 1)[0]
        delimiter = ";" if sample.count(";") > sample.count(",") else ","  # European Excel writes ';'
        reader = csv.reader(text.splitlines(), delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            raise BadInput("the file is empty: nothing was imported") from None
        except csv.Error as exc:
            raise BadInput(f"the file is not CSV ({exc}): nothing was imported") from None
        columns = _columns(header)
        taken: list[Client] = []
        refused: list[tuple[int, str]] = []
        rows = 0
        try:
            with self.ctx.write() as desk:  # one transaction: all rows or none
                names = desk.clients.names()  # id -> name, read once; no record is built
                known = {_key(name): (ident, name) for ident, name in names.items()}
                ids = set(names)
                now = self.now()
                seen: dict[str, int] = {}
                while True:
                    try:
                        cells = next(reader)
                    except StopIteration:
                        break
                    except csv.Error as exc:
                        refused.append((reader.line_num, f"not CSV ({exc})"))
                        break
                    number = reader.line_num
                    if not any(c.strip() for c in cells):
                        continue
                    rows += 1
                    try:
                        if len(cells) > len(columns):
                            raise BadInput(f"{len(cells)} cells, but the header names {len(columns)} columns")
                        args = _client_fields(dict(zip(columns, cells)))
                        name = _key(args["name"])
                        if name in known:
                            ident, called = known[name]
                            raise BadInput(f"there is already a client called {called!r} ({ident})")
                        if name in seen:
                            raise BadInput(f"the same name as row {seen[name]}")
                        client = new_client(desk, now, **args)  # add_client's checks, row by row
                        client = replace(client, id=desk.clients.new_id("c", ids))
                        ids.add(client.id)
                        taken.append(client)
                        seen[name] = number
                    except (BadInput, Refused) as exc:
                        refused.append((number, exc.reason))
                if refused or dry_run or not taken:
                    raise _Drop
                desk.clients.insert_many(taken)
                for client in taken:  # as add_client says it: added, not what they have
                    desk.tx.audit("client-add", id=client.id, payer=client.payer)
                desk.tx.audit("client-import", clients=len(taken))
        except _Drop:
            pass
        return Imported(taken, refused, rows, dry_run)
