"""The root of the project's exception tree, and the classes every layer shares.

Every error meant for an operator derives from :class:`SiapmasError`; a few adapters add a
subclass beside their own code (``failures.FileSystemError``/``CorruptFileError``/
``UnexpectedError``, ``notify.channels.ChannelConfigError``, ``worker.backup.BackupError``,
``rekap.service.RekapError``, ``panduan.GuideError``), so the CLI's handling holds for all. ``str(e)`` is the
message (Indonesian, says what went wrong); ``e.advice`` says what to do about it. The CLI
prints both and maps the class to an exit code; nothing here does I/O.
"""

from __future__ import annotations


class SiapmasError(Exception):
    """Base of all SIAPMAS Sync errors: a message plus advice for the user."""

    def __init__(self, message: str, advice: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.advice = advice

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, advice={self.advice!r})"


class ConfigError(SiapmasError):
    """The configuration (or a table it points to) is missing, unreadable or malformed."""


class HeaderError(SiapmasError):
    """A mapped question title is missing or ambiguous in the response sheet's header row."""


class SourceError(SiapmasError):
    """The responses (sheet, workbook, CSV) cannot be read."""


class BackendAccessError(SiapmasError):
    """A backend (Google Sheets/Drive, local folder) refused or failed access."""


class LedgerError(SiapmasError):
    """The ledger (database) cannot be opened, migrated or written."""


class TransitionError(SiapmasError):
    """A workflow transition that the SOP does not allow was requested."""
