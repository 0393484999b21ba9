"""One replication report per language, assembled from the executed notebooks 01–05.

`build_replication` reads reports/executed/<name>.ipynb for the focus province (names from
the report declarations, notebooks/reports.yml) and writes reports/replication_<lang>.html
and .pdf: a cover (article, build date, package version, git commit), contents, a one-page
summary whose every number is a fact a notebook recorded (`analysis.show.record`), the
notebooks' sections in order (their markdown and their recorded tables and figures, embedded
by label; no code, no papermill parameters cell), a methods section, a sources section
generated from data/external/SOURCES.md and the article's metadata and, in the PDF, the annotated
article.

How it works: the parts are put into one notebook that `analysis.build.export` renders, so the
HTML is checked self-contained and the PDF goes through the same pandoc → Typst route as every
report. Whatever must differ between the formats (anchors, captions, figures, links) is a
pair of raw cells: `text/html` (read by nbconvert, dropped by pandoc's Typst writer) and
`typst` (read by pandoc as raw Typst, ignored by nbconvert). Anchors are HTML ids and Typst
labels with the same names (`sec-01`, `fig-3`, `tab-2`, `src-<source id>`), so a reference
is `#fig-3` in one and `<fig-3>` in the other.

Figures are the SVG outputs the notebooks recorded (text drawn as paths, so they need no
font and look the same offline and in print), with the caption and the claim, lesson and
source ids recorded beside them; nothing is read back from notebook source, file times or
image text. The ids become links: claims and lessons to the annotated article (HTML) or the
appendix (PDF), source ids to the sources section.
"""

from __future__ import annotations

import copy
import datetime as dt
import html
import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from babel.dates import format_datetime
from nbformat import NotebookNode

from analysis import __version__
from analysis.build import cache, export
from analysis.build.export import notebook_title
from analysis.data import paths
from analysis.data.config import DEFAULT_CONFIG, INJECTED_TAG, PARAMETERS_TAG, load_config
from analysis.data.files import write_atomic
from analysis.data.provinces import default_province, resolve_province
from analysis.data.raw import SourceEntry, article_meta, read_sources
from analysis.errors import UserError
from analysis.show import annotate
from analysis.show.annotate import typst_string
from analysis.show.i18n import check_lang, fmt_num, t
from analysis.show.links import page_name, source_link, source_page
from analysis.show.record import Record, is_caption, read_records, record_of

NOTEBOOK_STEMS = ("01_poverty_trajectory", "02_repoverty", "03_lessons", "04_claims_audit",
                  "05_national_context")
FORMATS = ("html", "pdf")
APPENDIX_LABEL = "rep-appendix"

_HEADING_RE = re.compile(r"^(#{1,6})(\s+)(.*)$", re.MULTILINE)
_TITLE_RE = re.compile(r"^##\s+\d{2}\s*·\s*(.+?)\s*$")
_CLAIM_ID_RE = re.compile(r"^c\d+$")


# --------------------------------------------------------------------------------------------
# Inline text: one representation, two renderers (HTML and Typst)


@dataclass(frozen=True)
class Run:
    """A piece of inline text. kind: text | strong | num | ref | claim | lesson | source | url.

    `num` carries `key` (where the number comes from: '01:trajectory.0.rate'), `ref` and
    `source` an anchor in this document, `claim`/`lesson` an id in the annotated article.
    """

    kind: str
    text: str
    key: str = ""


Inline = list[Run]


def _text(s: str) -> Run:
    return Run("text", s)


@dataclass
class Links:
    """Where claim/lesson/source ids link to, per format."""

    lang: str
    source_page: str | None  # HTML: relative URL of the annotated article, None = no page
    source_ids: frozenset[str] = frozenset()

    def html_href(self, run: Run) -> str | None:

        if run.kind in ("claim", "lesson") and self.source_page:
            return source_link(run.kind, run.text, page=self.source_page)
        if run.kind == "source" and run.text in self.source_ids:
            return f"#{source_anchor(run.text)}"
        if run.kind == "ref":
            return f"#{run.key}"
        return None

    def typst_target(self, run: Run) -> str | None:
        if run.kind in ("claim", "lesson"):
            return f"<{APPENDIX_LABEL}>"
        if run.kind == "source" and run.text in self.source_ids:
            return f"<{source_anchor(run.text)}>"
        if run.kind == "ref":
            return f"<{run.key}>"
        return None


