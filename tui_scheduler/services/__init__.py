"""The one service layer: every use case of the practice, one area per module.

The TUI, the CLI, the feed server and the tests all come through `Scheduler`; none of them decides a
rule itself. Each area is a small class over the same data folder; `Scheduler` hands them out
(`scheduler.booking.move(...)`) and answers each area's calls by name too (`scheduler.move(...)`).
"""

from __future__ import annotations

from datetime import datetime
from importlib import import_module
from pathlib import Path
from typing import Callable, ContextManager

from .context import Context

# attribute -> (module, class, its public calls): the names a newcomer looks for ("where do bookings
# live?"). An area's module is imported when the area is first used: the calendar's first frame needs
# five of them, and importing all of them was a fifth of the app's start-up. tests/test_services.py
# checks the calls against the classes, and that no call is in two areas.
AREAS = {
    "setup": ("practice", "PracticeSetup", "init is_set_up practice rebuild_visit_index update_practice"),
    "people": ("people", "People", "add_client add_referral add_room add_staff client clients names referrals "
                                   "rooms staff update_client update_room update_staff"),
    "words": ("vocabulary", "Vocabulary", "add_flag add_modality flags modalities remove_flag remove_modality"),
    "time_off": ("time_off", "TimeAway", "add_time_off hit_by_time_off remove_time_off time_off_hits "
                                         "time_off_list"),
    "closing": ("closures", "Closing", "add_closure closed_days closure_hits closures hit_by_closures "
                                       "remove_closure"),
    "booking": ("booking", "Booking", "appointments book_session book_spot book_visit cancel day_span describe "
                                      "draft get move problems_for_move problems_for_session problems_for_spot "
                                      "problems_for_visit reinstate set_status spot_openings staff_for_slot"),
    "confirmations": ("confirmations", "Confirmations", "call_list confirm"),
    "reminders": ("reminders", "Reminders", "keep_sending outbox send_reminders sending set_sending"),
    "attendance_records": ("attendance", "AttendanceRecords", "attendance client_attendance"),
    "treatment": ("treatment", "Treatment", "book_series cancel_rest_of_series describe_slots find_slots "
                                           "plan_series referral_note referral_note_for referral_standings"),
    "waiting": ("waitlist", "Waitlist", "add_to_waitlist book_from_waitlist remove_from_waitlist waitlist "
                                        "waitlist_matches"),
    "day": ("day", "DaySheet", "day_sheet"),
    "billing": ("billing", "Billing", "record_hands_on"),
    "records": ("records", "ClinicalRecord", "client_history client_notes note_of note_refusal write_note"),
    "clearance": ("clearances", "Clearances", "add_clearance clearance_note clearances flag_clearances "
                                              "remove_clearance"),
    "superbills": ("superbills", "Superbills", "superbill write_superbill"),
    "feeds": ("feeds", "Feeds", "describe_feed every_feed feed_content feed_today find_feed list_feeds "
                                "new_feed revoke_feed write_export"),
    "integrity": ("check", "Integrity", "check_folder"),
    "trail": ("audit", "AuditTrail", "audit_log history"),
    "backups": ("backup", "Backups", "restore_backup take_backup"),
    "imports": ("imports", "Imports", "import_clients"),
    "sync": ("sync", "Sync", "caldav_account set_caldav sync_caldav"),
}

# call -> the area that answers it
ROUTES = {call: attr for attr, (_, _, calls) in AREAS.items() for call in calls.split()}


def area_class(attr: str) -> type:
    module, cls, _ = AREAS[attr]
    return getattr(import_module(f"{__name__}.{module}"), cls)


class Scheduler:
    """`clock` returns now (UTC); tests and demos pass a fixed one. `user` is who the audit log names
    (the OS user by default)."""

    def __init__(self, data_dir: str | Path, clock: Callable[[], datetime] | None = None,
                 user: str | None = None, lock_timeout: float = 15.0):
        self.ctx = Context(data_dir, clock, user, lock_timeout)

    def __getattr__(self, name: str):
        # only for what is not set yet: an area on its first use (one instance each), or a call by name
        if name in AREAS:
            area = area_class(name)(self.ctx, self)
            setattr(self, name, area)
            return area
        attr = ROUTES.get(name)
        if attr is None:
            raise AttributeError(f"the service has no {name!r}")
        return getattr(getattr(self, attr), name)

    def __dir__(self):
        return [*super().__dir__(), *AREAS, *ROUTES]

    @property
    def folder(self):
        return self.ctx.folder

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.ctx.clock

    @property
    def user(self) -> str | None:
        return self.ctx.user

    def now(self) -> datetime:
        return self.ctx.now()

    def revision(self) -> int:
        return self.ctx.folder.revision()

    def batch(self) -> ContextManager[None]:
        return self.ctx.batch()

    def view(self) -> ContextManager[None]:
        return self.ctx.view()
