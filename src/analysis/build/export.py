"""Export an executed notebook to a self-contained HTML page and to a PDF, in-process.

HTML: nbconvert's HTMLExporter with the "lab" page (CSS inlined) minus everything the stock
template fetches from a CDN (require.js, MathJax, mermaid, the widget manager); figures and
markdown images embedded as data: URIs; the result is scanned and refused if it still loads
anything from outside the file.

PDF, the pure-pip route (no LaTeX, no browser): pandoc from pypandoc-binary
(`-f ipynb -t typst -s`, a Lua filter, a Typst template), then the typst wheel's Python API.
Body text in Libertinus Serif (built into Typst), code and outputs in the shipped JetBrains
Mono; everything NFC-normalised. A missing font or glyph is a UserError, never a silent
fallback: Typst only warns about unknown fonts and says nothing about missing glyphs, so both
are checked here.

Both exporters drop papermill's `injected-parameters` cell.
"""

from __future__ import annotations

import copy
import functools
import os
import re
import subprocess
import tempfile
import threading
import unicodedata
import warnings
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import nbformat
import pypandoc
import typst
from nbformat import NotebookNode

from analysis.data import paths
from analysis.data.config import INJECTED_TAG
from analysis.errors import UserError

TEMPLATES = Path(__file__).resolve().parent / "templates"
HTML_TEMPLATE = TEMPLATES / "report.html.j2"
TYPST_TEMPLATE = TEMPLATES / "report.typst"
LUA_FILTER = TEMPLATES / "report.lua"

BODY_FONT = "Libertinus Serif"  # built into Typst; complete Vietnamese
CODE_FONT = "JetBrains Mono"  # shipped in paths.FONTS (OFL); complete Vietnamese
CODE_FONT_FILES = ("JetBrainsMono-Regular.ttf", "JetBrainsMono-Bold.ttf")

REGIONS = {"vi": "VN"}  # Typst text region per report language

_LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_REMOTE_MD_IMAGE_RE = re.compile(
    r"!\[[^\]]*\]\(\s*<?((?:https?:)?//[^)\s>]+)|<img\b[^>]*\bsrc\s*=\s*[\"']?((?:https?:)?//[^\"'\s>]+)",
    re.IGNORECASE,
)
_FONT_WARNING_RE = re.compile(r"font|glyph", re.IGNORECASE)


# --------------------------------------------------------------------------------------------
# Notebook preparation (shared by both exporters)


def strip_injected(nb: NotebookNode) -> NotebookNode:
    """Return a copy of `nb` without papermill's `injected-parameters` cell(s).

    The injected cell repeats the parameters as `\\u`-escaped source; readers see the
    `parameters` cell's defaults and the report's own text instead.
    """
    out = copy.deepcopy(nb)
    out.cells = [c for c in out.cells if INJECTED_TAG not in c.get("metadata", {}).get("tags", [])]
    return out


def _nfc(value: Any) -> Any:
    """NFC-normalise every string inside a notebook structure (in place for containers)."""
    if isinstance(value, str):
        return (
            value
            if unicodedata.is_normalized("NFC", value)
            else unicodedata.normalize("NFC", value)
        )
    if isinstance(value, dict):
        for key in list(value):
            value[key] = _nfc(value[key])
    elif isinstance(value, list):
        for i, item in enumerate(value):
            value[i] = _nfc(item)
    return value


