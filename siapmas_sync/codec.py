"""JSON round-trips of the shared dataclasses, as stored in the ledger.

Kept apart from the ledger so the schema module stays about tables, and so the JSON shape
(used by ``--json`` output too) is defined once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from .core.models import Evidence, Finding, RoutingSuggestion, Submission


def submission_to_dict(s: Submission) -> dict[str, Any]:
    return {
        "key": s.key,
        "content_hash": s.content_hash,
        "received_at": s.received_at.isoformat(),
        "nama": s.nama,
        "telepon": s.telepon,
        "email": s.email,
        "kronologi": s.kronologi,
        "bukti_urls": list(s.bukti_urls),
        "email_pengumpul": s.email_pengumpul,
        "extra": [list(p) for p in s.extra],
        "findings": [finding_to_dict(f) for f in s.findings],
        "source_row": s.source_row,
    }


def submission_from_dict(d: Mapping[str, Any]) -> Submission:
    return Submission(
        key=d["key"],
        content_hash=d["content_hash"],
        received_at=datetime.fromisoformat(d["received_at"]),
        nama=d["nama"],
        telepon=d["telepon"],
        email=d["email"],
        kronologi=d["kronologi"],
        bukti_urls=tuple(d.get("bukti_urls", ())),
        email_pengumpul=d.get("email_pengumpul", ""),
        extra=tuple((str(a), str(b)) for a, b in d.get("extra", ())),
        findings=tuple(finding_from_dict(f) for f in d.get("findings", ())),
        source_row=int(d.get("source_row", 0)),
    )


def finding_to_dict(f: Finding) -> dict[str, str]:
    return {"code": f.code, "message": f.message, "severity": f.severity}


def finding_from_dict(d: dict[str, str]) -> Finding:
    return Finding(d["code"], d["message"], d.get("severity", "kurang"))


def evidence_to_dict(e: Evidence) -> dict[str, Any]:
    return {
        "url": e.url,
        "drive_id": e.drive_id,
        "name": e.name,
        "size": e.size,
        "mime": e.mime,
        "local_path": str(e.local_path) if e.local_path else None,
        "found": e.found,
    }


def evidence_from_dict(d: dict[str, Any]) -> Evidence:
    return Evidence(
        url=d["url"],
        drive_id=d.get("drive_id"),
        name=d.get("name"),
        size=d.get("size"),
        mime=d.get("mime"),
        local_path=Path(d["local_path"]) if d.get("local_path") else None,
        found=bool(d.get("found")),
    )


def routing_to_dict(r: RoutingSuggestion) -> dict[str, Any]:
    return {"tujuan": r.tujuan, "label": r.label, "matched": list(r.matched), "alasan": r.alasan}


def routing_from_dict(d: dict[str, Any]) -> RoutingSuggestion:
    return RoutingSuggestion(d["tujuan"], d["label"], tuple(d.get("matched", ())), d.get("alasan", ""))


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
