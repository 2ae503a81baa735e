"""Partial responses: the ``fields`` query parameter shared by Sheets and Drive.

Syntax (https://developers.google.com/drive/api/guides/fields-parameter and the Sheets
"field masks" guide): comma-separated paths; "a.b" or "a/b" descends; "a(b,c)" selects
several sub-fields; "*" selects everything.  Lists are filtered element by element.
"""

from __future__ import annotations

from typing import Any

Tree = dict[str, "Tree | None"]  # None = keep whole sub-object


class FieldMaskError(ValueError):
    pass


def parse(mask: str, keep_spaces: bool = False) -> Tree | None:
    """Return a selection tree, or None for "select everything". With *keep_spaces*
    (the Sheets API's reading) a space is part of a field name, as Sheets treats it."""
    text = mask if keep_spaces else "".join(mask.split())
    if text.strip() in ("", "*"):
        return None
    tree, pos = _parse_list(text, 0)
    if pos != len(text):
        raise FieldMaskError(mask)
    return tree


def _parse_list(text: str, pos: int) -> tuple[Tree, int]:
    tree: Tree = {}
    while True:
        pos = _parse_path(text, pos, tree)
        if pos < len(text) and text[pos] == ",":
            pos += 1
            continue
        return tree, pos


def _parse_path(text: str, pos: int, tree: Tree) -> int:
    start = pos
    while pos < len(text) and text[pos] not in ",()./":
        pos += 1
    name = text[start:pos]
    if not name:
        raise FieldMaskError(text)
    if pos < len(text) and text[pos] in "./":
        sub = tree.get(name, {}) if name in tree else {}
        if sub is None:  # already whole
            dummy: Tree = {}
            return _parse_path(text, pos + 1, dummy)
        pos = _parse_path(text, pos + 1, sub)
        tree[name] = sub
        return pos
    if pos < len(text) and text[pos] == "(":
        inner, pos = _parse_list(text, pos + 1)
        if pos >= len(text) or text[pos] != ")":
            raise FieldMaskError(text)
        pos += 1
        existing = tree.get(name, {}) if name in tree else {}
        if existing is None:
            return pos
        _merge(existing, inner)
        tree[name] = existing
        return pos
    if name == "*":
        tree["*"] = None
    else:
        tree[name] = None
    return pos


def _merge(into: Tree, other: Tree) -> None:
    for k, v in other.items():
        if k in into and into[k] is not None and v is not None:
            _merge(into[k], v)  # type: ignore[arg-type]
        else:
            into[k] = None if (v is None or into.get(k, 1) is None) else v


def apply(obj: Any, tree: Tree | None) -> Any:
    if tree is None or "*" in tree:
        return obj
    if isinstance(obj, list):
        return [apply(x, tree) for x in obj]
    if not isinstance(obj, dict):
        return obj
    out = {}
    for key, sub in tree.items():
        if key in obj:
            out[key] = apply(obj[key], sub)
    return out


def select(obj: Any, mask: str | None) -> Any:
    if mask is None:
        return obj
    return apply(obj, parse(mask))