def _strip_ansi(nb: NotebookNode) -> None:
    """Remove terminal colour codes from streams and tracebacks (they are not text)."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                text = out.get("text", "")
                out["text"] = _ANSI_RE.sub("", "".join(text) if isinstance(text, list) else text)
            elif out.get("output_type") == "error":
                out["traceback"] = [_ANSI_RE.sub("", line) for line in out.get("traceback", [])]


#: What a reader format can show; an output with none of these (recorded facts, JSON) is
#: for the executed notebook and the manifest, never for a reader.
READER_MIMES = ("text/plain", "text/html", "text/markdown", "text/latex", "image/png",
                "image/jpeg", "image/svg+xml")


def _drop_unreadable(nb: NotebookNode) -> None:
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if o.get("output_type") not in ("display_data", "execute_result")
                            or any(m in o.get("data", {}) for m in READER_MIMES)]


def _prepare(nb: NotebookNode, where: str) -> NotebookNode:
    """Copy without the injected cell, NFC everywhere, no ANSI codes, no remote images, no
    output a reader format cannot show."""
    if not isinstance(nb, dict) or "cells" not in nb:
        raise UserError(
            "not a notebook (no 'cells')", where=where, fix="pass an nbformat.NotebookNode"
        )
    out = strip_injected(nb)
    _nfc(out)
    _strip_ansi(out)
    _drop_unreadable(out)
    for i, cell in enumerate(out.cells):
        if cell.get("cell_type") != "markdown":
            continue
        match = _REMOTE_MD_IMAGE_RE.search(cell.get("source", ""))
        if match:
            raise UserError(
                f"markdown image loaded from another host: {match.group(1) or match.group(2)}",
                where=f"{where}: cell {i}",
                fix="save the image in the repository (or attach it to the cell) and link it"
                " by a relative path",
            )
    return out


def notebook_title(nb: NotebookNode) -> str | None:
    """The first markdown heading's text (emphasis/code marks removed), or None."""
    for cell in nb.cells:
        if cell.get("cell_type") != "markdown":
            continue
        match = _HEADING_RE.search(cell.get("source", ""))
        if match:
            return re.sub(r"[*_`]", "", match.group(1)).strip() or None
    return None


def _check_lang(lang: str) -> str:
    if not isinstance(lang, str) or not _LANG_RE.match(lang):
        raise UserError(
            f"invalid report language {lang!r}",
            where="parameter lang",
            fix="use a BCP 47 tag such as 'vi' or 'en'",
        )
    return lang


def _where(source: str | Path | None) -> str:
    return str(source) if source is not None else "notebook"


# --------------------------------------------------------------------------------------------
# HTML


class _RefScanner(HTMLParser):
    """Collects every URL an HTML page would load by itself (not links the reader clicks)."""

    LOADS = {
        "script": ("src",),
        "link": ("href",),
        "img": ("src", "srcset"),
        "iframe": ("src",),
        "frame": ("src",),
        "embed": ("src",),
        "object": ("data",),
        "source": ("src", "srcset"),
        "video": ("src", "poster"),
        "audio": ("src",),
        "track": ("src",),
        "input": ("src",),
        "image": ("href", "xlink:href"),
        "use": ("href", "xlink:href"),
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in self.LOADS.get(tag, ()):
                self.refs.append(value.strip())
            elif name == "style":
                self.refs.extend(_css_urls(value))
        self._in = tag if tag in ("script", "style") else None

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "style":
            self.refs.extend(_css_urls(data))
        elif self._in == "script":
            self.refs.extend(re.findall(r"""["'`]((?:https?:)?//[^"'`\s]+)""", data))


def _css_urls(css: str) -> list[str]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)  # licence comments cite URLs
    found = re.findall(r"""url\(\s*["']?([^"')]+)""", css)
    found += re.findall(r"""@import\s+["']([^"']+)""", css)
    return [u.strip() for u in found]


def external_references(html: str) -> list[str]:
    """Everything `html` would fetch when opened that is not inside the file itself.

    Only `data:` URIs and in-page `#anchors` count as self-contained; any other src/href of a
    loading element (script, stylesheet, image, frame, media) or CSS url()/@import is listed.
    """
    scanner = _RefScanner()
    scanner.feed(html)
    scanner.close()
    return [r for r in scanner.refs if not r.lower().startswith(("data:", "#")) and r]


_HTML_LOCK = threading.Lock()


