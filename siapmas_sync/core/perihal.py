"""The perihal documents print: the officials' perihal as set, or — while it is still
the automatic summary cut with "…" — the whole first sentence of the chronology (never a
cut sentence on a sheet, a letter or the kartu kendali's *Isi Ringkas*, which continues in
its Catatan when two lines do not hold it). Pure."""

from __future__ import annotations

import re

from ..logs import mask_text

__all__ = ["full_perihal"]


def full_perihal(perihal: str, kronologi: str) -> str:
    """The perihal for a letter, never a cut sentence: the officials' perihal as set, or,
    when it is still the automatic summary cut with "…", the whole first sentence."""
    if not perihal.endswith("…"):
        return perihal
    text = mask_text(" ".join(kronologi.split()))
    m = re.search(r"(?<=[.!?])\s", text)
    return (text[: m.start()] if m else text).rstrip(".") or perihal