def source_anchor(source_id: str) -> str:
    """The anchor (HTML id, Typst label) of a source in the sources section."""
    return "src-" + re.sub(r"[^A-Za-z0-9_-]+", "-", source_id)


def _typ_str(text: str) -> str:

    return f"#{typst_string(text)}" if text else ""


def render_html(runs: Iterable[Run], links: Links) -> str:
    out = []
    for run in runs:
        body = html.escape(run.text)
        if run.kind == "strong":
            out.append(f"<b>{body}</b>")
        elif run.kind == "num":
            out.append(f'<span class="rep-num" data-key="{html.escape(run.key)}">{body}</span>')
        elif run.kind == "url":
            out.append(f'<a href="{html.escape(run.key or run.text)}">{body}</a>')
        elif run.kind in ("ref", "claim", "lesson", "source"):
            href = links.html_href(run)
            cls = f' class="rep-{run.kind}"'
            out.append(f'<a{cls} href="{html.escape(href)}">{body}</a>' if href
                       else f"<span{cls}>{body}</span>")
        else:
            out.append(body)
    return "".join(out)


def render_typst(runs: Iterable[Run], links: Links) -> str:
    out = []
    for run in runs:
        body = _typ_str(run.text)
        if run.kind == "strong":
            out.append(f"#strong[{body}]")
        elif run.kind == "url":
            out.append(f"#link({_typ_str(run.key or run.text)[1:]})[{body}]")
        elif run.kind in ("ref", "claim", "lesson", "source"):
            target = links.typst_target(run)
            out.append(f"#link({target})[{body}]" if target else body)
        else:
            out.append(body)
    return "".join(out)


def fill(template: str, **values: Run | Sequence[Run] | str) -> Inline:
    """`template` ('… {name} …') as runs, each field replaced by its run(s) or text."""
    runs: Inline = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        if literal:
            runs.append(_text(literal))
        if name is None:
            continue
        value = values[name]
        if isinstance(value, Run):
            runs.append(value)
        elif isinstance(value, str):
            runs.append(_text(value))
        else:
            runs.extend(value)
    return runs


def _join(items: Sequence[Inline], sep: str = ", ") -> Inline:
    out: Inline = []
    for i, item in enumerate(items):
        if i:
            out.append(_text(sep))
        out.extend(item)
    return out


# --------------------------------------------------------------------------------------------
# Reading the executed notebooks


@dataclass
class Section:
    """One executed notebook, as the report uses it."""

    number: str  # "01"
    name: str  # output name, e.g. 01_poverty_trajectory_phu-yen_vi
    path: Path
    nb: NotebookNode
    records: dict[str, Record] = field(default_factory=dict)

    def facts(self, label: str = "facts") -> dict[str, Any]:
        """The facts the notebook recorded under `label` ({} when it recorded none)."""
        rec = self.records.get(label)
        return dict(rec.values) if rec is not None and isinstance(rec.values, dict) else {}

    @property
    def anchor(self) -> str:
        return f"sec-{self.number}"

    @property
    def started(self) -> dt.datetime | None:
        stamp = self.nb.metadata.get("papermill", {}).get("start_time")
        try:
            return dt.datetime.fromisoformat(stamp) if stamp else None
        except ValueError:
            return None


def declares_all(lang: str, config: Path | None = None) -> bool:
    """Whether the report declarations hold notebooks 01–05 for the default province in
    `lang`: the replication report is assembled only from a configuration that does."""
    try:
        job_names(lang, default_province(), config)
    except UserError:
        return False
    return True


