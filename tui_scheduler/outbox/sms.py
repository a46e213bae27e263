"""Text messages through the practice's own command (a gateway's CLI, a script calling its API).

The command is split like a shell would split it, but run without a shell: {phone} and {text} are filled
into the arguments that name them, so whatever a client's name or the text holds stays one argument and
is never read as a command. The command's exit status decides: 0 sent, anything else not delivered.
"""

from __future__ import annotations

import re
import shlex
import subprocess

from ..core.errors import BadInput
from . import NotDelivered, Text, WayClosed, scrub

TIMEOUT = 60
_FIELD = re.compile(r"\{(phone|text)\}")


def check_command(command: str) -> str:
    """The command as given, if it can be split and names both {phone} and {text}."""
    command = (command or "").strip()
    if not command:
        return ""
    if "\n" in command or "\r" in command:
        raise BadInput("the SMS command is one line")
    try:
        parts = shlex.split(command)
    except ValueError as exc:
        raise BadInput(f"the SMS command cannot be split into arguments ({exc})") from None
    missing = [f for f in ("{phone}", "{text}") if not any(f in p for p in parts)]
    if missing:
        raise BadInput(f"the SMS command must name {' and '.join(missing)}, e.g. "
                       f"\"send-sms --to {{phone}} --message {{text}}\"")
    return command


def arguments(command: str, phone: str, text: str) -> list[str]:
    values = {"phone": phone, "text": text}
    return [_FIELD.sub(lambda m: values[m.group(1)], part) for part in shlex.split(command)]


class Sms:
    def __init__(self, command: str):
        self.command = command

    def send(self, message: Text) -> None:
        if not self.command:
            raise WayClosed("no SMS command is set up (practice set --sms-command)")
        argv = arguments(self.command, message.phone, message.text)
        try:
            done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT)
        except FileNotFoundError:
            raise WayClosed(f"the SMS command {argv[0]!r} was not found") from None
        except PermissionError:
            raise WayClosed(f"the SMS command {argv[0]!r} cannot be run (permission denied)") from None
        except subprocess.TimeoutExpired:  # a gateway that hangs would hold every later message as long
            raise WayClosed(f"the SMS command did not finish within {TIMEOUT} s") from None
        if done.returncode != 0:
            said = done.stderr.decode(errors="replace").strip().splitlines()
            why = scrub(said[0], message.phone, message.text) if said else ""
            raise NotDelivered(f"the SMS command exited with status {done.returncode}" + (f": {why}" if why else ""))
