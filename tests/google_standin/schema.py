"""Published constraints the stand-in enforces beyond routing: the ``fields`` masks checked
against the resource schemas of Google's own discovery documents (the copies bundled with
google-api-python-client), and the Sheets size limits.

Each constant cites where Google publishes it; tests/google_standin/README.md has the
table "constraint -> source -> how the stand-in enforces it".
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from . import fieldmask

#: "Files you can store in Google Drive" (support.google.com/drive/answer/37603):
#: up to 10 million cells per spreadsheet (raised from 5 million in March 2022).
MAX_CELLS = 10_000_000
#: 50,000 characters per cell (same page; Google's 400 quoted in public threads).
MAX_CELL_CHARS = 50_000
CELL_CHARS_MESSAGE = f"Your input contains more than the maximum of {MAX_CELL_CHARS} characters in a single cell."
#: "Request payload size exceeds the limit: 10485760 bytes." (Sheets; Google's limits
#: page recommends staying under 2 MB per request).
MAX_PAYLOAD = 10_485_760

#: route -> (discovery document, response schema) for the ``fields`` check
RESPONSE_SCHEMAS = {
    "sheets.get": ("sheets.v4", "Spreadsheet"),
    "sheets.create": ("sheets.v4", "Spreadsheet"),
    "sheets.batchUpdate": ("sheets.v4", "BatchUpdateSpreadsheetResponse"),
    "sheets.values.get": ("sheets.v4", "ValueRange"),
    "sheets.values.batchGet": ("sheets.v4", "BatchGetValuesResponse"),
    "sheets.values.update": ("sheets.v4", "UpdateValuesResponse"),
    "sheets.values.append": ("sheets.v4", "AppendValuesResponse"),
    "sheets.values.batchUpdate": ("sheets.v4", "BatchUpdateValuesResponse"),
    "sheets.values.clear": ("sheets.v4", "ClearValuesResponse"),
    "sheets.values.batchClear": ("sheets.v4", "BatchClearValuesResponse"),
    "drive.files.list": ("drive.v3", "FileList"),
    "drive.files.get": ("drive.v3", "File"),
    "drive.about.get": ("drive.v3", "About"),
    "drive.files.create": ("drive.v3", "File"),
    "drive.files.update": ("drive.v3", "File"),
    "drive.files.upload": ("drive.v3", "File"),
    "drive.permissions.list": ("drive.v3", "PermissionList"),
    "drive.permissions.create": ("drive.v3", "Permission"),
}


@functools.lru_cache(maxsize=None)
def discovery(name: str) -> dict[str, Any] | None:
    """Google's discovery document as shipped with google-api-python-client (None if absent)."""
    try:
        ref = resources.files("googleapiclient.discovery_cache") / "documents" / f"{name}.json"
        return json.loads(ref.read_text(encoding="utf-8"))
    except (ModuleNotFoundError, FileNotFoundError, OSError, ValueError):
        return None


def _resolve(node: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    while True:
        if "$ref" in node:
            node = schemas.get(node["$ref"], {})
        elif node.get("type") == "array" and "items" in node:
            node = node["items"]
        else:
            return node


def _walk(tree: fieldmask.Tree, node: dict[str, Any], schemas: dict[str, Any], prefix: str) -> str | None:
    props = node.get("properties", {})
    for key, sub in tree.items():
        if key == "*":
            continue
        if key in props:
            child = props[key]
        elif "additionalProperties" in node:  # a map: any key
            child = node["additionalProperties"]
        else:
            return prefix + key
        if sub is None:
            continue
        bad = _walk(sub, _resolve(child, schemas), schemas, prefix + key + ".")
        if bad is not None:
            return bad
    return None


def unknown_field(route: str, mask: str) -> str | None:
    """The first path of *mask* that names no field of the route's response, else None.

    Sheets (ESF) reads the mask literally: "properties, sheets" asks for a field named
    " sheets" (public threads: "Cannot find matching fields for path ' sheets.properties'");
    Drive tolerates the spaces its own samples put after commas."""
    where = RESPONSE_SCHEMAS.get(route)
    if where is None:
        return None
    doc = discovery(where[0])
    if doc is None:
        return None
    schemas = doc["schemas"]
    tree = fieldmask.parse(mask, keep_spaces=route.startswith("sheets."))
    if tree is None:
        return None
    return _walk(tree, schemas[where[1]], schemas, "")


def total_cells(ss: dict[str, Any]) -> int:
    total = 0
    for sh in ss["sheets"]:
        gp = sh["properties"]["gridProperties"]
        total += gp["rowCount"] * gp["columnCount"]
    return total


def cells_over_limit_message() -> str:
    return f"This action would increase the number of cells in the workbook above the limit of {MAX_CELLS} cells."
