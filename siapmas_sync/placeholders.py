"""Values of the shipped production example still to be filled in.

config/siapmas.google.example.toml marks what only the office knows (its e-mail, the
officials' names) with values starting ``ISI_``. Until they are replaced, `doctor` fails
naming each key, and e-mail is not sent (the secretariat would otherwise write to citizens
as "ISI_EMAIL_KANTOR")."""

from __future__ import annotations

from typing import Any

MARK = "ISI_"


def placeholders(data: Any, where: str = "") -> list[str]:
    """The dotted keys of *data* (a settings dump) whose text still holds an ``ISI_`` mark."""
    found: list[str] = []
    if isinstance(data, dict):
        for k, v in data.items():
            found += placeholders(v, f"{where}.{k}" if where else str(k))
    elif isinstance(data, list | tuple):
        for i, v in enumerate(data):
            found += placeholders(v, f"{where}[{i + 1}]")
    elif isinstance(data, str) and MARK in data:
        found.append(where)
    return found


def settings_placeholders(settings: Any) -> list[str]:
    return placeholders(settings.model_dump(mode="json"))