def job_names(lang: str, province: str,
              config: Path | None = None) -> list[tuple[str, str]]:
    """(notebook number, output name) of notebooks 01–05 for `province` and `lang`, as
    declared in notebooks/reports.yml (so a changed name template is followed)."""

    jobs = load_config(config or DEFAULT_CONFIG)
    out = []
    for stem in NOTEBOOK_STEMS:
        match = [j for j in jobs if j.notebook.stem == stem and j.parameters.get("lang") == lang
                 and j.parameters.get("province", province) == province]
        if not match:
            raise UserError(f"no report of {stem}.ipynb for province {province!r} and lang "
                            f"{lang!r} is declared", where=str(config or DEFAULT_CONFIG),
                            fix="declare it under `reports:` or choose another province")
        out.append((stem[:2], match[0].name))
    return out


def read_sections(reports_dir: Path, lang: str, province: str,
                  config: Path | None = None) -> list[Section]:
    """The executed notebooks 01–05, with their key values; one-line UserError if any is
    missing or was not run to the end."""
    names = job_names(lang, province, config)
    missing = [name for _, name in names
               if not (reports_dir / "executed" / f"{name}.ipynb").is_file()]
    if missing:
        raise UserError(
            f"executed notebook(s) missing: {', '.join(missing)}",
            where=str(reports_dir / "executed"),
            fix="run `make reports` or `python -m analysis build --only "
                + " --only ".join(missing) + "` first")
    sections = []
    for number, name in names:
        path = reports_dir / "executed" / f"{name}.ipynb"
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception as e:  # noqa: BLE001 — any unreadable file is the same user problem
            raise UserError(f"cannot read the executed notebook ({type(e).__name__})",
                            where=str(path), fix="rebuild it with `python -m analysis build "
                            f"--force --only {name}`") from None
        records = read_records(nb)
        if "key-values" not in records:
            raise UserError("the executed notebook recorded no `key-values` (did it fail?)",
                            where=str(path),
                            fix=f"rebuild it with `python -m analysis build --only {name}`")
        sections.append(Section(number, name, path, nb, records))
    return sections


# --------------------------------------------------------------------------------------------
# Figures


@dataclass
class Figure:
    number: int
    anchor: str
    caption: Inline
    svg: str | None  # SVG text of this run, else None (PNG output kept)
    ids: list[str]


def inline_svg(svg: str, prefix: str) -> str:
    """A matplotlib SVG made fit to sit inside an HTML page next to others: no XML prologue,
    every id (and reference to it) prefixed, scaled to the column width."""
    svg = svg[svg.find("<svg"):]
    ids = set(re.findall(r'\bid="([^"]+)"', svg))

    def sub(m: re.Match[str]) -> str:
        return m.group(1) + prefix + m.group(2) if m.group(2) in ids else m.group(0)

    svg = re.sub(r'(\bid="|url\(#|href="#)([^")]+)', sub, svg)
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)
    return svg.replace("<svg ", '<svg class="rep-svg" ', 1)


# --------------------------------------------------------------------------------------------
# The document: a notebook of raw (per-format) cells, markdown cells and kept outputs


def _raw(source: str, fmt: str) -> NotebookNode:
    """A cell only one format reads.

    HTML: a markdown cell holding one HTML block (it starts with a block-level tag and has no
    blank line, so CommonMark readers keep it whole): nbconvert shows it as is, pandoc reads it
    as raw HTML, which its Typst writer drops. (nbconvert runs raw cells through its HTML
    sanitizer, which would strip headings, figures and SVG.)
    Typst: a raw cell of mimetype `typst`, which pandoc passes to Typst and nbconvert skips.
    """
    if fmt == "html":
        return nbformat.v4.new_markdown_cell(re.sub(r"\n\s*\n", "\n", source.strip()))
    cell = nbformat.v4.new_raw_cell(source)
    cell.metadata["raw_mimetype"] = "typst"
    return cell


