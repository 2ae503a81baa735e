"""click's own words (Usage, Options, errors) in Indonesian.

click marks its texts with the standard library's ``gettext`` (domain of the process), so
the hook is gettext's own: this module binds a domain to the catalogue shipped in
``siapmas_sync/locale/id/LC_MESSAGES/click.mo`` and makes it the process's domain before
the CLI's decorators run. ``SIAPMAS_BAHASA=en`` keeps click's English (for bug reports).

The catalogue's source is ``click.po`` beside it; ``python -m siapmas_sync.clitext`` compiles
it with Babel (a test extra; tests/test_cli_bahasa.py checks the two agree).
"""

from __future__ import annotations

import gettext
import os
from pathlib import Path

DOMAIN = "click"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def install() -> None:
    """Make click speak Indonesian in this process (idempotent)."""
    if os.environ.get("SIAPMAS_BAHASA", "id").lower().startswith("en"):
        return
    # gettext picks the language from these variables; only Indonesian is shipped, so
    # anything else would fall back to English
    os.environ["LANGUAGE"] = "id"
    gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(DOMAIN)


def compile_catalogue() -> Path:
    """click.po → click.mo (developers, after editing the .po)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    folder = LOCALE_DIR / "id" / "LC_MESSAGES"
    with open(folder / f"{DOMAIN}.po", "rb") as f:
        catalog = read_po(f, locale="id")
    out = folder / f"{DOMAIN}.mo"
    with open(out, "wb") as f:
        write_mo(f, catalog)
    return out


if __name__ == "__main__":  # pragma: no cover
    print(compile_catalogue())


# click shows a value's type in upper case ("TEXT") where an option has no metavar of its own
_METAVARS = {"text": "TEKS", "integer": "ANGKA", "float": "ANGKA", "boolean": "YA/TIDAK"}


def indonesian_usage(command: object) -> None:
    """"[OPSI]", "PERINTAH [ARG]..." and Indonesian value names on every command of a group."""
    import click

    if not isinstance(command, click.Command):
        return
    if command.options_metavar == "[OPTIONS]":
        command.options_metavar = "[OPSI]"
    for param in command.params:
        if isinstance(param, click.Option) and param.metavar is None and not param.is_flag:
            param.metavar = _METAVARS.get(param.type.name)
    if isinstance(command, click.Group):
        if command.subcommand_metavar == "COMMAND [ARGS]...":
            command.subcommand_metavar = "PERINTAH [ARG]..."
        for sub in command.commands.values():
            indonesian_usage(sub)
