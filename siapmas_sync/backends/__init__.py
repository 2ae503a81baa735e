"""Backends: where responses come from, where status goes, where evidence lives.

Each backend implements :class:`siapmas_sync.backends.base.Backend`; the engine only talks
to that protocol, and the contract tests run the same suite against every backend.
"""

from __future__ import annotations

from ..config import Settings
from .base import Backend, Snapshot


def open_backend(settings: Settings) -> Backend:
    """The backend named by ``[source] backend``."""
    if settings.source.backend == "google":
        from .google import GoogleBackend

        return GoogleBackend.from_settings(settings)
    from .local import LocalBackend

    return LocalBackend.from_settings(settings)


__all__ = ["Backend", "Snapshot", "open_backend"]
