"""pytest fixtures for the Google stand-in.

tests/conftest.py registers this module as a plugin (``pytest_plugins``), so a test module
just names them as parameters; a module that defines its own ``standin`` overrides this one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from . import clients
from .server import GoogleStandin

SA_EMAIL = "siapmas-sync@siapmas-test.iam.gserviceaccount.com"


@pytest.fixture
def standin() -> Iterator[GoogleStandin]:
    """A running stand-in, fresh for each test."""
    with GoogleStandin() as g:
        yield g


@pytest.fixture
def sa_key(standin: GoogleStandin) -> dict[str, Any]:
    """A service-account key (dict shaped like Google's JSON) registered with the stand-in."""
    return standin.make_service_account_key(SA_EMAIL)


@pytest.fixture
def gc(standin: GoogleStandin, sa_key: dict[str, Any]) -> Any:
    """A real gspread.Client talking to the stand-in (5 s timeout)."""
    return clients.gspread_client(sa_key, standin.url, timeout=5)


@pytest.fixture
def drive(standin: GoogleStandin, sa_key: dict[str, Any]) -> Any:
    """A real googleapiclient Drive v3 service talking to the stand-in (5 s timeout)."""
    return clients.drive_service(sa_key, standin.url, timeout=5)
