"""Word templates: finding one (the user's folder before the shipped one), checking its
placeholders against a context (an unknown one, a jinja syntax error or a file that is not
a Word document is a ConfigError naming the file), and filling it with docxtpl — compiled
and patched once per template version, written atomically with fixed zip timestamps."""

from __future__ import annotations

import copy
import functools
import hashlib
import io
import re
import struct
import threading
import zipfile
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any, TypeVar

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from siapmas_sync.documents.common import atomic_write_bytes
from siapmas_sync.errors import ConfigError

from .context import context_names
from .fastfill import Filler, ZipEntry, filler_for, zip_entry
from .text import sanitise

__all__ = ["TEMPLATE_NAMES", "check_template", "find_template", "normalise_docx_zip", "render_docx",
           "shipped_template_dir"]

#: the templates shipped with the package
TEMPLATE_NAMES = ("lembar_disposisi.docx", "kartu_kendali.docx", "surat_balasan.docx")

_ADVICE_FIX = (
    "Perbaiki templat di Word, atau hapus berkas itu dari folder templat pengguna agar "
    "templat bawaan dipakai."
)


@functools.cache
def shipped_template_dir() -> Path:
    """The folder of the templates that ship with the package (resolved once: every
    render job names it)."""
    return Path(__file__).resolve().parent.parent / "defaults" / "templates"


def find_template(template_name: str, template_dirs: Sequence[Path]) -> Path:
    """The first ``<dir>/<template_name>`` that exists; ConfigError when none does."""
    name = str(template_name)
    if not name or Path(name).name != name or name in (".", ".."):
        raise ConfigError(
            f"Nama templat tidak sah: {name!r}.",
            "Gunakan nama berkas saja, misalnya surat_balasan.docx.",
        )
    for d in template_dirs:
        candidate = Path(d) / name
        if candidate.is_file():
            return candidate
    where = ", ".join(str(d) for d in template_dirs) or "(tidak ada folder)"
    raise ConfigError(
        f"Templat {name} tidak ditemukan di: {where}.",
        "Periksa pengaturan folder templat; templat bawaan ada di " + str(shipped_template_dir()) + ".",
    )


#: template versions remembered by the two caches below (a few templates, each a few parts)
_KEEP = 64


_K = TypeVar("_K")
_V = TypeVar("_V")


def _remembered(cache: dict[_K, _V], source: _K, make: Callable[[], _V]) -> _V:
    """``cache[source]``, made with *make* the first time; the oldest entry goes past _KEEP."""
    out = cache.get(source)
    if out is None:
        if len(cache) >= _KEEP:
            cache.pop(next(iter(cache)))
        out = cache[source] = make()
    return out


