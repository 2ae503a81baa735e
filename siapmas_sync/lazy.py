"""Packages whose names load on first use: ``__getattr__ = exports(__name__, homes, globals())``.

A package that re-exports names from its modules would otherwise import all of them when
any one is asked for; ``status`` and ``--help`` must not pay for SQLAlchemy, the stage
calendar or phone parsing they never use (README, "Performance")."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def exports(package: str, homes: Mapping[str, str], namespace: dict[str, Any]) -> Callable[[str], Any]:
    """The module ``__getattr__`` of *package*: a name of *homes* (name → module, absolute or
    relative to *package*) is imported from its module when first asked for and kept in
    *namespace* (the package's globals), so it is looked up once."""

    def __getattr__(name: str) -> Any:  # noqa: N807 (the module protocol's name)
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(home, package), name)
        namespace[name] = value
        return value

    return __getattr__
