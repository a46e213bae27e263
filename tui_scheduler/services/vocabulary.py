"""The practice's own words: the modalities its therapists practise and the flags that make a booking a
deliberate decision. Each practice starts from core.model's lists and adds its own; a word still in use
cannot be removed (existing records must stay valid)."""

from __future__ import annotations

import re
from dataclasses import replace

from ..core import clock
from ..core.errors import BadInput, Refused
from .context import Area
from .desk import Desk, clean_line

_WORD = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def _word(text: str, what: str) -> str:
    """'Hot stone' -> 'hot-stone': lower case, words joined by hyphens, as the lists spell them."""
    word = "-".join((text or "").strip().lower().replace("_", " ").replace("-", " ").split())
    if not _WORD.match(word):
        raise BadInput(f"a {what} is a short name of letters, digits and hyphens (like hot-stone), not {text!r}")
    return word


def _modality_users(desk: Desk, word: str) -> list[str]:
    """Who still needs a modality: therapists certified in it, bookings still to come, waiting clients."""
    users = [s.name for s in desk.staff.all() if word in s.modalities]
    this_month = clock.month_key(desk.tx.now, desk.tz)
    users += [f"appointment {a.id}" for a in desk.book.in_months([m for m in desk.tx.folder.months() if m >= this_month])
              if a.modality == word and a.holds_time and a.end > desk.tx.now]
    users += [f"waitlist entry {w.id}" for w in desk.waitlist.all() if w.modality == word]
    return users


def _in_use(what: str, word: str, users: list[str]) -> Refused:
    more = f" and {len(users) - 3} more" if len(users) > 3 else ""
    return Refused(f"the {what} {word} is still in use ({', '.join(users[:3])}{more}); nothing was removed")


class Vocabulary(Area):
    def modalities(self) -> tuple[str, ...]:
        with self.ctx.read() as desk:
            return desk.practice.modalities

    def flags(self) -> dict[str, str]:
        """Each flag's name and what it means ("blood-clots": "blood clots in the legs (DVT)")."""
        with self.ctx.read() as desk:
            return dict(desk.practice.flags)

    def add_modality(self, name: str) -> str:
        word = _word(name, "modality")
        with self.ctx.write() as desk:
            if word in desk.practice.modalities:
                raise Refused(f"{word} is already one of the practice's modalities")
            desk.save_practice(replace(desk.practice, modalities=(*desk.practice.modalities, word)))
            desk.tx.audit("modality-add", name=word)
        return word

    def remove_modality(self, name: str) -> str:
        word = _word(name, "modality")
        with self.ctx.write() as desk:
            if word not in desk.practice.modalities:
                raise Refused(f"{word} is not one of the practice's modalities")
            users = _modality_users(desk, word)
            if users:
                raise _in_use("modality", word, users)
            desk.save_practice(replace(desk.practice, modalities=tuple(m for m in desk.practice.modalities if m != word)))
            desk.tx.audit("modality-remove", name=word)
        return word

    def add_flag(self, name: str, meaning: str = "") -> str:
        word = _word(name, "flag")
        meaning = clean_line(meaning, "what a flag means", 120) or word.replace("-", " ")
        with self.ctx.write() as desk:
            if word in desk.practice.flags:
                raise Refused(f"{word} is already one of the practice's flags")
            desk.save_practice(replace(desk.practice, flags={**desk.practice.flags, word: meaning}))
            desk.tx.audit("flag-add", name=word)
        return word

    def remove_flag(self, name: str) -> str:
        word = _word(name, "flag")
        with self.ctx.write() as desk:
            if word not in desk.practice.flags:
                raise Refused(f"{word} is not one of the practice's flags")
            holders = [c.id for c in desk.clients.all() if word in c.flags]
            if holders:
                raise Refused(f"the flag {word} is still on {len(holders)} client"
                              f"{'s' if len(holders) != 1 else ''}; nothing was removed")
            desk.save_practice(replace(desk.practice, flags={k: v for k, v in desk.practice.flags.items() if k != word}))
            desk.tx.audit("flag-remove", name=word)
        return word
