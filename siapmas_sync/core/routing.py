"""Suggesting the receiving AKD (Komisi I–IV, Badan Kehormatan) from a report's text.

Owns the routing table (TOML, see ``config/routing.toml``; the same file ships as package
data ``siapmas_sync/defaults/routing.toml``) and :func:`suggest_routing`. The result is a
*suggestion* printed on the disposition sheet — officials decide.

Matching rules:

* text and keywords are NFKC-normalised and casefolded;
* a keyword matches a whole word or phrase: it must not be preceded or followed by a
  letter/digit, so "desa" does not match "desak" and "umk" does not match "umkm"; the
  words of a phrase may be separated by any spaces or hyphens ("galian  c", "galian-c");
* the Indonesian enclitics "-nya", "-ku", "-mu" are allowed after a keyword
  ("pupuknya", "jalan rusaknya");
* a tujuan marked ``prioritas = true`` (Badan Kehormatan by default: a member's conduct)
  wins as soon as one of its keywords matches, whatever the other tujuan score ("oknum
  anggota dewan meminta fee proyek" is an ethics matter, not a Komisi III project);
* otherwise score of a tujuan = number of *distinct* keywords found; the unique highest
  score wins; a tie between several tujuan, or no match at all, falls back to the table's
  fallback (Pimpinan/Bamus) with an Indonesian ``alasan``.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from siapmas_sync.errors import ConfigError
from siapmas_sync.core.models import RoutingSuggestion

__all__ = [
    "RoutingEntry",
    "RoutingTable",
    "load_routing_table",
    "parse_routing_table",
    "default_routing_table",
    "suggest_routing",
]

_ADVICE = (
    "Perbaiki berkas tabel rute (lihat contoh config/routing.toml): setiap [[tujuan]] "
    "berisi kode, label dan kata_kunci (daftar teks); fallback berisi tujuan dan label."
)


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _compile(keyword: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in re.split(r"[\s\-]+", keyword) if w]
    body = r"[\s\-]+".join(words)
    return re.compile(rf"(?<![^\W_]){body}(?:nya|ku|mu)?(?![^\W_])")


@dataclass(frozen=True)
class RoutingEntry:
    """One receiving AKD and the keywords that point to it."""

    kode: str
    label: str
    kata_kunci: tuple[str, ...]
    prioritas: bool = False  # one match wins over any score of the others
    _patterns: tuple[re.Pattern[str], ...] = field(default=(), repr=False, compare=False)
    _probes: tuple[str, ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        words = tuple(dict.fromkeys(_norm(k) for k in self.kata_kunci if k.strip()))
        object.__setattr__(self, "kata_kunci", words)
        object.__setattr__(self, "_patterns", tuple(_compile(k) for k in words))
        # the keyword's first word must occur literally: a substring test rules most
        # keywords out before the (slower) word-boundary pattern runs
        object.__setattr__(self, "_probes", tuple((re.split(r"[\s\-]+", k) + [""])[0] for k in words))

    def matches(self, normalised_text: str) -> tuple[str, ...]:
        return tuple(
            k for k, probe, p in zip(self.kata_kunci, self._probes, self._patterns)
            if probe in normalised_text and p.search(normalised_text)
        )


@dataclass(frozen=True)
class RoutingTable:
    """The configured tujuan in order, plus the fallback for no match or a tie."""

    tujuan: tuple[RoutingEntry, ...]
    fallback_tujuan: str = "Pimpinan/Bamus"
    fallback_label: str = "Pimpinan DPRD / Badan Musyawarah"


def _fail(source: str, key: str, problem: str) -> ConfigError:
    return ConfigError(f"Tabel rute {source}: kunci '{key}' {problem}.", _ADVICE)


def _text(value: Any, source: str, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(source, key, "harus berupa teks yang tidak kosong")
    return value.strip()


def parse_routing_table(data: dict[str, Any], source: str = "<routing>") -> RoutingTable:
    """Build a RoutingTable from parsed TOML data; ConfigError names the file and key."""
    unknown = set(data) - {"fallback", "tujuan"}
    if unknown:
        raise _fail(source, sorted(unknown)[0], "tidak dikenal (yang dikenal: fallback, tujuan)")
    fallback = data.get("fallback")
    if not isinstance(fallback, dict):
        raise _fail(source, "fallback", "harus berupa tabel { tujuan = \"…\", label = \"…\" }")
    for extra in set(fallback) - {"tujuan", "label"}:
        raise _fail(source, f"fallback.{extra}", "tidak dikenal")
    fb_tujuan = _text(fallback.get("tujuan"), source, "fallback.tujuan")
    fb_label = _text(fallback.get("label", fb_tujuan), source, "fallback.label")

    items = data.get("tujuan")
    if not isinstance(items, list) or not items:
        raise _fail(source, "tujuan", "harus berupa daftar [[tujuan]] yang tidak kosong")
    entries: list[RoutingEntry] = []
    seen: set[str] = set()
    for i, item in enumerate(items, start=1):
        where = f"tujuan[{i}]"
        if not isinstance(item, dict):
            raise _fail(source, where, "harus berupa tabel [[tujuan]]")
        for extra in set(item) - {"kode", "label", "kata_kunci", "prioritas"}:
            raise _fail(source, f"{where}.{extra}", "tidak dikenal")
        kode = _text(item.get("kode"), source, f"{where}.kode")
        if kode.casefold() in seen:
            raise _fail(source, f"{where}.kode", f"'{kode}' sudah dipakai tujuan lain")
        seen.add(kode.casefold())
        label = _text(item.get("label", kode), source, f"{where}.label")
        words = item.get("kata_kunci")
        if not isinstance(words, list) or not words:
            raise _fail(source, f"{where}.kata_kunci", "harus berupa daftar teks yang tidak kosong")
        keywords: dict[str, None] = {}
        for j, word in enumerate(words, start=1):
            keywords.setdefault(_norm(_text(word, source, f"{where}.kata_kunci[{j}]")), None)
        prioritas = item.get("prioritas", False)
        if not isinstance(prioritas, bool):
            raise _fail(source, f"{where}.prioritas", "harus true atau false")
        entries.append(RoutingEntry(kode, label, tuple(keywords), prioritas))
    return RoutingTable(tuple(entries), fb_tujuan, fb_label)


def load_routing_table(path: Path) -> RoutingTable:
    """Read a routing table TOML file; ConfigError naming the file (and key) on problems."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"Tabel rute {path} tidak dapat dibaca: {exc.strerror or exc}.",
            "Periksa jalur berkas tabel rute di konfigurasi, atau hapus pengaturannya "
            "untuk memakai tabel bawaan.",
        ) from exc
    return _parse_bytes(raw, str(path))


