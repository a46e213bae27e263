"""Every way a request can fail, each carrying a one-line reason for a person and an exit code."""


class SchedulerError(Exception):
    exit_code = 2

    @property
    def reason(self) -> str:
        return str(self)


class BadInput(SchedulerError):
    """The request could not be understood (a typo, a malformed date): nothing was written."""

    exit_code = 2


class Refused(SchedulerError):
    """A rule said no. `problems` lists every rule that failed; the message joins them on one line."""

    exit_code = 1

    def __init__(self, problems):
        if isinstance(problems, str):
            from .rules import Problem

            problems = [Problem("refused", problems)]
        self.problems = list(problems)
        super().__init__("; ".join(p.message for p in self.problems))


class NeedsOverride(Refused):
    """Only soft rules failed: the booking goes through when the caller gives an override reason."""


class DataFolderError(SchedulerError):
    """The data folder cannot be used safely (damaged file, no permission, disk full): nothing was written."""

    exit_code = 3


class CalendarServerError(SchedulerError):
    """The calendar server could not be reached, refused the login, or answered with an error: nothing
    here was lost, and the next sync takes up where this one stopped."""

    exit_code = 4
class StrandsBookings(Refused):
    """Time off or a closure over booked appointments: taken only when the caller says so, since those
    clients must be moved. `appointments` are the ones it would strand."""

    def __init__(self, message: str, appointments):
        super().__init__(message)
        self.appointments = list(appointments)