@functools.cache
def _html_exporter() -> Any:
    """One HTMLExporter, reused: compiling its Jinja templates is most of an export's time
    (~0.3 s), rendering with them ~0.1 s. Per-call settings are applied under _HTML_LOCK."""
    from nbconvert import HTMLExporter  # deferred import (README: Architecture)

    class ReportExporter(HTMLExporter):
        def _init_resources(self, resources: dict) -> dict:
            resources = super()._init_resources(resources)
            # nbconvert's own language_code trait only takes bare ISO 639-1 codes
            resources["language_code"] = resources.get("report_lang", "en")
            return resources

    return ReportExporter(
        template_name="lab",
        template_file=HTML_TEMPLATE.name,
        extra_template_paths=[str(TEMPLATES)],
        embed_images=True,
    )


def to_html(
    nb: NotebookNode,
    *,
    include_code: bool = True,
    title: str | None = None,
    lang: str = "vi",
    source: str | Path | None = None,
) -> str:
    """Render an executed notebook as one self-contained HTML page.

    `include_code=False` drops code inputs and prompts at export time (outputs stay).
    `title` defaults to the notebook's first heading. `source` (the notebook's path) names the
    notebook in errors and is the folder relative markdown images are read from.
    Raises UserError if anything would still be fetched from outside the page.
    """
    where = _where(source)
    lang = _check_lang(lang)
    prepared = _prepare(nb, where)
    page_title = unicodedata.normalize("NFC", title) if title else notebook_title(prepared)
    page_title = page_title or (Path(source).stem if source else "report")
    prepared.metadata["title"] = page_title  # the lab template escapes it into <title>
    base = str(Path(source).resolve().parent) if source else os.getcwd()
    resources = {"metadata": {"name": page_title, "path": base}, "report_lang": lang}
    with _HTML_LOCK:
        exporter = _html_exporter()
        exporter.exclude_input = not include_code
        exporter.exclude_input_prompt = not include_code
        exporter.exclude_output_prompt = not include_code
        html, _ = exporter.from_notebook_node(prepared, resources=resources)
    leaks = external_references(html)
    if leaks:
        shown = ", ".join(sorted({r[:80] for r in leaks})[:5])
        raise UserError(
            f"the HTML report would load {len(leaks)} resource(s) from outside the file: {shown}",
            where=where,
            fix="embed the image/resource (relative path next to the notebook, or a cell"
            " attachment) instead of linking it",
        )
    return html


# --------------------------------------------------------------------------------------------
# PDF


def check_fonts(font_dir: Path | None = None) -> Path:
    """Return the font folder after checking the shipped code font files are there."""
    font_dir = Path(font_dir) if font_dir is not None else paths.FONTS
    for name in CODE_FONT_FILES:
        path = font_dir / name
        if not path.is_file():
            raise UserError(
                f"font file missing: {path}",
                where="PDF export",
                fix="reinstall the package (`pip install -e .`) so its fonts/ folder is complete",
            )
    return font_dir


@functools.cache
def _pandoc_path() -> str:
    """The pandoc binary shipped in the pypandoc-binary wheel."""
    return pypandoc.get_pandoc_path()


@functools.lru_cache(maxsize=8)
def _families(font_dir: str) -> tuple[str, ...]:
    fonts = typst.Fonts(
        include_system_fonts=False, include_embedded_fonts=True, font_paths=[font_dir]
    )
    return tuple(fonts.families())


def missing_glyphs(
    chars: str | set[str], families: tuple[str, ...] | list[str], font_dir: Path | None = None
) -> list[str]:
    """Characters of `chars` (non-ASCII, visible) that none of `families` draws as one glyph.

    Typst neither errors nor warns here: it draws a missing glyph as the font's .notdef box,
    and a precomposed letter the font lacks (DejaVu Sans Mono's "ả") as base letter plus a
    combining mark. So each character is typeset alone per family with fallback off, as SVG,
    and counts as present only if it became exactly one glyph that is not that family's
    .notdef (the glyph of the noncharacter U+FDD0).
    """
    font_dir = check_fonts(font_dir)
    todo = sorted(
        c for c in set(chars) if unicodedata.category(c)[0] not in "ZC" and not c.isascii()
    )
    if not todo or not families:
        return todo
    probes = ["\ufdd0", *todo]
    pages = [
        f'#set text(font: "{family}", fallback: false)\n#str.from-unicode({ord(c)})'
        for family in families
        for c in probes
    ]
    src = "#set page(width: auto, height: auto, margin: 0pt)\n" + "\n#pagebreak()\n".join(pages)
    svgs = typst.compile(
        src.encode(), format="svg", font_paths=[str(font_dir)], ignore_system_fonts=True
    )
    uses = [re.findall(r'href="#(g[0-9A-Fa-f]+)"', svg.decode()) for svg in svgs]
    present: set[str] = set()
    for i, _family in enumerate(families):
        block = uses[i * len(probes) : (i + 1) * len(probes)]
        notdef = block[0]
        present.update(
            c for c, got in zip(todo, block[1:], strict=True) if len(got) == 1 and got != notdef
        )
    return [c for c in todo if c not in present]