class Document:
    """Builds the combined notebook; every part is added in both formats at once."""

    def __init__(self, lang: str, links: Links) -> None:
        self.lang, self.links = lang, links
        self.cells: list[NotebookNode] = []
        self.figures: list[Figure] = []
        self.tables: list[tuple[int, str, Inline]] = []
        self.headings: list[tuple[str, str]] = []  # (anchor, title) of level-1 sections
        self.section_figs: dict[str, list[Figure]] = {}  # notebook number -> its figures

    def both(self, html_src: str, typst_src: str) -> None:
        self.cells.append(_raw(html_src, "html"))
        self.cells.append(_raw(typst_src, "typst"))

    def heading(self, anchor: str, title: str) -> None:
        # pandoc wraps every cell in a Typst block, where #pagebreak is not allowed: sections
        # are set apart by space, not pages
        self.headings.append((anchor, title))
        self.both(f'<h1 id="{anchor}" class="rep-h1">{html.escape(title)}</h1>',
                  f"#v(1.2em)\n#heading(level: 1)[{_typ_str(title)}] <{anchor}>")

    def subheading(self, title: str) -> None:
        self.both(f"<h2>{html.escape(title)}</h2>", f"#heading(level: 2)[{_typ_str(title)}]")

    def para(self, runs: Inline, cls: str = "") -> None:
        attr = f' class="{cls}"' if cls else ""
        self.both(f"<p{attr}>{render_html(runs, self.links)}</p>",
                  f"#par[{render_typst(runs, self.links)}]")

    def bullets(self, items: Sequence[Inline], cls: str = "") -> None:
        attr = f' class="{cls}"' if cls else ""
        lis = "".join(f"<li>{render_html(i, self.links)}</li>" for i in items)
        self.both(f"<ul{attr}>{lis}</ul>",
                  "#list(" + ", ".join(f"[{render_typst(i, self.links)}]" for i in items)
                  + ")")

    def markdown(self, text: str) -> None:
        self.cells.append(nbformat.v4.new_markdown_cell(text))

    def output(self, out: NotebookNode) -> None:
        cell = nbformat.v4.new_code_cell("")
        cell.outputs = [out]
        self.cells.append(cell)

    def ref(self, kind: str, number: int) -> Run:
        word = t("rep_figure" if kind == "fig" else "rep_table", self.lang)
        return Run("ref", f"{word} {number}", f"{kind}-{number}")

    def figure(self, caption: Inline, svg: str | None, ids: list[str],
               png_output: NotebookNode | None) -> Figure:
        n = len(self.figures) + 1
        fig = Figure(n, f"fig-{n}", caption, svg, ids)
        self.figures.append(fig)
        word = t("rep_figure", self.lang)
        cap = [Run("strong", f"{word} {n}."), _text(" "), *caption]
        if ids:
            cap += [_text(" — "), *self._id_runs(ids)]
        if svg is None:
            cap += [_text(" " + t("rep_raster_note", self.lang))]
        cap_html = render_html(cap, self.links)
        cap_typ = render_typst(cap, self.links)
        if svg is not None:
            self.both(f'<figure id="{fig.anchor}" class="rep-figure">'
                      f"{inline_svg(svg, f'f{n}-')}<figcaption>{cap_html}</figcaption></figure>",
                      f'#figure(image(bytes({_typ_str(svg)[1:]}), format: "svg", width: 100%),'
                      f' caption: [{cap_typ}], kind: "rep-figure", supplement: none,'
                      f" numbering: none) <{fig.anchor}>")
        else:
            if png_output is not None:
                self.output(png_output)
            self.both(f'<p id="{fig.anchor}" class="rep-caption">{cap_html}</p>',
                      f"#block(width: 100%)[#align(center)[#text(size: 9pt)[{cap_typ}]]]"
                      f" <{fig.anchor}>")
        return fig

    def table(self, caption: Inline, out: NotebookNode) -> int:
        n = len(self.tables) + 1
        anchor = f"tab-{n}"
        self.tables.append((n, anchor, caption))
        cap = [Run("strong", f"{t('rep_table', self.lang)} {n}."), _text(" "), *caption]
        self.both(f'<p id="{anchor}" class="rep-caption rep-table-caption">'
                  f"{render_html(cap, self.links)}</p>",
                  f"#block(width: 100%, sticky: true)[#text(size: 9pt)"
                  f"[{render_typst(cap, self.links)}]] <{anchor}>")
        self.output(out)
        return n

    def _id_runs(self, ids: Sequence[str]) -> Inline:
        claims = [i for i in ids if _CLAIM_ID_RE.match(i)]
        sources = [i for i in ids if i in self.links.source_ids]
        lessons = [i for i in ids if i not in claims and i not in sources]
        parts: list[Inline] = []
        if claims:
            parts.append([_text(t("rep_claims_in_article", self.lang) + ": "),
                          *_join([[Run("claim", c)] for c in claims])])
        if lessons:
            parts.append([_text(t("rep_lessons_in_article", self.lang) + ": "),
                          *_join([[Run("lesson", c)] for c in lessons])])
        if sources:
            parts.append([_text(t("rep_sources_prefix", self.lang) + ": "),
                          *_join([[Run("source", c)] for c in sources])])
        return _join(parts, " · ")


