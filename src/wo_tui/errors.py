"""Errors a person can read.

Every refusal the tool makes is one of these, carrying one sentence meant for a
dispatcher or technician. The CLI prints it and exits 1; the app shows it as a
notification. Anything else escaping is a bug.
"""


class WoError(Exception):
    """Base of every error that is shown to a person as one line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class StoreError(WoError):
    """The database could not do what was asked (locked, read-only, full, corrupt)."""


class DatabaseLocked(StoreError):
    pass


class ReadOnlyDatabase(StoreError):
    pass


class DiskFull(StoreError):
    pass


class CorruptDatabase(StoreError):
    pass


class SchemaTooNew(StoreError):
    pass


class Interrupted(StoreError):
    """A read was stopped because its answer is no longer wanted (the next keystroke
    asked another question): nothing to tell anyone."""


class DomainError(WoError):
    """A business rule refused the action."""


class NotFound(DomainError):
    pass


class PermissionDenied(DomainError):
    pass


class InvalidTransition(DomainError):
    pass


class ValidationError(DomainError):
    """Input is wrong; ``problems`` lists every problem so a form can show them all at once."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class StaleEdit(DomainError):
    """Someone else changed the record since it was read; nothing was written."""


class UnknownUser(DomainError):
    pass