class _CompilingOnceEnvironment(SandboxedEnvironment):
    """The sandbox docxtpl renders in, keeping the templates it compiled.

    docxtpl hands the template's document XML to ``from_string`` on every render; the XML
    of one template version is the same each time, and compiling it was a third of the
    time of a DOCX. Compiled templates are kept by their source (bounded)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._compiled: dict[str, Any] = {}

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:  # noqa: A002
        if globals or template_class or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        compile_source = super().from_string
        return _remembered(self._compiled, source, lambda: compile_source(source))


_ENV: _CompilingOnceEnvironment | None = None


def _env() -> SandboxedEnvironment:
    global _ENV
    if _ENV is None:
        _ENV = _CompilingOnceEnvironment(undefined=StrictUndefined, autoescape=True)
    return _ENV


_PATCHED: dict[str, Any] = {}  # template part XML → docxtpl's jinja-ready version of it
_TEMPLATE_CLASS: Any = None


def _template_class() -> Any:
    """DocxTemplate whose patch_xml (regular expressions turning Word's split runs into
    jinja tags) runs once per distinct template part: the same template gives the same
    XML every time, and patching it was a third of the time of a DOCX."""
    global _TEMPLATE_CLASS
    if _TEMPLATE_CLASS is None:
        from docxtpl import DocxTemplate

        class PatchOnceTemplate(DocxTemplate):
            def patch_xml(self, src_xml: str) -> str:
                patch = super().patch_xml
                return str(_remembered(_PATCHED, src_xml, lambda: patch(src_xml)))

        _TEMPLATE_CLASS = PatchOnceTemplate
    return _TEMPLATE_CLASS


def _open(path: Path) -> Any:
    """A loaded DocxTemplate, or ConfigError when *path* is not a Word document."""
    try:
        tpl = _template_class()(str(path))
        tpl.init_docx()
        tpl.get_xml()
    except Exception as exc:  # zipfile, lxml, python-docx: all mean "not a usable .docx"
        raise ConfigError(
            f"Templat {path.name} bukan dokumen Word (.docx) yang sah ({type(exc).__name__}).",
            "Simpan templat dari Word dengan format \"Word Document (*.docx)\", atau hapus "
            "berkas itu dari folder templat pengguna agar templat bawaan dipakai.",
        ) from exc
    return tpl


#: the core properties docxtpl renders (DocxTemplate.render_properties)
_PROPS = ("author", "comments", "identifier", "language", "subject", "title")
_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"


class _Opened:
    """A template opened once per version and process, and what rendering changes in it
    (the body, header and footer parts, core properties, footnotes), kept to be put back
    before the next render: opening a .docx (unzipping and parsing its ~1 MB of styles)
    was a third of the time of a Word copy."""

    def __init__(self, path: Path) -> None:
        self.tpl = _open(path)
        self.lock = threading.Lock()  # one render at a time on this template object
        docx = self.tpl.docx
        self.body = copy.deepcopy(docx._element.body)
        self.rels = {k: r._target for k, r in docx._part.rels.items()
                     if r.reltype in (self.tpl.HEADER_URI, self.tpl.FOOTER_URI)}
        self.props = {p: getattr(docx.core_properties, p) for p in _PROPS}
        self.notes = {part: part._blob for part in docx.part.package.parts
                      if part.content_type == _FOOTNOTES and hasattr(part, "_blob")}
        self.fresh = True
        # the parts no render changes (styles, theme, settings…): serialised once
        changed = {str(docx.part.partname), str(docx.part.package._core_properties_part.partname)}
        changed |= {str(t.partname) for t in self.rels.values()} | {str(n.partname) for n in self.notes}
        self.same = {str(part.partname) for part in docx.part.package.parts} - changed
        self.blobs: dict[str, bytes] = {}
        self.source = self.tpl.patch_xml(self.tpl.get_xml())  # the body as docxtpl renders it
        self.filler: Filler | None = None  # made from the first copy, when the template allows
        self.tried = False

    def ready(self) -> Any:
        """The template as opened (call with ``lock`` held)."""
        if not self.fresh:
            tpl = self.tpl
            root = tpl.docx._element
            root.replace(root.body, copy.deepcopy(self.body))
            for k, target in self.rels.items():
                tpl.docx._part.rels[k]._target = target
            for prop, value in self.props.items():
                setattr(tpl.docx.core_properties, prop, value)
            for part, blob in self.notes.items():
                part._blob = blob
            tpl.is_rendered = tpl.is_saved = False
        self.fresh = False
        return self.tpl


_OPENED: dict[tuple[str, int, int], _Opened] = {}


def _opened(path: Path) -> _Opened:
    st = path.stat()
    return _remembered(_OPENED, (str(path), st.st_mtime_ns, st.st_size), lambda: _Opened(path))


def _template_parts(tpl: Any) -> list[tuple[str, str]]:
    """(part label, jinja source) of everything docxtpl renders: body, headers, footers, properties."""
    parts = [("isi dokumen", tpl.patch_xml(tpl.get_xml()))]
    for uri, label in ((tpl.HEADER_URI, "header"), (tpl.FOOTER_URI, "footer")):
        for rel in tpl.docx.part.rels.values():
            if rel.reltype == uri and not rel.is_external and rel.target_part.blob:
                xml = rel.target_part.blob.decode("utf-8", "replace")
                parts.append((label, tpl.patch_xml(xml)))
    props = tpl.docx.core_properties
    for prop in ("author", "comments", "identifier", "language", "subject", "title"):
        value = getattr(props, prop) or ""
        if "{" in value:
            parts.append((f"properti {prop}", value))
    return parts


def _sentence(text: str) -> str:
    """*text* ending with exactly one full stop."""
    return str(text).strip().rstrip(".") + "."


def _plain(xml: str, limit: int = 90) -> str:
    text = " ".join(re.sub(r"<[^>]+>", "", xml).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _paths(node: nodes.Node, out: list[str]) -> None:
    """Collect dotted paths (``kop.instansi``) of attribute chains rooted at a name."""
    chain: list[str] = []
    cur = node
    while True:
        if isinstance(cur, nodes.Getattr):
            chain.append(cur.attr)
            cur = cur.node
        elif isinstance(cur, nodes.Getitem) and isinstance(cur.arg, nodes.Const) and isinstance(cur.arg.value, str):
            chain.append(cur.arg.value)
            cur = cur.node
        else:
            break
    if chain and isinstance(cur, nodes.Name):
        out.append(".".join([cur.name, *reversed(chain)]))
        return
    for child in node.iter_child_nodes():
        _paths(child, out)


def _unknown(ast: nodes.Template, env: SandboxedEnvironment, known: Collection[str]) -> list[str]:
    roots = meta.find_undeclared_variables(ast) - set(env.globals)
    known_set = set(known)
    prefixes = {k.rsplit(".", 1)[0] for k in known_set if "." in k}
    leaves = {k for k in known_set if k not in prefixes}
    paths: list[str] = []
    _paths(ast, paths)
    bad: list[str] = [r for r in sorted(roots) if r not in known_set]
    for p in paths:
        root = p.split(".", 1)[0]
        if root not in roots or root in bad or p in known_set:
            continue
        parts = p.split(".")
        # attribute access on a text value (e.g. ``perihal.upper``) is the template's own business
        if any(".".join(parts[:i]) in leaves for i in range(1, len(parts))):
            continue
        if p not in bad:
            bad.append(p)
    return bad


def _check(tpl: Any, path: Path, known: Collection[str]) -> None:
    env = _env()
    unknown: list[str] = []
    for label, source in _template_parts(tpl):
        marked = re.sub(r"<w:p([ >])", r"\n<w:p\1", source)
        try:
            ast = env.parse(marked)
            names = _unknown(ast, env, known)  # compiles too: unknown filters/tests fail here
        except TemplateSyntaxError as exc:
            lines = marked.splitlines()
            near = _plain(lines[exc.lineno - 1]) if exc.lineno and exc.lineno <= len(lines) else ""
            where = f' di dekat "{near}"' if near else ""
            raise ConfigError(
                f"Templat {path.name} mengandung kesalahan sintaks placeholder ({label}){where}: "
                f"{_sentence(str(exc.message))}",
                "Periksa pasangan {{ }} dan {% %} di Word. " + _ADVICE_FIX,
            ) from exc
        for name in names:
            if name not in unknown:
                unknown.append(name)
    if unknown:
        shown = ", ".join("{{ " + n + " }}" for n in unknown)
        prefixes = {k.rsplit(".", 1)[0] for k in known if "." in k}
        available = ", ".join(sorted((k for k in known if k not in prefixes), key=lambda k: ("." in k, k)))
        raise ConfigError(
            f"Templat {path.name} memakai placeholder yang tidak dikenal: {shown}. "
            f"Yang tersedia: {available}.",
            _ADVICE_FIX,
        )


def check_template(path: Path, known: set[str]) -> None:
    """Raise ConfigError unless *path* is a .docx whose placeholders are all in *known*.

    *known* holds placeholder names as from :func:`context_names` (``agenda_no``,
    ``kop.instansi``, …). The message names the template file, the unknown
    placeholder(s) and the available ones; a jinja syntax error or a file that is not a
    Word document is a ConfigError too.
    """
    path = Path(path)
    _check(_open(path), path, known)


def normalise_docx_zip(data: bytes) -> bytes:
    """Re-pack a .docx with fixed entry timestamps so equal content gives equal bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    return _zip_members([(info.filename, src.read(info.filename)) for info in src.infolist()])