# --------------------------------------------------------------------------------------------
# Parts of the report


def git_commit(root: Path = paths.PROJ_ROOT) -> str:
    """`git rev-parse HEAD` of the project, or 'unknown' (no git, not a checkout)."""
    return cache.git_commit(root)


def _published(meta: dict[str, Any], lang: str) -> str:

    when = meta["published"]
    when = when if isinstance(when, dt.datetime) else dt.datetime.fromisoformat(str(when))
    return format_datetime(when, "dd/MM/yyyy HH:mm", tzinfo=when.tzinfo, locale=lang) + \
        when.strftime(" (UTC%z)").replace("00)", ")").replace("+0", "+")


def _md_inline(text: str) -> Inline:
    """Register markdown (`code`, *emph*, bare URLs) as plain runs, URLs as links."""
    text = re.sub(r"[`*]", "", text)
    runs: Inline = []
    pos = 0
    for m in re.finditer(r"https?://[^\s)]+", text):
        if m.start() > pos:
            runs.append(_text(text[pos:m.start()]))
        url = m.group(0).rstrip(".,;")
        runs.append(Run("url", url, url))
        pos = m.start() + len(url)
    if pos < len(text):
        runs.append(_text(text[pos:]))
    return runs


def _facts_runs(section: Section) -> dict[str, Run]:
    """A notebook's recorded facts as numbers of the summary (each keeps where it came from:
    '01:facts.first_rate')."""
    return {k: Run("num", str(v), f"{section.number}:facts.{k}")
            for k, v in section.facts().items()}


def summary(doc: Document, sections: dict[str, Section], province: str) -> None:
    """The one-page summary: one sentence per notebook, its numbers the facts the notebook
    recorded (formatted there by `analysis.show.words`), each sentence pointing to the
    section's figures."""
    items: list[Inline] = []
    for number, section in sections.items():
        facts = _facts_runs(section)
        if not facts:
            continue
        try:
            template = t(f"rep_sum_{number}", doc.lang)
        except KeyError:
            continue
        items.append(fill(template, **facts) + _fig_refs(doc, doc.section_figs.get(number, [])))
    doc.bullets(items, "rep-summary")


def _fig_refs(doc: Document, figs: Sequence[Figure]) -> Inline:
    if not figs:
        return []
    refs = [[doc.ref("fig", f.number)] for f in figs]
    return [_text(f" ({t('rep_see', doc.lang)} "), *_join(refs), _text(")")]


def _kind_name(kind: str | None, lang: str) -> str:
    try:
        return t(f"val_{kind}", lang)
    except KeyError:
        return str(kind)


def section_title(section: Section, lang: str) -> str:
    """The section's title: the notebook's own title output ('## 01 · …') in `lang`, else the
    language's half of its bilingual header ('# 05 · Bối cảnh cả nước / National context')."""
    for cell in section.nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            md = out.get("data", {}).get("text/markdown")
            if md:
                m = _TITLE_RE.match(str(md).splitlines()[0])
                if m:
                    return m.group(1)
                break

    title = notebook_title(section.nb) or section.name
    title = re.sub(r"^\d{2}\s*·\s*", "", title)
    halves = [h.strip() for h in title.split(" / ")]
    return halves[0] if lang == "vi" or len(halves) < 2 else halves[1]


