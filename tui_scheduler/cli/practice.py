"""`init`, `practice show|set`, `check`, `demo`: the practice itself and its data folder."""

from __future__ import annotations

import os

from ..paths import demo_folder
from ..core.reminders import TLS_MODES
from ..services import Scheduler
from .common import group, print_json

# `practice set` option -> the reminders service's setting it changes
SENDING = ("smtp_host", "smtp_port", "smtp_from", "smtp_user", "smtp_password_file", "smtp_tls", "remind_hours",
           "sms_command")


def add_commands(sub, groups: dict) -> None:
    s = sub.add_parser("init", help="set up a new practice in the data folder")
    s.add_argument("--timezone", required=True, help="IANA zone, e.g. America/Chicago")
    s.add_argument("--name", default="")
    s.add_argument("--hours", action="append", default=[], help='opening hours, e.g. "mon-fri 08:00-18:00"')
    s.set_defaults(handler=init)

    practice = group(sub, "practice", "the practice's settings")
    s = practice.add_parser("show")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=show)
    s = practice.add_parser("set")
    s.add_argument("--name")
    s.add_argument("--hours", action="append", default=[])
    s.add_argument("--turnover", type=int, metavar="MIN")
    s.add_argument("--checkin-lead", type=int, metavar="MIN")
    s.add_argument("--no-shows-use-visits", choices=["yes", "no"],
                   help="whether a no-show uses up one of a referral's visits")
    s.add_argument("--phone", help="the number clients call to confirm or cancel")
    s.add_argument("--address", metavar="TEXT", help="the practice's address, for superbills")
    s.add_argument("--tax-id", metavar="TEXT", help="the practice's tax id (EIN), for superbills")
    s.add_argument("--fee", action="append", default=[], metavar="CODE=AMOUNT",
                   help="fee per unit of a CPT code, e.g. 97124=30.00 (repeatable)")
    s.add_argument("--late-cancel-hours", type=int, metavar="N",
                   help="a client's cancellation within N hours of the start is a late cancel (default 24)")
    s.add_argument("--smtp-host", metavar="H", help="the mail server reminders go through")
    s.add_argument("--smtp-port", type=int, metavar="P", help="its port (default: 587, 465 with ssl, 25 with none)")
    s.add_argument("--smtp-from", metavar="ADDRESS", help="the address reminders come from")
    s.add_argument("--smtp-user", metavar="U", help="the login name, if the server wants one")
    s.add_argument("--smtp-password-file", metavar="F",
                   help="a file holding the password (read when sending; never copied)")
    s.add_argument("--smtp-tls", choices=TLS_MODES, help="starttls (default), ssl, or none")
    s.add_argument("--remind-hours", type=int, metavar="N", help="how far ahead a reminder goes out (default 24)")
    s.add_argument("--sms-command", metavar="CMD",
                   help='run for a text message, without a shell: "send-sms --to {phone} --message {text}"')
    s.set_defaults(handler=update)
    groups["practice"] = practice

    s = sub.add_parser("check", help="check the data folder's integrity")
    s.add_argument("--rebuild-index", action="store_true",
                   help="first write the client visit index and the client names index afresh")
    s.set_defaults(handler=check)
    s = sub.add_parser("demo", help="fill the data folder with a demo practice")
    s.add_argument("--timezone", default="America/Chicago")
    s.add_argument("--fresh", action="store_true", help="replace the demo practice in the data folder (or, "
                   f"without --data, the one --demo opens: {demo_folder()}) with a new one")
    s.set_defaults(handler=demo)


def init(args, sched: Scheduler) -> int:
    practice = sched.init(args.timezone, args.name, args.hours)
    print(f"{practice.name}: {practice.timezone}, open {practice.hours.describe()}")
    return 0


def update(args, sched: Scheduler) -> int:
    uses = None if args.no_shows_use_visits is None else args.no_shows_use_visits == "yes"
    sending = {key: getattr(args, key) for key in SENDING if getattr(args, key) is not None}
    own = dict(name=args.name, hours=args.hours, turnover_minutes=args.turnover, checkin_lead_minutes=args.checkin_lead,
               no_show_uses_visit=uses, phone=args.phone, late_cancel_hours=args.late_cancel_hours,
               address=args.address, tax_id=args.tax_id, fees=args.fee)
    with sched.batch():
        if any(v not in (None, []) for v in own.values()) or not sending:
            sched.update_practice(**own)
        if sending:
            sched.set_sending(**sending)
    return _print(sched.practice(), sched.sending(), False)


def show(args, sched: Scheduler) -> int:
    return _print(sched.practice(), sched.sending(), args.json)


def _print(practice, sending, as_json: bool) -> int:
    if as_json:
        print_json({**practice.to_dict(), "sending": sending.to_dict()})
        return 0
    print(f"{practice.name} · {practice.timezone} · open {practice.hours.describe()}")
    print(f"turnover {practice.turnover_minutes} min · check-in {practice.checkin_lead_minutes} min before · "
          f"no-shows {'use' if practice.no_show_uses_visit else 'do not use'} a referral visit")
    if practice.phone:
        print(f"phone {practice.phone}")
    if practice.address or practice.tax_id:
        print(" · ".join(x for x in (practice.address, practice.tax_id and f"tax id {practice.tax_id}") if x))
    if practice.fees:
        print("fees per unit: " + ", ".join(f"{code} {amount}" for code, amount in sorted(practice.fees.items())))
    print(f"a client's cancellation within {practice.late_cancel_hours} hours of the start is a late cancel")
    if sending.mail_ready:
        login = f", login {sending.smtp_user}" if sending.smtp_user else ""
        secret = f" (password in {sending.smtp_password_file})" if sending.smtp_password_file else ""
        print(f"mail through {sending.smtp_host}:{sending.port} ({sending.smtp_tls}) from {sending.smtp_from}"
              f"{login}{secret}")
    if sending.sms_command:
        print(f"text messages through: {sending.sms_command}")
    if sending.mail_ready or sending.sms_command:
        print(f"reminders go out {sending.remind_hours} hours ahead")
    else:
        print("reminders are not set up (practice set --smtp-host H --smtp-from ADDRESS, or --sms-command)")
    return 0


def check(args, sched: Scheduler) -> int:
    if args.rebuild_index:
        sched.rebuild_visit_index()
    problems, summary = sched.check_folder()
    for p in problems:
        print(f"problem: {p}")
    print(summary)
    return 1 if problems else 0


def demo(args, sched: Scheduler) -> int:
    from ..demo import build_demo

    explicit = args.data or os.environ.get("TUI_SCHEDULER_DATA")
    folder = sched.folder.path if explicit or not args.fresh else demo_folder()
    build_demo(folder, args.timezone, fresh=args.fresh, clock=sched.clock)
    print(f"demo practice written to {folder}")
    return 0