#: a part this large is the same in every copy of a template (styles, theme): compressed once
_SAME_PART_BYTES = 32 * 1024
_DEFLATED: dict[str, tuple[int, bytes]] = {}  # sha1 of a large part → (crc, compressed bytes)


_BY_IDENTITY: dict[int, tuple[bytes, tuple[int, bytes]]] = {}  # a part serialised once: same object


def _deflate(blob: bytes) -> tuple[int, bytes]:
    def make() -> tuple[int, bytes]:
        _name, crc, data, _size = zip_entry("", blob)
        return crc, data

    if len(blob) < _SAME_PART_BYTES:
        return make()
    known = _BY_IDENTITY.get(id(blob))
    if known is not None and known[0] is blob:
        return known[1]
    out: tuple[int, bytes] = _remembered(_DEFLATED, hashlib.sha1(blob).hexdigest(), make)
    _remembered(_BY_IDENTITY, id(blob), lambda: (blob, out))
    return out


def _zip_members(members: Sequence[tuple[str, bytes]]) -> bytes:
    """A zip of *members* (name, bytes) in order, deflated, every entry dated 1980-01-01
    and mode 0644: the same members give the same bytes (what ``zipfile`` writes for
    such entries; Word and LibreOffice read it as any .docx)."""
    return _zip_entries([(name, *_deflate(blob), len(blob)) for name, blob in members])