def _adjust_markdown(md: str, has_title: bool, first: bool) -> str:
    """Drop the notebook's own title line (it is the section heading) and, when there was
    one, promote the notebook's other headings one level (### → ##)."""
    if has_title and first:
        lines = md.splitlines()
        if lines and _TITLE_RE.match(lines[0]):
            md = "\n".join(lines[1:]).lstrip("\n")
    if has_title:
        md = _HEADING_RE.sub(lambda m: ("#" * max(2, len(m.group(1)) - 1)) + m.group(2)
                             + m.group(3), md)
    md = re.sub(r"\]\(\.\./source/", "](source/", md)  # links made for reports/html/
    return md


def notebook_section(doc: Document, section: Section, province: str) -> None:
    """One notebook's markdown, tables and figures, in order, without code: figures and
    tables are the outputs the notebook recorded (by label), each with its recorded caption
    and ids; displayed captions and recorded facts are not repeated."""
    lang = doc.lang
    title = section_title(section, lang)
    doc.heading(section.anchor, f"{int(section.number)} · {title}")
    has_title = any(_TITLE_RE.match(str(o.get("data", {}).get("text/markdown", "")).split("\n")[0])
                    for c in section.nb.cells if c.cell_type == "code"
                    for o in c.get("outputs", []))
    first_md, anchors, header_seen = True, [], False
    for cell in section.nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if INJECTED_TAG in tags or PARAMETERS_TAG in tags:
            continue
        if cell.cell_type == "markdown":
            if not header_seen and re.match(r"^\s*#\s", cell.source):
                header_seen = True  # the bilingual static header: the section heading says it
                continue
            doc.markdown(_adjust_markdown(cell.source, has_title, False))
            continue
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") not in ("display_data", "execute_result") \
                    or is_caption(out):
                continue  # streams (warnings), errors and shown captions are not content
            rec = record_of(out)
            if rec is not None and rec.kind == "figure":
                caption = rec.caption or t("rep_fig_generic", lang, section=int(section.number))
                anchors.append(doc.figure([_text(caption)], rec.data.get("image/svg+xml"),
                                          list(rec.ids), None))
            elif rec is not None and rec.kind == "table":
                caption = rec.caption or t("rep_tab_generic", lang, section=int(section.number))
                out = copy.deepcopy(out)  # its links were made for reports/html/
                out["data"]["text/html"] = str(out["data"]["text/html"]).replace(
                    'href="../source/', 'href="source/')
                doc.table([_text(caption)], out)
            elif rec is None and "text/markdown" in out.get("data", {}):
                doc.markdown(_adjust_markdown(str(out["data"]["text/markdown"]), has_title,
                                              first_md))
                first_md = False
            # facts and text/plain only (return values): not report content
    doc.section_figs[section.number] = anchors


def methods(doc: Document, audit_section: Section) -> None:
    lang = doc.lang
    doc.heading("sec-methods", t("rep_sec_methods", lang))
    doc.subheading(t("rep_methods_extract_h", lang))
    doc.para([_text(t("rep_methods_extract", lang))])
    doc.subheading(t("rep_methods_audit_h", lang))
    doc.para([_text(t("rep_methods_audit", lang))])
    items = []
    for i, row in enumerate(audit_section.facts("key-values").get("summary") or []):
        counts = {f"n_{s}": Run("num", fmt_num(row.get(s, 0), lang, 0),
                                f"04:key-values.summary.{i}.{s}")
                  for s in ("pass", "fail", "flag")}
        items.append(fill(t("rep_methods_audit_item", lang), kind=_kind_name(row.get("kind"), lang),
                          check=str(row.get("check_id")), **counts))
    if items:
        doc.bullets(items)
    doc.subheading(t("rep_methods_measures_h", lang))
    doc.para([_text(t("rep_methods_measures", lang))])