def _code_text(nb: NotebookNode, include_code: bool) -> str:
    """The text set in the code font: code inputs (if shown) and text outputs."""
    parts: list[str] = []
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        if include_code:
            parts.append(cell.get("source", ""))
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(out.get("text", ""))
            elif out.get("output_type") == "error":
                parts.extend(out.get("traceback", []))
            else:
                data = out.get("data", {})
                if "text/plain" in data and "text/html" not in data:
                    parts.append(data["text/plain"])
    return "".join("".join(p) if isinstance(p, list) else p for p in parts)


def _check_glyphs(typ: str, code: str, font_dir: Path, where: str) -> None:
    """UserError if any character has no glyph at all, or a code letter is not in the code font."""
    families = _families(str(font_dir))
    nowhere = missing_glyphs(set(typ), families, font_dir)
    if nowhere:
        raise UserError(
            "no font has a glyph for: " + " ".join(f"{c} (U+{ord(c):04X})" for c in nowhere),
            where=where,
            fix=f"remove these characters or add a font covering them to {font_dir}",
        )
    letters = {c for c in code if unicodedata.category(c)[0] in "LM"}
    not_mono = missing_glyphs(letters, (CODE_FONT,), font_dir)
    if not_mono:
        raise UserError(
            f"the code font {CODE_FONT} has no glyph for: "
            + " ".join(f"{c} (U+{ord(c):04X})" for c in not_mono),
            where=where,
            fix="keep such text out of code cells/outputs (use a markdown cell)",
        )


def _compile_typst(
    typ: str, root: Path, font_dir: Path, title: str | None, where: str = "notebook"
) -> bytes:
    """typst source → PDF bytes; font warnings and compile errors become UserError."""
    try:
        pdf, found = typst.compile_with_warnings(
            typ.encode("utf-8"),
            root=str(root),
            font_paths=[str(font_dir)],
            ignore_system_fonts=True,
            sys_inputs={"title": title} if title else {},
            format="pdf",
        )
    except typst.TypstError as exc:
        raise UserError(
            f"Typst could not typeset the report: {exc.message}",
            where=where,
            fix="see the message; the notebook's markdown may contain something Typst rejects",
        ) from exc
    for warning in found:
        if _FONT_WARNING_RE.search(warning.message):
            raise UserError(
                f"Typst: {warning.message}",
                where=where,
                fix=f"check the font files in {font_dir} and the font names in {TYPST_TEMPLATE}",
            )
    for warning in found:
        warnings.warn(f"{where}: Typst: {warning.message}", stacklevel=3)
    assert isinstance(pdf, bytes)
    return pdf


def to_typst(
    nb: NotebookNode,
    workdir: Path,
    *,
    include_code: bool = True,
    lang: str = "vi",
    source: str | Path | None = None,
) -> str:
    """Convert a notebook to a standalone Typst document with pandoc; media go to workdir/media.

    The returned source refers to images by paths relative to `workdir` (Typst's root).
    """
    where = _where(source)
    return _pandoc_typst(
        _prepare(nb, where), Path(workdir), include_code, _check_lang(lang), source, where
    )


