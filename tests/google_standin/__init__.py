"""A faithful local stand-in for Google Sheets v4, Drive v3 and the OAuth 2.0 token
endpoint, served over HTTP on 127.0.0.1 for the real gspread / googleapiclient /
google-auth libraries.  See server.py (the service), clients.py (how to point real
clients at it) and fixtures.py (pytest fixtures).
"""

from .cells import Formula, Stamp
from .faults import Faults
from .server import GoogleStandin, LoggedRequest


def make_service_account_key(standin: GoogleStandin, email: str, project_id: str | None = None) -> dict:
    """Module-level spelling of :meth:`GoogleStandin.make_service_account_key`."""
    return standin.make_service_account_key(email, project_id)


__all__ = ["Faults", "Formula", "GoogleStandin", "LoggedRequest", "Stamp", "make_service_account_key"]