def sources_section(doc: Document, meta: dict[str, Any], entries: list[SourceEntry]) -> None:
    lang = doc.lang
    doc.heading("sec-sources", t("rep_sec_sources", lang))
    doc.subheading(t("rep_sources_article_h", lang))
    doc.para(fill(t("rep_sources_article", lang), title=str(meta["title"]),
                  byline=str(meta["byline"]), published=_published(meta, lang),
                  file=str(meta["file"]), sha256=str(meta.get("sha256", "—"))))
    doc.para([_text(t("rep_sources_intro", lang))])
    groups: dict[str, list[SourceEntry]] = {}
    for e in entries:
        groups.setdefault(e.group, []).append(e)
    for group, items in groups.items():
        doc.subheading(re.sub(r"[`*]", "", group))
        lis_html, lis_typ = [], []
        for e in items:
            runs: Inline = [Run("strong", e.id)]
            for part in (e.title, e.publisher, e.address):
                if part:
                    runs += [_text(". "), *_md_inline(part)]
            anchor = source_anchor(e.id)
            lis_html.append(f'<li id="{anchor}">{render_html(runs, doc.links)}</li>')
            lis_typ.append(f"[#block[{render_typst(runs, doc.links)}] <{anchor}>]")
        doc.both(f'<ul class="rep-sources">{"".join(lis_html)}</ul>',
                 "#list(" + ", ".join(lis_typ) + ")")


CSS = """
.rep-cover{border-bottom:2px solid #1b6ca8;margin-bottom:1.5rem;padding-bottom:1rem}
.rep-cover h1.rep-title{font-size:2rem;margin:.2rem 0}
.rep-cover table{border-collapse:collapse}.rep-cover td{padding:.15rem .8rem .15rem 0;border:0}
.rep-h1{border-top:1px solid #ccc;padding-top:1rem;margin-top:2.5rem}
.rep-figure{margin:1rem 0 1.5rem}.rep-figure svg.rep-svg{max-width:100%;height:auto;display:block;
margin:0 auto}.rep-figure figcaption,.rep-caption{font-size:.9rem;color:#333}
.rep-table-caption{margin-bottom:.2rem}.rep-summary li{margin-bottom:.5rem}
.rep-num{font-variant-numeric:tabular-nums}.rep-sources li{margin-bottom:.3rem}
"""


def cover(doc: Document, meta: dict[str, Any], province: str, built: str, commit: str) -> None:
    lang = doc.lang
    title = t("rep_title", lang)
    sub = t("rep_subtitle", lang, province=province)
    rows = [(t("rep_cover_article", lang), f"“{meta['title']}”"),
            (t("rep_cover_byline", lang), str(meta["byline"])),
            (t("rep_cover_published", lang), _published(meta, lang)),
            (t("rep_cover_built", lang), built),
            (t("rep_cover_version", lang), __version__),
            (t("rep_cover_commit", lang), commit)]
    tr = "".join(f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>"
                 for k, v in rows)
    typ_rows = ", ".join(f"[#strong[{_typ_str(k)}]], [{_typ_str(v)}]" for k, v in rows)
    doc.both(f'<header class="rep-cover"><h1 class="rep-title">{html.escape(title)}</h1>'
             f"<p><i>{html.escape(sub)}</i></p><table>{tr}</table>"
             f"<p>{html.escape(t('rep_cover_note', lang))}</p></header>",
             f'#align(center)[#v(3cm)#text(size: 22pt, weight: "bold")[{_typ_str(title)}]'
             f"#v(0.6cm)#text(size: 13pt, style: \"italic\")[{_typ_str(sub)}]]\n#v(1.5cm)\n"
             f"#align(center)[#table(columns: 2, align: left, stroke: none, {typ_rows})]\n"
             f"#v(1cm)\n#align(center)[#text(size: 9pt)[{_typ_str(t('rep_cover_note', lang))}]]")