def _parse_bytes(raw: bytes, source: str) -> RoutingTable:
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"Tabel rute {source} bukan teks UTF-8.", _ADVICE) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Tabel rute {source} bukan TOML yang sah: {exc}.", _ADVICE) from exc
    return parse_routing_table(data, source)


def default_routing_table() -> RoutingTable:
    """The routing table shipped with the package (``siapmas_sync/defaults/routing.toml``)."""
    res = resources.files("siapmas_sync").joinpath("defaults", "routing.toml")
    return _parse_bytes(res.read_bytes(), "siapmas_sync/defaults/routing.toml")


def suggest_routing(text: str, table: RoutingTable) -> RoutingSuggestion:
    """Suggest the receiving AKD for ``text`` (see module docstring for the rules)."""
    normalised = _norm(text or "")
    scored = [(entry, entry.matches(normalised)) for entry in table.tujuan]
    first = [(entry, m) for entry, m in scored if entry.prioritas and m]
    if first:  # a member's conduct: the priority tujuan decide among themselves
        scored = first
    best = max((len(m) for _, m in scored), default=0)
    if best == 0:
        return RoutingSuggestion(
            table.fallback_tujuan, table.fallback_label, (), "Tidak ada kata kunci yang cocok"
        )
    top = [(entry, m) for entry, m in scored if len(m) == best]
    if len(top) == 1:
        entry, matched = top[0]
        return RoutingSuggestion(entry.kode, entry.label, matched, "")
    matched_all: dict[str, None] = {}
    for _, m in top:
        matched_all.update(dict.fromkeys(m))
    names = ", ".join(entry.kode for entry, _ in top)
    return RoutingSuggestion(
        table.fallback_tujuan,
        table.fallback_label,
        tuple(matched_all),
        f"Cocok dengan beberapa komisi: {names}",
    )
