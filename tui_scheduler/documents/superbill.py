"""The superbill as a one-client PDF statement (fpdf2), laid out from the same data `--json` prints.

Text is real PDF text (searchable, extractable by an insurer's intake software). A Unicode font found
on the machine (DejaVu Sans) carries every name as typed; without one, the PDF's built-in Helvetica is
used and characters outside Latin-1 are shown as their nearest plain letter or '?'.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

# Where Linux distributions and macOS keep DejaVu Sans (regular, bold).
_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF",
              "/usr/share/fonts/dejavu-sans-fonts", "/usr/local/share/fonts", "/Library/Fonts")
_FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")

KINDS = {"session": "Massage session", "spot": "Spot work"}
ROLES = {"therapist": "Massage therapist", "chiropractor": "Chiropractor",
         "physical-therapist": "Physical therapist"}
# Column widths in mm on a Letter page with 15 mm margins (185.9 mm): date, CPT, service, diagnosis,
# units, fee per unit, amount, provider.
COLUMNS = (20, 18, 43, 25, 13, 18, 20, 28.9)


def unicode_font() -> tuple[Path, Path] | None:
    for folder in _FONT_DIRS:
        regular, bold = (Path(folder) / name for name in _FONT_FILES)
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


class _Sheet(FPDF):
    def __init__(self, font: tuple[Path, Path] | None):
        super().__init__(orientation="P", unit="mm", format="letter")
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=18)
        if font:
            self.add_font("body", "", str(font[0]))
            self.add_font("body", "B", str(font[1]))
            self.face, self.plain_font = "body", False
        else:
            self.face, self.plain_font = "helvetica", True

    def t(self, text) -> str:
        """Text the chosen font can show."""
        text = "" if text is None else str(text)
        if not self.plain_font:
            return text
        return "".join(ch if ord(ch) < 256 else
                       (unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1") or "?")
                       for ch in text)

    def use_font(self, size: float, bold: bool = False) -> None:
        self.set_font(self.face, "B" if bold else "", size)

    def line_of(self, text: str, size: float = 9.5, bold: bool = False, h: float = 4.8) -> None:
        self.use_font(size, bold)
        self.multi_cell(0, h, self.t(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, text: str) -> None:
        self.ln(2.5)
        self.use_font(8.5, True)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, self.t(text.upper()), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        y = self.get_y()
        self.set_draw_color(170, 170, 170)
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.ln(1.2)

    def footer(self) -> None:
        self.set_y(-13)
        self.use_font(7.5)
        self.set_text_color(110, 110, 110)
        self.cell(0, 4, self.t(f"Page {self.page_no()}/{{nb}}"), align="R")
        self.set_text_color(0, 0, 0)


def render(data: dict, font: tuple[Path, Path] | None | bool = True) -> bytes:
    """The PDF of a superbill (`font=False` forces the built-in Helvetica)."""
    pdf = _Sheet(unicode_font() if font is True else (font or None))
    practice, client = data["practice"], data["client"]
    pdf.set_title(pdf.t(f"Superbill {client['name']} {data['period']['from']} to {data['period']['to']}"))
    pdf.set_creator("tui-scheduler")
    pdf.add_page()

    top = pdf.get_y()
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    pdf.line_of(practice["name"], 15, True, 7)
    for part in _lines(practice["address"]):
        pdf.line_of(part)
    if practice["phone"]:
        pdf.line_of(f"Phone {practice['phone']}")
    if practice["tax_id"]:
        pdf.line_of(f"Tax ID {practice['tax_id']}")
    bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + half, top)
    pdf.use_font(17, True)
    pdf.cell(half, 8, "SUPERBILL", align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.use_font(9)
    for text in ("Itemized statement for insurance, HSA or FSA",
                 f"Statement date {data['statement_date']}",
                 f"Services from {data['period']['from']} to {data['period']['to']}"):
        pdf.set_x(pdf.l_margin + half)
        pdf.cell(half, 4.8, pdf.t(text), align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_y(max(bottom, pdf.get_y()))

    pdf.heading("Patient")
    pdf.line_of(client["name"], 10.5, True, 5.5)
    if client["dob"]:
        pdf.line_of(f"Date of birth {client['dob']}")
    for part in _lines(client["address"]):
        pdf.line_of(part)

    pdf.heading("Provider" if len(data["providers"]) == 1 else "Providers")
    for p in data["providers"]:
        ids = " · ".join(x for x in (p["license"] and f"Licence {p['license']}", p["npi"] and f"NPI {p['npi']}") if x)
        pdf.line_of(f"{p['name']}, {ROLES.get(p['role'], p['role'])}" + (f" · {ids}" if ids else ""))

    pdf.heading("Diagnosis (ICD-10)")
    if not data["diagnoses"]:
        pdf.line_of("No prescription covers these services.")
    for d in data["diagnoses"]:
        codes = ", ".join(d["icd10"]) or "no code on the prescription"
        by = f" from {d['prescriber']}" if d["prescriber"] else ""
        pdf.line_of(f"{codes} · prescription{by}, issued {d['issued']}, {d['visits']} visits until {d['expires']}")

    pdf.heading("Services")
    _services(pdf, data)

    if data["not_billed"]:
        pdf.heading("Not billed")
        for n in data["not_billed"]:
            pdf.line_of(f"{n['date']}  {KINDS.get(n['kind'], n['kind'])} with {n['provider']}: {n['reason']}", 9)

    pdf.ln(3)
    pdf.use_font(7.8)
    pdf.set_text_color(80, 80, 80)
    distinct = " Modifier 59: manual therapy to another body region than the same day's chiropractic " \
               "adjustment." if any(line.get("modifier") for line in data["lines"]) else ""
    pdf.multi_cell(0, 3.8, pdf.t(
        "Units are 15-minute units of direct one-on-one time, counted by the CMS 8-minute rule from the minutes "
        "recorded after each session. Diagnosis codes are those of the prescription each visit was given under."
        + distinct), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(9)
    pdf.use_font(9)
    pdf.cell(110, 5, "Provider signature  ______________________________________")
    pdf.cell(0, 5, "Date  ________________", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def _services(pdf: _Sheet, data: dict) -> None:
    pdf.use_font(8.5)
    pdf.set_draw_color(190, 190, 190)
    with pdf.table(col_widths=COLUMNS, text_align=("LEFT", "LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT"),
                   line_height=4.6, padding=1.2, borders_layout="HORIZONTAL_LINES") as table:
        table.row(["Date", "CPT", "Service", "Diagnosis", "Units", "Fee/unit", "Amount", "Provider"])
        for line in data["lines"]:
            cpt = f"{line['code']}-{line['modifier']}" if line.get("modifier") else line["code"]
            table.row([line["date"], cpt, pdf.t(line["service"]), ", ".join(line["icd10"]) or "-",
                       str(line["units"]), _money(line["fee"]), _money(line["amount"]), pdf.t(line["provider"])])
    pdf.ln(1.5)
    pdf.use_font(10, True)
    width = sum(COLUMNS[:4])
    pdf.cell(width, 6, "Total")
    pdf.cell(COLUMNS[4], 6, str(data["total_units"]), align="R")
    pdf.cell(COLUMNS[5], 6, "")
    pdf.cell(COLUMNS[6], 6, _money(data["total"]), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.use_font(9.5)
    for label, key in (("Amount paid", "paid"), ("Balance due", "balance")):
        if data.get(key) is not None:
            pdf.cell(sum(COLUMNS[:6]), 5.5, label)
            pdf.cell(COLUMNS[6], 5.5, _money(data[key]), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if any(line["fee"] is None for line in data["lines"]):
        pdf.line_of("Lines without a fee are not in the total.", 8)


def _money(amount: str | None) -> str:
    return f"${Decimal(amount):,.2f}" if amount is not None else "-"


def _lines(text: str) -> list[str]:
    """An address typed on one line with commas or on several lines, as printed lines."""
    return [part.strip() for part in (text or "").replace(";", "\n").splitlines() if part.strip()]
