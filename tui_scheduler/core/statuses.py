"""How an appointment's status may change, and how spot work follows the visit it is inside.

booked -> arrived (checked in) -> fulfilled; or cancelled; or no-show. A spot is part of its visit: the
patient checks in, is seen and leaves once, so the visit's booked spot work goes along with it.
"""

from __future__ import annotations

from .model import Kind, Status

B, A, F, C, N = Status.BOOKED, Status.ARRIVED, Status.FULFILLED, Status.CANCELLED, Status.NO_SHOW

# Status changes a person may make (cancel has its own call); a step back is a slip of the key taken back.
NEXT = {
    B: {A, F, N},
    A: {F, B},
    F: {A},
    N: {B},
}
# Cancelling is open until the client has been seen (or was a no-show); so is moving.
CANCELLABLE = {B, A}
MOVABLE = CANCELLABLE


# The steps forward, which keys and buttons offer; a step back stays possible but is not offered.
FORWARD = {
    B: {A, F, N},
    A: {F},
}


def may_become(was: Status, now: Status) -> bool:
    """Whether keys and buttons offer taking an appointment from `was` to `now`."""
    return was in CANCELLABLE if now == C else now in FORWARD.get(was, ())


def asks_confirmation(kind: str, status: str) -> bool:
    """Whether the client's yes to the time is asked for (and shown): a booked session or visit. Spot work
    is confirmed with the visit it is inside."""
    return status == B and kind != Kind.SPOT


def spot_follows(was: Status, now: Status, spot: Status) -> Status | None:
    """The status a spot takes when its visit goes from `was` to `now`; None when it keeps its own.

    Spots still in the visit's old status follow it; a finished visit (or a cancelled one) takes its
    booked and checked-in spot work along.
    """
    if now in (F, C) and spot in (B, A):
        return now
    if spot == was and now in NEXT.get(was, ()):
        return now
    return None


def spot_blocks(now: Status, spot: Status) -> bool:
    """Whether a spot's own status makes this change of its visit impossible: spot work already done
    cannot be cancelled with its visit, and a client checked in for spot work did show up."""
    return (now == C and spot == F) or (now == N and spot in (A, F))


def spot_alone_refused(now: Status, visit: Status) -> bool:
    """A spot cannot be a no-show inside a visit the client came to."""
    return now == N and visit in (A, F)