def _zip_entries(entries: Sequence[ZipEntry]) -> bytes:
    """The zip of already deflated *entries* (see :func:`_zip_members`)."""
    local: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    dos_date = (0 << 9) | (1 << 5) | 1  # 1980-01-01, 00:00:00
    for name, crc, data, size in entries:
        fname = name.encode("utf-8")
        flags = 0x800 if not fname.isascii() else 0
        head = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, flags, 8, 0, dos_date, crc, len(data), size,
                           len(fname), 0)
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", (3 << 8) | 20, 20, flags, 8, 0, dos_date, crc,
                                   len(data), size, len(fname), 0, 0, 0, 0, 0o644 << 16, offset) + fname)
        local += [head, fname, data]
        offset += len(head) + len(fname) + len(data)
    cd = b"".join(central)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(cd), offset, 0)
    return b"".join(local) + cd + end


def _docx_members(tpl: Any, opened: _Opened | None = None) -> list[tuple[str, bytes]] | None:
    """The rendered document's zip members (name, bytes) as python-docx would save them,
    unchanged parts serialised once; None when docxtpl must save it itself (pictures or
    replaced media)."""
    if tpl.pics_to_replace or tpl.crc_to_new_media or tpl.crc_to_new_embedded or tpl.zipname_to_replace:
        return None
    from docx.opc.pkgwriter import PackageWriter

    class Members(list[tuple[str, bytes]]):  # python-docx's physical writer interface
        def write(self, uri: Any, blob: bytes) -> None:
            self.append((uri.membername, blob))

    package = tpl.docx.part.package
    parts = package.parts
    for part in parts:
        part.before_marshal()
    out = Members()
    PackageWriter._write_content_types_stream(out, parts)
    PackageWriter._write_pkg_rels(out, package.rels)
    for part in parts:  # as PackageWriter._write_parts, unchanged parts serialised once
        name = str(part.partname)
        blob = opened.blobs.get(name) if opened is not None else None
        if blob is None:
            blob = part.blob
            if opened is not None and name in opened.same:
                opened.blobs[name] = blob
        out.write(part.partname, blob)
        if len(part.rels):
            out.write(part.partname.rels_uri, part.rels.xml)
    return out


def _docx_bytes(tpl: Any, opened: _Opened) -> bytes:
    """The rendered document as a normalised .docx: python-docx's parts zipped once, with
    fixed timestamps, the large unchanged parts compressed once per process (python-docx's
    own save compressed every part, and the normalising re-pack did it again). The first
    copy of a template also prepares its :class:`~.fastfill.Filler` for the next ones."""
    members = _docx_members(tpl, opened)
    if members is None:
        buf = io.BytesIO()
        tpl.save(buf)
        return normalise_docx_zip(buf.getvalue())
    if not opened.tried:
        opened.tried = True
        opened.filler = filler_for(tpl, opened.source, _env(), members, opened.props, list(opened.notes.values()),
                                   bool(opened.rels))
    return _zip_members(members)


_CHECKED: set[tuple[str, int, int, frozenset[str]]] = set()


def render_docx(template_name: str, context: dict, out_path: Path, *, template_dirs: Sequence[Path]) -> Path:
    """Fill the template *template_name* with *context* and write it to *out_path*.

    The first folder of *template_dirs* holding the file wins, so pass the user's folder
    before :func:`shipped_template_dir`. Placeholders are checked before rendering;
    every problem with the template is a ConfigError naming it. The file is written
    atomically, with fixed zip timestamps (the same input gives the same bytes).
    """
    path = find_template(template_name, template_dirs)
    ctx = sanitise(context)
    opened = _opened(path)
    with opened.lock:
        data = _fill(path, ctx, opened)
    out_path = Path(out_path)
    atomic_write_bytes(out_path, data)
    return out_path


def _fill(path: Path, ctx: dict, opened: _Opened) -> bytes:
    known = frozenset(context_names(ctx))
    st = path.stat()
    checked = (str(path), st.st_mtime_ns, st.st_size, known)
    if checked not in _CHECKED:  # a template is checked once per version, not per item
        _check(opened.ready(), path, known)
        _CHECKED.add(checked)
    try:
        if opened.filler is not None:  # every copy after a template's first
            return _zip_entries(opened.filler.entries_for(ctx))
        tpl = opened.ready()
        tpl.render(ctx, _env(), autoescape=True)
        return _docx_bytes(tpl, opened)
    except TemplateError as exc:
        raise ConfigError(
            f"Templat {path.name} tidak dapat diisi: {_sentence(exc.message or type(exc).__name__)}",
            _ADVICE_FIX,
        ) from exc
    except Exception as exc:  # malformed XML after rendering (a tag split across a table, …)
        raise ConfigError(
            f"Templat {path.name} tidak dapat diisi ({type(exc).__name__}); kemungkinan sebuah "
            "{% … %} memotong tabel atau paragraf.",
            _ADVICE_FIX,
        ) from exc
