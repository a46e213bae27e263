"""The codes a practice types in, checked as typed: ICD-10 diagnoses, NPIs, amounts and fees.

Apart from the superbill (core/superbill.py) so that setting up a referral or a practice does not load it.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from . import billing
from .errors import BadInput

CENT = Decimal("0.01")
FEE_LIMIT = Decimal("100000")

# ICD-10-CM: a letter, a digit, a digit or letter; after the dot up to four more (M54.50, S13.4XXA).
_ICD10 = re.compile(r"^[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?$")


def icd10(text: str) -> str:
    """A diagnosis code in its written form (upper case, with its dot), or BadInput."""
    code = (text or "").strip().upper()
    if "." not in code and len(code) > 3:
        code = f"{code[:3]}.{code[3:]}"
    if not _ICD10.match(code):
        raise BadInput(f"{text!r} is not an ICD-10 code (like M54.50: a letter, two characters, a dot, "
                       f"up to four more)")
    return code


def npi(text: str) -> str:
    """A National Provider Identifier: ten digits whose last is the Luhn check digit over '80840' + the
    first nine (the CMS rule), or BadInput."""
    digits = (text or "").strip().replace(" ", "")
    if not (len(digits) == 10 and digits.isascii() and digits.isdigit()):
        raise BadInput(f"an NPI is ten digits, not {text!r}")
    total = 0
    for i, ch in enumerate(reversed("80840" + digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    if total % 10:
        raise BadInput(f"{digits} is not a valid NPI (its check digit does not match)")
    return digits


def money(text: str) -> Decimal:
    """An amount like 30 or 30.00, exact to the cent, or BadInput."""
    try:
        amount = Decimal((text or "").strip())
    except InvalidOperation:
        raise BadInput(f"not an amount: {text!r} (like 30.00)") from None
    if not amount.is_finite() or amount < 0 or amount >= FEE_LIMIT:
        raise BadInput(f"an amount is 0 to {FEE_LIMIT - CENT}, not {text!r}")
    if amount != amount.quantize(CENT):
        raise BadInput(f"an amount has at most two decimals, not {text!r}")
    return amount.quantize(CENT)


def fee(text: str) -> tuple[str, str]:
    """'97124=30.00' -> ('97124', '30.00')."""
    code, sep, amount = (text or "").partition("=")
    code = code.strip()
    if not sep:
        raise BadInput(f"give a fee as CODE=AMOUNT, like 97124=30.00, not {text!r}")
    if code not in billing.CODES:
        raise BadInput(f"unknown code {code!r} (one of: {', '.join(billing.CODES)})")
    return code, str(money(amount))