def contents(doc: Document, insert_at: int) -> None:
    """Contents (sections, figures, tables) inserted at `insert_at` once everything exists."""
    lang = doc.lang
    lis = "".join(f'<li><a href="#{a}">{html.escape(title)}</a></li>'
                  for a, title in doc.headings)
    figs = [[doc.ref("fig", f.number), _text(". "), *f.caption] for f in doc.figures]
    tabs = [[doc.ref("tab", n), _text(". "), *cap] for n, _a, cap in doc.tables]

    def block(title: str, items: list[Inline]) -> tuple[str, str]:
        return (f"<h2>{html.escape(title)}</h2><ul>"
                + "".join(f"<li>{render_html(i, doc.links)}</li>" for i in items) + "</ul>",
                f"#heading(level: 2, outlined: false)[{_typ_str(title)}]\n"
                + "#list(" + ", ".join(f"[{render_typst(i, doc.links)}]" for i in items) + ")")

    fh, ft = block(t("rep_list_figures", lang), figs)
    th, tt = block(t("rep_list_tables", lang), tabs)
    html_src = (f'<nav id="toc" class="rep-toc"><h2>{html.escape(t("rep_toc", lang))}</h2>'
                f"<ol>{lis}</ol>{fh}{th}</nav>")
    typ_src = (f"#v(2cm)\n#outline(title: [{_typ_str(t('rep_toc', lang))}],"
               f" depth: 2)\n{ft}\n{tt}")
    doc.cells[insert_at:insert_at] = [_raw(html_src, "html"), _raw(typ_src, "typst")]


# --------------------------------------------------------------------------------------------
# Building


def assemble(sections: list[Section], lang: str, *, province: str,
             source_page: str | None = None,
             built: str | None = None, commit: str | None = None,
             meta: dict[str, Any] | None = None,
             sources: list[SourceEntry] | None = None) -> tuple[NotebookNode, Document]:
    """The replication report as one notebook (raw per-format cells + kept outputs)."""
    lang = check_lang(lang)
    meta = meta or article_meta()
    sources = sources if sources is not None else read_sources()
    links = Links(lang, source_page, frozenset(e.id for e in sources))
    doc = Document(lang, links)
    by_number = {s.number: s for s in sections}
    cover(doc, meta, province, built or dt.date.today().isoformat(), commit or git_commit())
    toc_at = len(doc.cells)
    doc.heading("sec-summary", t("rep_sec_summary", lang))
    summary_at = len(doc.cells)
    for s in sections:
        notebook_section(doc, s, province)
    methods(doc, by_number["04"])
    sources_section(doc, meta, sources)
    # the summary refers to figures, so it is written once they are numbered
    tail, doc.cells = doc.cells[summary_at:], doc.cells[:summary_at]
    summary(doc, by_number, province)
    doc.cells += tail
    contents(doc, toc_at)
    style = f"<style>{CSS}</style>"
    doc.cells.insert(0, _raw(style, "html"))
    nb = nbformat.v4.new_notebook()
    nb.cells = doc.cells
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb, doc


def build_replication(reports_dir: Path = paths.REPORTS, lang: str = "vi", *,
                      province: str | None = None, formats: Sequence[str] = FORMATS,
                      config: Path | None = None, built: str | None = None) -> list[Path]:
    """Write reports_dir/replication_<lang>.html and .pdf from the executed notebooks.

    The annotated article (reports_dir/source/…) is written first when it is missing, so the
    HTML's claim links resolve. Returns the paths written.
    """

    lang = check_lang(lang)
    reports_dir = Path(reports_dir)
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise UserError(f"unknown format {bad[0]!r}", where="formats",
                        fix=f"use some of: {', '.join(FORMATS)}")
    province = resolve_province(province) if province else default_province()
    sections = read_sections(reports_dir, lang, province, config)
    page = reports_dir / "source" / page_name(paths.ARTICLE.stem, lang)
    if "html" in formats and not page.is_file():
        annotate.write_annotated(paths.ARTICLE, page.parent, lang)
    nb, _doc = assemble(sections, lang, province=province,
                        source_page=source_page(lang, base="source"), built=built)
    title = t("rep_title", lang)
    written = []
    if "html" in formats:
        out = reports_dir / f"replication_{lang}.html"
        write_atomic(out, export.to_html(nb, include_code=False, title=title, lang=lang,
                                         source=out))
        written.append(out)
    if "pdf" in formats:
        appendix = (f"#block(width: 100%)[] <{APPENDIX_LABEL}>\n"
                    + annotate.article_appendix(lang))
        pdf = export.to_pdf(nb, include_code=False, title=title, lang=lang, source=None,
                            appendix=appendix)
        out = reports_dir / f"replication_{lang}.pdf"
        write_atomic(out, pdf)
        written.append(out)
    return written
