"""Move ``siapmas_sync``'s flat modules into packages that show the architecture (issue #23).

Run once, from the repository root, on a clean work tree::

    python scripts/relayout.py            # moves (git mv), writes __init__.py, rewrites references
    python scripts/relayout.py --dry-run  # says what it would move, changes nothing

What it does, in order:

1. For each row of :data:`MOVES` (OLD dotted name → NEW dotted name; a row may name a whole
   package, whose files — known or not — all move with it) it checks the work tree: OLD
   present and NEW absent → to move; OLD absent and NEW present → done already; both
   absent → gone (another branch moved or removed it), skipped; both present → refused.
   When nothing is left to move it says so and stops: a second run changes nothing.
2. Every reference is rewritten, in ``siapmas_sync/``, ``tests/``, ``benchmarks/``,
   ``scripts/``, ``docs/``, ``deploy/``, ``.ci/``, ``pyproject.toml``, ``README.md`` and
   ``Makefile``:
   * relative imports (``from .x import``, ``from ..x import``, ``from . import x``) of every
     module, moved or not, resolved against its OLD place: kept when they still resolve to the
     same thing from its NEW place, else rewritten relative to the NEW place (resolved
     against the OLD one first, so a module the table does not know keeps working);
   * ``from siapmas_sync[.pkg] import module`` of a moved module (split when its names go to
     different packages);
   * every other dotted name ``siapmas_sync.x.y…`` (imports, ``-m``, monkeypatch targets,
     docstring references), by the longest moved prefix;
   * file paths ``siapmas_sync/x/y.py`` and, in prose and docstrings, a moved module's path
     relative to the package (``notify/doctor_checks.py``);
   * ``Path(__file__).resolve().parent…`` in a moved file, by the change of its depth.
   Modules the table does not know stay where they are (only their references change).
3. ``git mv`` of each file, and a package ``__init__.py`` with a one-line docstring for each
   new package (:data:`PACKAGES`).

It prints every move, every new package and, per file, how many references it changed.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = "siapmas_sync"

#: OLD → NEW, dotted. A row whose OLD is a package moves the whole folder.
MOVES: list[tuple[str, str]] = [
    # core: the SOP's rules and the agenda's data — pure (no database, no network, no clock)
    ("siapmas_sync.models", "siapmas_sync.core.models"),
    ("siapmas_sync.workflow", "siapmas_sync.core.workflow"),
    ("siapmas_sync.intake", "siapmas_sync.core.intake"),
    ("siapmas_sync.routing", "siapmas_sync.core.routing"),
    ("siapmas_sync.sheetplan", "siapmas_sync.core.sheetplan"),
    ("siapmas_sync.kendali", "siapmas_sync.core.kendali_sheet"),
    ("siapmas_sync.kerahasiaan", "siapmas_sync.core.kerahasiaan"),
    ("siapmas_sync.recorded", "siapmas_sync.core.recorded"),
    ("siapmas_sync.rerender", "siapmas_sync.core.rerender"),
    ("siapmas_sync.perihal", "siapmas_sync.core.perihal"),
    ("siapmas_sync.unitext", "siapmas_sync.core.unitext"),
    ("siapmas_sync.imagebudget", "siapmas_sync.core.imagebudget"),
    # numbering: the agenda number — its template, giving it, guarding it
    ("siapmas_sync.numbering", "siapmas_sync.numbering.template"),
    ("siapmas_sync.register", "siapmas_sync.numbering.assign"),
    ("siapmas_sync.numberguard", "siapmas_sync.numbering.guard"),
    # cycle: one sync cycle and the operators' steps, orchestrated over the ledger
    ("siapmas_sync.engine", "siapmas_sync.cycle.engine"),
    ("siapmas_sync.cycleread", "siapmas_sync.cycle.read"),
    ("siapmas_sync.tailread", "siapmas_sync.cycle.tailread"),
    ("siapmas_sync.writeback", "siapmas_sync.cycle.writeback"),
    ("siapmas_sync.steps", "siapmas_sync.cycle.steps"),
    ("siapmas_sync.idle", "siapmas_sync.cycle.idle"),
    ("siapmas_sync.optional", "siapmas_sync.cycle.optional"),
    ("siapmas_sync.rendering", "siapmas_sync.cycle.rendering"),
    ("siapmas_sync.kelengkapan", "siapmas_sync.cycle.kelengkapan"),
    ("siapmas_sync.tambahan", "siapmas_sync.cycle.tambahan"),
    ("siapmas_sync.kode_pelapor", "siapmas_sync.cycle.kode_pelapor"),
    ("siapmas_sync.surat_keluar", "siapmas_sync.cycle.surat_keluar"),
    ("siapmas_sync.uploads", "siapmas_sync.cycle.uploads"),
    ("siapmas_sync.print_history", "siapmas_sync.cycle.print_history"),
    ("siapmas_sync.binding", "siapmas_sync.cycle.binding"),
    ("siapmas_sync.disposisi_record", "siapmas_sync.cycle.disposisi"),
    ("siapmas_sync.documents_check", "siapmas_sync.cycle.missing_documents"),
    # adapters: the flat modules that belong to an adapter package
    ("siapmas_sync.register_guard", "siapmas_sync.backends.workbook_guard"),
    ("siapmas_sync.login", "siapmas_sync.backends.google_login"),
    ("siapmas_sync.export", "siapmas_sync.documents.buku_agenda"),
    ("siapmas_sync.lampiran", "siapmas_sync.documents.lampiran"),
    ("siapmas_sync.docx_render", "siapmas_sync.worddocs.render"),
    # doctor: every check `siapmas-sync doctor` runs
    ("siapmas_sync.doctor", "siapmas_sync.doctor.checkup"),
    ("siapmas_sync.diagnose", "siapmas_sync.doctor.diagnose"),
    ("siapmas_sync.preflight", "siapmas_sync.doctor.preflight"),
    ("siapmas_sync.pejabat_check", "siapmas_sync.doctor.pejabat"),
    ("siapmas_sync.drive_roles", "siapmas_sync.doctor.drive_roles"),
    ("siapmas_sync.pgserver", "siapmas_sync.doctor.pgserver"),
    ("siapmas_sync.notify.doctor_checks", "siapmas_sync.doctor.notify"),
    ("siapmas_sync.tenants.doctor", "siapmas_sync.doctor.tenants"),
    # worker: keeping one worker running and its ledger safe
    ("siapmas_sync.scheduling", "siapmas_sync.worker.scheduling"),
    ("siapmas_sync.worker_lock", "siapmas_sync.worker.lock"),
    ("siapmas_sync.backup", "siapmas_sync.worker.backup"),
    ("siapmas_sync.recover", "siapmas_sync.worker.recover"),
]

#: new packages and the one line their __init__.py says
PACKAGES: dict[str, str] = {
    "siapmas_sync.core": "The core: the SOP's rules and the agenda's data, pure — no database, no network, no clock.",
    "siapmas_sync.numbering": "The agenda number: its template, its gapless assignment to new responses, and the "
                              "guard that compares the sheet with the ledger first.",
    "siapmas_sync.cycle": "One sync cycle and the operators' steps: read, decide, record, render, write back — "
                          "orchestrated over the ledger and a backend.",
    "siapmas_sync.doctor": "``siapmas-sync doctor``: every check it runs, and the set-up warnings a cycle repeats.",
    "siapmas_sync.worker": "Keeping one worker running and its ledger safe: the ``run`` clock, one worker per "
                           "ledger, backups, restore and ``recover``.",
}

#: where references are rewritten
SCOPES = ["siapmas_sync", "tests", "benchmarks", "scripts", "docs", "deploy", ".ci",
          "pyproject.toml", "README.md", "Makefile"]
SKIP_DIRS = {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", "node_modules"}
TEXT_SUFFIXES = {".py", ".md", ".toml", ".txt", ".cfg", ".ini", ".yml", ".yaml", ".po", ".sh", ".rst", ""}
PROSE_SUFFIXES = {".py", ".md", ".rst", ".txt"}
LONG_LINE = 120


def sh(*args: str) -> None:
    subprocess.run(args, cwd=ROOT, check=True)


def path_of(dotted: str) -> tuple[Path, Path]:
    """(module file, package folder) a dotted name would live at."""
    rel = Path(*dotted.split("."))
    return ROOT / rel.with_suffix(".py"), ROOT / rel


def exists(dotted: str) -> Path | None:
    mod, pkg = path_of(dotted)
    if mod.is_file():
        return mod
    if (pkg / "__init__.py").is_file():
        return pkg
    return None


def module_names() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for path in sorted((ROOT / PKG).rglob("*.py")):
        if SKIP_DIRS & set(path.parts):
            continue
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


class Mapper:
    def __init__(self, moves: dict[str, str]) -> None:
        self.moves = moves
        self.keys = sorted(moves, key=len, reverse=True)

    def new(self, dotted: str) -> str:
        """The new name of a dotted name, by its longest moved prefix."""
        for old in self.keys:
            if dotted == old or dotted.startswith(old + "."):
                return self.moves[old] + dotted[len(old):]
        return dotted

    def moved(self, dotted: str) -> bool:
        return self.new(dotted) != dotted


def depth(dotted: str, is_pkg: bool) -> int:
    return len(dotted.split(".")) - (0 if is_pkg else 1)


def resolve(module: str, is_pkg: bool, level: int, name: str | None) -> str:
    anchor = module.split(".") if is_pkg else module.split(".")[:-1]
    anchor = anchor[: len(anchor) - (level - 1)]
    return ".".join(anchor + ([name] if name else []))


def relative(module: str, is_pkg: bool, target: str) -> str:
    """``target`` as a relative import written in ``module`` (the project's own style)."""
    anchor = module.split(".") if is_pkg else module.split(".")[:-1]
    parts = target.split(".")
    common = 0
    while common < min(len(anchor), len(parts)) and anchor[common] == parts[common]:
        common += 1
    return "." * (len(anchor) - common + 1) + ".".join(parts[common:])


def render_from(base: str, names: list[str], indent: str) -> str:
    line = f"from {base} import {', '.join(names)}"
    if len(indent) + len(line) <= 110:
        return line
    inner = "".join(f"{indent}    {n},\n" for n in names)
    return f"from {base} import (\n{inner}{indent})"


def alias_text(name: str, asname: str | None) -> str:
    return f"{name} as {asname}" if asname and asname != name else name


class FileRewriter:
    """All edits of one text file: import statements by ast, the rest by regex."""

    DOTTED = re.compile(r"(?<![\w.])siapmas_sync(?:\.[A-Za-z_]\w*)+")
    SLASHED = re.compile(r"(?<![\w/.-])siapmas_sync/((?:[A-Za-z_]\w*/)*[A-Za-z_]\w*)(\.py\b|/)?")
    FILEPATH = re.compile(r"Path\(__file__\)(\.resolve\(\))?((?:\.parent)+)")

    def __init__(self, mapper: Mapper, known: dict[str, Path], prose: dict[str, str]) -> None:
        self.m = mapper
        self.known = known
        self.prose = prose
        if prose:
            alts = "|".join(re.escape(k) for k in sorted(prose, key=len, reverse=True))
            self.PROSE = re.compile(rf"(?<![\w/.-])({alts})(?![\w/])")

    # --- imports (Python files) -------------------------------------------------------
    def import_edits(self, text: str, module: str | None, is_pkg: bool) -> list[tuple[int, int, str]]:
        try:
            tree = ast.parse(text)
        except SyntaxError:
            return []
        lines = text.splitlines(keepends=True)
        starts = [0]
        for ln in lines:
            starts.append(starts[-1] + len(ln))

        def offset(lineno: int, col: int) -> int:
            line = lines[lineno - 1]
            return starts[lineno - 1] + len(line.encode("utf-8")[:col].decode("utf-8", "replace"))

        edits = []
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                if module is None:
                    continue
                base = resolve(module, is_pkg, node.level, node.module)
            elif node.module and (node.module == PKG or node.module.startswith(PKG + ".")):
                base = node.module
            else:
                continue
            new_module = self.m.new(module) if module else None
            # what each name is: (from-part, name, alias) after the move
            parts: list[tuple[str, str, str | None]] = []
            for a in node.names:
                sub = f"{base}.{a.name}"
                if a.name != "*" and sub in self.known:
                    target = self.m.new(sub)
                    parent, _, leaf = target.rpartition(".")
                    parts.append((parent, leaf, a.asname or (a.name if leaf != a.name else None)))
                else:
                    parts.append((self.m.new(base), a.name, a.asname))
            if node.level:
                again = resolve(new_module, is_pkg, node.level, node.module)
                if all(p == again and (n == a.name) for (p, n, _), a in zip(parts, node.names)):
                    continue  # the relative import still means the same from the new place
            elif not any(self.m.moved(f"{base}.{a.name}") and f"{base}.{a.name}" in self.known
                         for a in node.names):
                continue  # only the module part may change: the regex pass does it
            start = offset(node.lineno, node.col_offset)
            end = offset(node.end_lineno, node.end_col_offset)
            line_start = starts[node.lineno - 1]
            indent = text[line_start:start]
            if indent.strip():
                indent = ""
                sep = "; "
            else:
                sep = "\n" + indent
            groups: dict[str, list[str]] = {}
            for parent, name, asname in parts:
                if node.level:  # written relative to the new place, as before
                    parent = relative(new_module, is_pkg, parent)
                groups.setdefault(parent, []).append(alias_text(name, asname))
            original = text[start:end]
            same_names = all(n == a.name and asn == a.asname for (_, n, asn), a in zip(parts, node.names))
            if len(groups) == 1 and same_names:  # only the module changes: the names keep their layout
                new_text = re.sub(r"^from\s+[.\w]+\s+import", f"from {next(iter(groups))} import", original)
            else:
                new_text = sep.join(render_from(p, names, indent) for p, names in groups.items())
            edits.append((start, end, new_text))
        return edits

    # --- everything else --------------------------------------------------------------
    def dotted(self, match: re.Match[str]) -> str:
        return self.m.new(match.group(0))

    def slashed(self, match: re.Match[str]) -> str:
        body, suffix = match.group(1), match.group(2) or ""
        dotted = f"{PKG}.{body.replace('/', '.')}"
        new = self.m.new(dotted)
        if new == dotted:
            return match.group(0)
        if suffix == ".py" and dotted not in self.known:
            return match.group(0)
        return new.replace(".", "/") + suffix

    def rewrite(self, text: str, module: str | None, is_pkg: bool, is_python: bool,
                prose: bool, depth_delta: int) -> tuple[str, int]:
        edits = self.import_edits(text, module, is_pkg) if is_python else []
        edits.sort()
        out, pos, count = [], 0, 0
        for start, end, new in edits + [(len(text), len(text), None)]:
            chunk = text[pos:start]
            chunk = self.DOTTED.sub(self.dotted, chunk)
            chunk = self.SLASHED.sub(self.slashed, chunk)
            out.append(chunk)
            if new is not None:
                out.append(new)
                count += 1
            pos = end
        result = "".join(out)
        if prose and self.prose:
            result = self.PROSE.sub(lambda mt: self.prose[mt.group(1)], result)
        if depth_delta:
            def parents(mt: re.Match[str]) -> str:
                n = mt.group(2).count(".parent") + depth_delta
                return f"Path(__file__){mt.group(1) or ''}" + ".parent" * n
            result = self.FILEPATH.sub(parents, result)
        return result, count


def plan() -> tuple[list[tuple[str, str, Path]], list[str], list[str], list[tuple[str, str]]]:
    todo, done, gone, clash = [], [], [], []
    for old, new in MOVES:
        src, dst = exists(old), exists(new)
        if src is not None and src.is_dir() and new.startswith(old + "."):
            src = None  # a module that became a package of its own name: that package is the new one
        if src is not None and dst is None:
            todo.append((old, new, src))
        elif src is None and dst is not None:
            done.append(old)
        elif src is None:
            gone.append(old)
        else:
            clash.append((old, new))
    return todo, done, gone, clash


def files_in_scope() -> list[Path]:
    out = []
    for name in SCOPES:
        p = ROOT / name
        if p.is_file():
            out.append(p)
        elif p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f != Path(__file__).resolve() and not (SKIP_DIRS & set(f.relative_to(ROOT).parts)) \
                        and not any(part.endswith(".egg-info") for part in f.parts) \
                        and (f.suffix in TEXT_SUFFIXES or f.name == "run"):
                    out.append(f)
    return out


def main(argv: list[str]) -> int:
    dry = "--dry-run" in argv
    todo, done, gone, clash = plan()
    for old in gone:
        print(f"gone (skipped): {old}")
    if clash:
        for old, new in clash:
            print(f"REFUSED: both {old} and {new} exist", file=sys.stderr)
        return 2
    if not todo:
        print(f"nothing to move: {len(done)} moves already done — the layout is in place")
        return 0
    if done:
        print(f"REFUSED: {len(done)} moves done and {len(todo)} not — a half-applied layout "
              f"(done: {', '.join(done[:5])}…); reset the tree and run again", file=sys.stderr)
        return 2
    if not dry:
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
        if dirty:
            print("REFUSED: uncommitted changes in the work tree; commit or stash them first", file=sys.stderr)
            return 2

    mapper = Mapper({old: new for old, new, _ in todo})
    known = module_names()
    # a moved module's path relative to the package, as prose and docstrings name it
    prose: dict[str, str] = {}
    for old, new, src in todo:
        if src.is_file():
            prose["/".join(old.split(".")[1:]) + ".py"] = "/".join(new.split(".")[1:]) + ".py"

    # 1. references, against the OLD tree
    rw = FileRewriter(mapper, known, prose)
    by_path = {path: name for name, path in known.items()}
    changed = 0
    long_lines: list[str] = []
    for f in files_in_scope():
        try:
            text = f.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        module = by_path.get(f)
        is_pkg = f.name == "__init__.py"
        delta = 0
        if module is not None and mapper.moved(module):
            delta = depth(mapper.new(module), is_pkg) - depth(module, is_pkg)
        new_text, _ = rw.rewrite(text, module, is_pkg, f.suffix == ".py",
                                 f.suffix in PROSE_SUFFIXES, delta)
        if new_text != text:
            changed += 1
            before = set(text.splitlines())
            fresh = [ln for ln in new_text.splitlines() if ln not in before]
            print(f"rewritten: {f.relative_to(ROOT)} ({len(fresh)} lines)")
            for ln in fresh:
                if f.suffix == ".py" and len(ln) > LONG_LINE and len(ln) > max(map(len, before), default=0):
                    long_lines.append(f"{f.relative_to(ROOT)}: {ln.strip()[:80]}…")
            if not dry:
                f.write_text(new_text, encoding="utf-8")

    # 2. packages and moves
    for pkg, line in PACKAGES.items():
        init = ROOT / Path(*pkg.split(".")) / "__init__.py"
        if not any(new == pkg or new.startswith(pkg + ".") for _, new, _ in todo):
            continue
        print(f"package: {pkg} — {line}")
        if not dry and not init.exists():
            init.parent.mkdir(parents=True, exist_ok=True)
            init.write_text(f'"""{line}"""\n', encoding="utf-8")
            sh("git", "add", str(init.relative_to(ROOT)))
    for old, new, src in todo:
        mod, pkgdir = path_of(new)
        dst = pkgdir if src.is_dir() else mod
        print(f"move: {src.relative_to(ROOT)} → {dst.relative_to(ROOT)}   ({old} → {new})")
        if not dry:
            dst.parent.mkdir(parents=True, exist_ok=True)
            sh("git", "mv", str(src.relative_to(ROOT)), str(dst.relative_to(ROOT)))
            if src.is_dir():  # left behind: bytecode only (else Python sees a namespace package)
                for cache in sorted(src.rglob("__pycache__"), reverse=True):
                    shutil.rmtree(cache)
                for folder in sorted((d for d in src.rglob("*") if d.is_dir()), reverse=True):
                    if not any(folder.iterdir()):
                        folder.rmdir()
                if not any(src.iterdir()):
                    src.rmdir()
                else:
                    print(f"left in {src.relative_to(ROOT)}: untracked files (not moved)")
    for ln in long_lines:
        print(f"longer than any line the file had ({LONG_LINE}+ characters): {ln}")
    print(f"{len(todo)} moves, {changed} files rewritten{' (dry run: nothing changed)' if dry else ''}")
    if not dry:
        print("next: `python scripts/count_imports.py`, the tests, `git add -A siapmas_sync tests benchmarks "
              "scripts docs README.md` and one commit (imports re-sorted by `ruff check --fix` if the "
              "project's ruff selects isort rules)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