def _pandoc_typst(
    prepared: NotebookNode,
    workdir: Path,
    include_code: bool,
    lang: str,
    source: str | Path | None,
    where: str,
) -> str:
    ipynb = workdir / "report.ipynb"
    nbformat.write(prepared, ipynb)
    resource_path = [str(workdir)]
    if source:
        resource_path.insert(0, str(Path(source).resolve().parent))
    args = [
        "--standalone",
        f"--template={TYPST_TEMPLATE}",
        f"--lua-filter={LUA_FILTER}",
        "--ipynb-output=all",
        "--extract-media=media",  # relative to cworkdir = Typst's root
        f"--resource-path={os.pathsep.join(resource_path)}",
        f"--metadata=include-code={'true' if include_code else 'false'}",
        f"--metadata=drop-cell-tag={INJECTED_TAG}",
        f"--variable=lang={lang}",
        f"--variable=mainfont={BODY_FONT}",
        f"--variable=codefont={CODE_FONT}",
        "--wrap=preserve",
    ]
    region = REGIONS.get(lang.split("-")[0])
    if region:
        args.append(f"--variable=region={region}")
    # pypandoc's own convert_file(cworkdir=...) os.chdir()s the whole process, which is not
    # safe next to other threads; run its pandoc binary with cwd= instead.
    cmd = [_pandoc_path(), "--from=ipynb", "--to=typst", str(ipynb), *args]
    done = subprocess.run(cmd, cwd=workdir, capture_output=True, check=False)
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        remote = re.search(r"image loaded from another host: (\S+)", message)
        if remote:  # raised by the Lua filter (an <img> inside an HTML output)
            raise UserError(
                f"image loaded from another host: {remote.group(1)}",
                where=where,
                fix="save the image and display it from a file in the repository",
            )
        raise UserError(
            f"pandoc could not convert the notebook: {message[:300]}",
            where=where,
            fix="check the notebook's markdown and images",
        )
    for line in done.stderr.decode("utf-8", "replace").splitlines():
        if "Could not fetch resource" in line:
            raise UserError(
                f"image not found: {line.split('resource', 1)[1].split(':')[0].strip()}",
                where=where,
                fix="put the image next to the notebook (pass source=) or attach it to the cell",
            )
        if line.strip():
            warnings.warn(f"{where}: pandoc: {line.strip()}", stacklevel=3)
    typ = done.stdout.decode("utf-8")
    return unicodedata.normalize("NFC", typ)


def to_pdf(
    nb: NotebookNode,
    *,
    include_code: bool = True,
    title: str | None = None,
    lang: str = "vi",
    source: str | Path | None = None,
    font_dir: Path | None = None,
    appendix: str | None = None,
) -> bytes:
    """Render an executed notebook as PDF: pandoc (ipynb → Typst) then typst, in a temp dir.

    `appendix` is Typst source appended on a new page (e.g. `annotate.annotated_typst`).

    `include_code=False` drops code inputs (outputs stay). `title` (default: the first heading)
    goes into the PDF metadata. `source` names the notebook in errors and is where relative
    markdown images are found. `font_dir` defaults to the shipped fonts. A missing font file,
    an unknown font family or a character no font can draw raises UserError.
    """
    where = _where(source)
    lang = _check_lang(lang)
    font_dir = check_fonts(font_dir)
    prepared = _prepare(nb, where)
    doc_title = unicodedata.normalize("NFC", title) if title else notebook_title(prepared)
    with tempfile.TemporaryDirectory(prefix="analysis-pdf-") as tmp:
        workdir = Path(tmp)
        typ = _pandoc_typst(prepared, workdir, include_code, lang, source, where)
        if appendix:
            typ += "\n#pagebreak()\n" + unicodedata.normalize("NFC", appendix)
        _check_glyphs(typ, _code_text(prepared, include_code), font_dir, where)
        return _compile_typst(typ, workdir, font_dir, doc_title, where)


def warm() -> None:
    """Render an empty notebook to HTML and PDF once: the first export of a process compiles
    the HTML templates and loads pandoc and the fonts (~1 s); a build does it while its first
    kernels start instead of after the first notebook."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# ·")])
    to_html(nb, title="·")
    to_pdf(nb, title="·")


# --------------------------------------------------------------------------------------------
# Files


