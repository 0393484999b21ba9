"""The annotated source: the article as a page with every extracted claim and lesson marked.

A reader who doubts a number should reach the sentence it came from in one click. The page
shows the article body only (headline, dateline, lead, section headings, paragraphs, byline)
and builds its markup from the extractors' character offsets into `Article.text`:

* every claim is highlighted by status (actual / estimate / target) with its id after it and a
  hover note (value, unit, indicator, period, place, claim id, and the article's own words that
  set its period and status — the claims frame's cue offsets); anchor ``id="claim-<id>"``;
* every lesson is outlined, labelled with its id, ordinal, place and theme names; anchor
  ``id="lesson-<id>"``;
* claims inside lessons nest; spans that overlap without nesting, or run across two blocks,
  are split into fragments — only the first fragment carries the anchor, so every id has
  exactly one anchor; every fragment carries ``data-claim="<id>"`` / ``data-lesson="<id>"``.

Everything from the source or a parameter goes through `html.escape`; the page has inline CSS
only (no script, nothing from another host) and no timestamp, so a re-run writes the same bytes.
`annotated_typst` renders the same markup as Typst for a PDF appendix; `source_link`,
`source_caption` and `figure_caption` (a figure's ids; tables link theirs through
`analysis.show.tables.typeset`) (the audit tables) give
notebooks links into the page.

File names: ``reports/source/<stem>.html`` is the page with Vietnamese apparatus (legend, notes,
theme names), ``<stem>_en.html`` the English one; the article text is the same Vietnamese in
both. Notebooks rendered in English link to the ``_en`` page (`source_page("en")`).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from analysis.data import paths
from analysis.data.codebook import load_codebook
from analysis.data.files import write_atomic
from analysis.data.processed import load_claims, load_lesson_themes, load_lessons
from analysis.errors import UserError
from analysis.reading.article import Article, load_article
from analysis.reading.claims import extract_article_claims
from analysis.reading.lessons import extract_article_lessons
from analysis.reading.themes import code_lessons, effective_themes
from analysis.show.i18n import check_lang, fmt_num, t
from analysis.show.links import DEFAULT_PAGE, anchor, page_name, source_link, source_page
from analysis.show.style import PALETTE, SOURCE_IDS_ATTR

#: Block kinds shown on the page (the article body; no chrome, teasers or captions).
RENDER_KINDS = ("dateline", "headline", "lead", "heading", "paragraph", "byline")
#: Claim statuses, each with its own colour (the figures' colours from `analysis.show.style`).
STATUSES = ("actual", "estimate", "target")
#: Where annotated pages are written.
SOURCE_DIR = paths.REPORTS / "source"

LESSON_COLOUR = "#7b5ea7"
_BORDER = {"actual": "solid", "estimate": "dashed", "target": "dotted"}
_WS = re.compile(r"\s+")


def _md_escape(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]()<>#!|])", r"\\\1", text)


def source_caption(claims: Iterable[object] = (), lessons: Iterable[object] = (),
                   sources: Iterable[object] = (), *, lang: str = "vi",
                   page: str = DEFAULT_PAGE, fmt: str = "markdown") -> str:
    """One caption line linking claim and lesson ids to their anchors; `sources` as plain text.

    ``source_caption(["phu-yen-c1"], sources=["gso_2016"])`` →
    ``'Trong bài: [phu-yen-c1](../source/….html#claim-phu-yen-c1) · nguồn: gso_2016'``.
    `fmt` is "markdown" (notebook markdown / captions) or "html" (escaped, for tables).
    Ids repeat only once, in the order given; nothing given → ''.
    """
    check_lang(lang)
    if fmt not in ("markdown", "html"):
        raise UserError(f"unknown caption format {fmt!r}", where="parameter fmt",
                        fix="use 'markdown' or 'html'")
    links = []
    for kind, ids in (("claim", claims), ("lesson", lessons)):
        for i in dict.fromkeys(str(x) for x in ids if x is not None and str(x)):
            url = source_link(kind, i, page=page)
            links.append(f'<a href="{html.escape(url)}">{html.escape(i)}</a>' if fmt == "html"
                         else f"[{_md_escape(i)}]({url})")
    other = [str(s) for s in dict.fromkeys(sources) if s is not None and str(s)]
    esc = html.escape if fmt == "html" else _md_escape
    parts = []
    if links:
        parts.append(f"{esc(t('annotate_caption_prefix', lang))}: {', '.join(links)}")
    if other:
        parts.append(f"{esc(t('annotate_sources_prefix', lang))}: "
                     f"{', '.join(esc(s) for s in other)}")
    return " · ".join(parts)


#: A claim id ('c01'); a lesson id is '<place slug>-<ordinal>' ('phu-yen-2'). Anything else a
#: figure names (e.g. 'res80_text', 'gso_pov_prov') is a source id, shown as plain text.
CLAIM_ID = re.compile(r"c\d+")
LESSON_ID = re.compile(r"[a-z]+(?:-[a-z]+)*-\d+")
#: Table columns whose cells are claim / lesson ids (several joined by ';', as in the audit).
ID_COLUMNS = {"claim_id": "claim", "claim_ids": "claim", "same_as": "claim",
              "lesson_id": "lesson", "lesson_ids": "lesson"}


def figure_caption(fig: object, lang: str = "vi", *, page: str | None = None) -> str:
    """Markdown caption for a figure: its claim and lesson ids linked to the annotated article.

    Reads the ids `style.add_source` kept on the figure (an Axes works too: its figure is
    used), splits them into claims (`CLAIM_ID`), lessons (`LESSON_ID`) and sources, and
    renders them with `source_caption` for the page of `lang` (default `source_page(lang)`,
    as seen from reports/html/). A figure without ids gets ''.
    """
    owner = getattr(fig, "figure", None)  # an Axes' figure; a Figure's is itself
    fig = fig if owner is None else owner
    ids = [str(i) for i in getattr(fig, SOURCE_IDS_ATTR, None) or ()]
    claims = [i for i in ids if CLAIM_ID.fullmatch(i)]
    lessons = [i for i in ids if i not in claims and LESSON_ID.fullmatch(i)]
    sources = [i for i in ids if i not in claims and i not in lessons]
    return source_caption(claims, lessons, sources, lang=lang,
                          page=source_page(lang) if page is None else page)


# --------------------------------------------------------------------------------------------
# Spans and the markup built from their offsets


@dataclass(frozen=True)
class _Span:
    kind: str  # claim | lesson
    id: str
    start: int
    end: int
    status: str  # a claim's status ("" for lessons)
    label: str  # shown on the page: claim id / lesson id, ordinal, place, themes
    note: str  # the hover note (claims)
    quote: str

    @property
    def order(self) -> tuple[int, int, int, str]:
        """Outer spans first: earlier start, then longer, then lessons before claims."""
        return (self.start, -self.end, 0 if self.kind == "lesson" else 1, self.id)


def _tokens(text: str, lo: int, hi: int, spans: list[_Span], opened: set[tuple[str, str]]
            ) -> Iterator[tuple[str, object, bool]]:
    """Well-nested open/text/close tokens for `text[lo:hi]` with `spans` clipped to it.

    The text is cut at every span boundary; each piece is wrapped in the spans covering it,
    outermost first. A span broken by one it overlaps (or by the block's end) is closed and
    opened again: ("open", span, first) says whether this is its first fragment (the one
    that carries the anchor); ("close", span, at_end) whether the span ends there.
    """
    inside = sorted((s for s in spans if s.start < hi and s.end > lo), key=lambda s: s.order)
    cuts = sorted({lo, hi, *(min(hi, max(lo, p)) for s in inside for p in (s.start, s.end))})
    stack: list[_Span] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        active = [s for s in inside if s.start <= a and s.end >= b]
        k = 0
        while k < min(len(stack), len(active)) and stack[k] is active[k]:
            k += 1
        for s in reversed(stack[k:]):
            yield "close", s, s.end == a
        for s in active[k:]:
            key = (s.kind, s.id)
            yield "open", s, key not in opened
            opened.add(key)
        stack = active
        yield "text", text[a:b], False
    for s in reversed(stack):
        yield "close", s, s.end == hi


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _text(value: object) -> str:
    return "" if _is_missing(value) else str(value)


def _norm(s: str) -> str:
    return _WS.sub(" ", s).strip()


def _check_frame(frame: pd.DataFrame | None, kind: str, text_col: str, id_col: str,
                 text: str) -> pd.DataFrame:
    """The frame with its span columns checked against the article text."""
    where = f"parameter {kind}s"
    if frame is None:
        return pd.DataFrame(columns=[id_col, "start", "end", text_col])
    missing = [c for c in (id_col, "start", "end", text_col) if c not in frame.columns]
    if missing:
        raise UserError(f"{kind}s table lacks column {missing[0]!r}", where=where,
                        fix=f"pass the frame from analysis.{kind}s.extract_article_{kind}s")
    seen: set[str] = set()
    for i, row in enumerate(frame.itertuples(index=False)):
        rid = _text(getattr(row, id_col))
        here = f"{where}, row {i} ({kind} {rid!r})"
        if not rid or _WS.search(rid):
            raise UserError(f"{kind} id {rid!r} is empty or contains spaces", where=here,
                            fix="give every row an id without spaces (it becomes an anchor)")
        if rid in seen:
            raise UserError(f"{kind} id {rid!r} appears twice", where=here,
                            fix="give every row its own id (each id gets one anchor)")
        seen.add(rid)
        start, end = row.start, row.end
        if _is_missing(start) or _is_missing(end) or not 0 <= int(start) < int(end) <= len(text):
            raise UserError(f"span {start}–{end} is not inside the article text "
                            f"(0–{len(text)})", where=here,
                            fix="extract from this article (offsets index Article.text)")
        if _norm(text[int(start):int(end)]) != _norm(_text(getattr(row, text_col))):
            raise UserError(f"the {text_col} does not match the article text at "
                            f"{int(start)}–{int(end)}", where=here,
                            fix=f"extract with analysis.{kind}s.extract_article_{kind}s on the "
                            "same article (offsets index Article.text)")
    return frame


def _unit(unit: str, lang: str) -> str:
    try:
        return t(f"annotate_unit_{unit}", lang)
    except KeyError:
        return unit.replace("_", " ")


def format_value(row: object, lang: str = "vi") -> str:
    """A claim's value as a reader of `lang` writes it: '3,93%', '37.600 hộ', '4–5%'."""
    value = getattr(row, "value", None)
    if _is_missing(value):
        return ""
    text = fmt_num(float(value), lang)
    value_max = getattr(row, "value_max", None)
    if not _is_missing(value_max):
        text = f"{text}–{fmt_num(float(value_max), lang)}"
    unit = _text(getattr(row, "unit", None))
    if unit == "percent":
        text += "%"
    elif unit:
        text = f"{text} {_unit(unit, lang)}"
    qualifier = _text(getattr(row, "qualifier", None))
    return f"{text} ({qualifier})" if qualifier else text


def _cue_words(text: str, row: object, field: str) -> str:
    """The words of `text` a claim's period / base / status was read from, quoted, or ''."""
    start = getattr(row, f"{field}_cue_start", None)
    end = getattr(row, f"{field}_cue_end", None)
    if _is_missing(start) or _is_missing(end) or not 0 <= int(start) < int(end) <= len(text):
        return ""
    words = _norm(text[int(start):int(end)])
    return f"«{words if len(words) <= 80 else words[:79] + '…'}»"


def _cue_lines(text: str, row: object, lang: str) -> list[str]:
    """Where the claim's period and status came from: the article's own words."""
    lines = []
    period = " + ".join(w for w in (_cue_words(text, row, "period"),
                                    _cue_words(text, row, "base")) if w)
    if period:
        lines.append(t("annotate_period_from", lang, words=period))
    status = _cue_words(text, row, "status")
    if status:
        lines.append(t("annotate_status_from", lang, words=status))
    return lines


def _claim_spans(claims: pd.DataFrame, lang: str, text: str) -> list[_Span]:
    out = []
    for row in claims.itertuples(index=False):
        status = _text(getattr(row, "status", None))
        period = _text(getattr(row, "period", None))
        timepoint = _text(getattr(row, "timepoint", None))
        when = " ".join(x for x in (period, f"({timepoint})" if timepoint else "") if x)
        same = _text(getattr(row, "same_as", None))
        lines = [
            f"{t('annotate_claim', lang)} {row.claim_id} · "
            + (t(status, lang) if status in STATUSES else status or "?"),
            format_value(row, lang),
            " · ".join(x for x in (_text(getattr(row, "indicator", None)), when) if x),
            _text(getattr(row, "place", None)),
            t("annotate_same_as", lang, id=same) if same and same != str(row.claim_id) else "",
            *_cue_lines(text, row, lang),
        ]
        out.append(_Span("claim", str(row.claim_id), int(row.start), int(row.end),
                         status if status in STATUSES else "other", str(row.claim_id),
                         "\n".join(x for x in lines if x), str(row.quote)))
    return out


def _theme_names(lesson_themes: pd.DataFrame | None, lang: str, codebook: tuple | None
                 ) -> dict[str, list[str]]:
    """lesson_id → theme names in `lang`, in codebook order, after a coder's decisions."""
    if lesson_themes is None or lesson_themes.empty:
        return {}
    for col in ("lesson_id", "theme_id"):
        if col not in lesson_themes.columns:
            raise UserError(f"lesson-themes table lacks column {col!r}",
                            where="parameter lesson_themes",
                            fix="pass the frame from analysis.reading.themes.code_lessons")
    coded = (effective_themes(lesson_themes) if "coder_override" in lesson_themes.columns
             else lesson_themes)
    codebook = load_codebook() if codebook is None else codebook
    names = {th.id: (th.name_vi if lang == "vi" else th.name_en) for th in codebook}
    rank = {th.id: k for k, th in enumerate(codebook)}
    out: dict[str, list[str]] = {}
    pairs = sorted(set(zip(coded["lesson_id"].astype(str), coded["theme_id"].astype(str),
                           strict=True)), key=lambda p: (p[0], rank.get(p[1], len(rank)), p[1]))
    for lesson_id, theme_id in pairs:
        out.setdefault(lesson_id, []).append(names.get(theme_id, theme_id))
    return out


def _lesson_label(row: object, themes: list[str], lang: str) -> str:
    ordinal = _text(getattr(row, "ordinal", None))
    place = _text(getattr(row, "place", None))
    head = " · ".join(x for x in (f"{t('annotate_lesson', lang)} {ordinal}".strip(), place,
                                  str(row.lesson_id)) if x)
    return f"{head} — {'; '.join(themes) if themes else t('annotate_no_theme', lang)}"


def _lesson_spans(lessons: pd.DataFrame, theme_names: dict[str, list[str]], lang: str
                  ) -> list[_Span]:
    return [_Span("lesson", str(row.lesson_id), int(row.start), int(row.end), "",
                  _lesson_label(row, theme_names.get(str(row.lesson_id), []), lang), "",
                  str(row.text))
            for row in lessons.itertuples(index=False)]


def _spans(article: Article, claims: pd.DataFrame | None, lessons: pd.DataFrame | None,
           lesson_themes: pd.DataFrame | None, lang: str, codebook: tuple | None
           ) -> tuple[pd.DataFrame, pd.DataFrame, list[_Span]]:
    claims = _check_frame(claims, "claim", "quote", "claim_id", article.text)
    lessons = _check_frame(lessons, "lesson", "text", "lesson_id", article.text)
    themes = _theme_names(lesson_themes, lang, codebook)
    return claims, lessons, (_claim_spans(claims, lang, article.text)
                             + _lesson_spans(lessons, themes, lang))


# --------------------------------------------------------------------------------------------
# HTML


def _tint(hex_colour: str, share: float) -> str:
    """`hex_colour` mixed with white (share of the colour 0..1): a readable background."""
    rgb = [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c * share + 255 * (1 - share)):02x}" for c in rgb)


def _css() -> str:
    status_rules = "\n".join(
        f".claim.{s}, .swatch.{s} {{ background: {_tint(PALETTE[s], 0.3)}; "
        f"border-bottom: 2px {_BORDER[s]} {PALETTE[s]}; }}" for s in STATUSES)
    return f"""
body {{ font-family: Georgia, "Noto Serif", "DejaVu Serif", "Times New Roman", serif;
  max-width: 46rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.75; color: #222;
  background: #fff; }}
header.meta, aside.legend, section.index {{ font-family: system-ui, "DejaVu Sans", sans-serif;
  font-size: .9rem; line-height: 1.5; }}
header.meta .kicker {{ font-weight: 600; color: #555; margin-bottom: .2rem; }}
aside.legend {{ border: 1px solid #ddd; border-radius: 6px; padding: .5rem .8rem;
  margin: 1rem 0 2rem; background: #fafafa; }}
aside.legend h2 {{ font-size: .95rem; margin: 0 0 .3rem; }}
aside.legend ul {{ list-style: none; margin: 0; padding: 0; }}
aside.legend li {{ margin: .2rem 0; }}
.swatch {{ display: inline-block; min-width: 4.5em; padding: 0 .3em; margin-right: .5em;
  text-align: center; }}
article h1 {{ font-size: 1.7rem; line-height: 1.3; }}
article h2 {{ font-size: 1.25rem; margin-top: 2rem; }}
article .dateline, article .byline {{ color: #555; font-family: system-ui, sans-serif;
  font-size: .9rem; }}
article .byline {{ text-align: right; font-weight: 600; }}
article .lead {{ font-weight: 600; }}
.claim {{ position: relative; padding: 0 .1em; border-radius: 2px; cursor: help;
  -webkit-box-decoration-break: clone; box-decoration-break: clone; }}
{status_rules}
.claim.other, .swatch.other {{ background: #eee; border-bottom: 2px solid #999; }}
.claim[data-tag]::after {{ content: attr(data-tag); font: 600 .6rem/1 ui-monospace,
  "DejaVu Sans Mono", monospace; vertical-align: super; margin-left: .15em; color: #444; }}
.claim[data-note]:hover::after, .claim[data-note]:focus::after {{ content: attr(data-note);
  position: absolute; left: 0; top: 100%; z-index: 10; width: max-content; max-width: 22rem;
  white-space: pre-line; vertical-align: baseline; margin: .2rem 0 0; padding: .4rem .55rem;
  font: .8rem/1.45 system-ui, "DejaVu Sans", sans-serif; color: #222; background: #fffef2;
  border: 1px solid #999; border-radius: 4px; box-shadow: 0 2px 6px rgba(0, 0, 0, .2); }}
.lesson, .swatch.lesson {{ border: 1.5px solid {LESSON_COLOUR}; border-radius: 4px;
  padding: .05em .2em; -webkit-box-decoration-break: clone; box-decoration-break: clone; }}
.lesson[data-label]::before {{ content: attr(data-label); font: 600 .7rem/1.3 system-ui,
  "DejaVu Sans", sans-serif; color: #fff; background: {LESSON_COLOUR}; padding: .05em .4em;
  margin-right: .4em; border-radius: 3px; }}
:target {{ outline: 3px solid {PALETTE["highlight"]}; outline-offset: 2px; }}
section.index table {{ border-collapse: collapse; width: 100%; font-size: .8rem; }}
section.index th, section.index td {{ border-bottom: 1px solid #e2e2e2; padding: .25rem .35rem;
  text-align: left; vertical-align: top; }}
section.index td.num {{ white-space: nowrap; }}
@media print {{ .claim[data-note]:hover::after {{ content: attr(data-tag); position: static;
  border: 0; box-shadow: none; background: none; padding: 0; font-size: .6rem; }} }}
"""


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def _html_open(span: _Span, first: bool) -> str:
    if span.kind == "claim":
        attrs = (f'class="claim {span.status}{"" if first else " cont"}"'
                 f' data-claim="{_attr(span.id)}"')
        if first:
            attrs += (f' id="{_attr(anchor("claim", span.id))}" tabindex="0"'
                      f' data-tag="{_attr(span.label)}" data-start="{span.start}"'
                      f' data-end="{span.end}"')
        return f'<span {attrs} data-note="{_attr(span.note)}">'
    attrs = f'class="lesson{"" if first else " cont"}" data-lesson="{_attr(span.id)}"'
    if first:
        attrs += (f' id="{_attr(anchor("lesson", span.id))}" data-label="{_attr(span.label)}"'
                  f' data-start="{span.start}" data-end="{span.end}"')
    return f"<span {attrs}>"


def _html_spans(text: str, lo: int, hi: int, spans: list[_Span],
                opened: set[tuple[str, str]]) -> str:
    parts = []
    for what, item, flag in _tokens(text, lo, hi, spans, opened):
        if what == "open":
            parts.append(_html_open(item, flag))  # type: ignore[arg-type]
        elif what == "close":
            parts.append("</span>")
        else:
            parts.append(html.escape(str(item)))
    return "".join(parts)


_TAGS = {"headline": "h1", "heading": "h2"}


def _status_name(status: str, lang: str) -> str:
    return t(status, lang) if status in STATUSES else status


def _index_tables(claims: pd.DataFrame, lessons: pd.DataFrame, spans: list[_Span], lang: str
                  ) -> str:
    """Tables of every claim and lesson, each row linking to its anchor (no ids of their own)."""
    by_id = {(s.kind, s.id): s for s in spans}
    out = ['<section class="index">']
    if len(claims):
        cols = ("annotate_col_id", "annotate_col_quote", "annotate_col_value",
                "annotate_col_indicator", "annotate_col_period", "annotate_col_place",
                "annotate_col_status")
        out.append(f"<h2>{html.escape(t('annotate_claims_heading', lang))}</h2>")
        out.append("<table><thead><tr>" + "".join(f"<th>{html.escape(t(c, lang))}</th>"
                                                   for c in cols) + "</tr></thead><tbody>")
        for row in claims.itertuples(index=False):
            span = by_id[("claim", str(row.claim_id))]
            period = " ".join(x for x in (_text(getattr(row, "period", None)),
                                          _text(getattr(row, "timepoint", None))) if x)
            cells = [
                f'<a href="#{_attr(quote(anchor("claim", span.id), safe="-._~"))}">'
                f"{html.escape(span.id)}</a>",
                html.escape(span.quote),
                html.escape(format_value(row, lang)),
                html.escape(_text(getattr(row, "indicator", None))),
                html.escape(period),
                html.escape(_text(getattr(row, "place", None))),
                f'<span class="swatch {span.status}">'
                f"{html.escape(_status_name(_text(getattr(row, 'status', None)), lang))}</span>",
            ]
            out.append("<tr>" + "".join(
                f'<td{" class=num" if k == 2 else ""}>{c}</td>' for k, c in enumerate(cells))
                + "</tr>")
        out.append("</tbody></table>")
    if len(lessons):
        cols = ("annotate_col_id", "annotate_col_place", "annotate_col_ordinal",
                "annotate_col_themes", "annotate_col_text")
        out.append(f"<h2>{html.escape(t('annotate_lessons_heading', lang))}</h2>")
        out.append("<table><thead><tr>" + "".join(f"<th>{html.escape(t(c, lang))}</th>"
                                                   for c in cols) + "</tr></thead><tbody>")
        for row in lessons.itertuples(index=False):
            span = by_id[("lesson", str(row.lesson_id))]
            words = _norm(span.quote).split(" ")
            gist = " ".join(words[:14]) + (" …" if len(words) > 14 else "")
            cells = [
                f'<a href="#{_attr(quote(anchor("lesson", span.id), safe="-._~"))}">'
                f"{html.escape(span.id)}</a>",
                html.escape(_text(getattr(row, "place", None))),
                html.escape(_text(getattr(row, "ordinal", None))),
                html.escape(span.label.split(" — ", 1)[1]),
                html.escape(gist),
            ]
            out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        out.append("</tbody></table>")
    out.append("</section>")
    return "\n".join(out) if len(out) > 2 else ""


def annotate_html(article: Article, claims: pd.DataFrame | None, lessons: pd.DataFrame | None,
                  lesson_themes: pd.DataFrame | None = None, *, lang: str = "vi",
                  title: str | None = None, codebook: tuple | None = None) -> str:
    """The article body as one self-contained HTML page with every claim and lesson marked.

    `claims` / `lessons` are the frames of `analysis.reading.claims.extract_article_claims` and
    `analysis.reading.lessons.extract_article_lessons` (offsets into `article.text`; each quote/text
    is checked against the article), `lesson_themes` the frame of
    `analysis.reading.themes.code_lessons` (a coder's "remove"/"add" decisions are applied), with
    theme names from `codebook` (default: data/codebook.yml). `lang` sets the apparatus (legend,
    notes, theme names); the article stays as written. `title` replaces the page title.
    A span outside the body shown (e.g. in a caption) is listed after the article, with its
    anchor, so every id still has exactly one.
    """
    lang = check_lang(lang)
    claims, lessons, spans = _spans(article, claims, lessons, lesson_themes, lang, codebook)
    text = article.text
    opened: set[tuple[str, str]] = set()
    body = []
    for block in article.blocks:
        if block.kind not in RENDER_KINDS:
            continue
        tag = _TAGS.get(block.kind, "p")
        body.append(f'<{tag} class="{block.kind}" data-start="{block.start}" '
                    f'data-end="{block.end}">'
                    f"{_html_spans(text, block.start, block.end, spans, opened)}</{tag}>")
    outside = [s for s in spans if (s.kind, s.id) not in opened]
    if outside:
        heading = html.escape(t("annotate_outside_heading", lang))
        body.append(f'<section class="outside"><h2>{heading}</h2>'
                    f"<p>{html.escape(t('annotate_outside_intro', lang))}</p><ul>")
        for s in outside:
            body.append(f"<li>{_html_spans(text, s.start, s.end, [s], opened)}</li>")
        body.append("</ul></section>")

    headline = article.headline.text
    page_title = title if title is not None else t("annotate_page_title", lang, headline=headline)
    facts = []
    if article.source is not None:
        facts.append(f"{t('annotate_source_file', lang)}: {Path(article.source).name}")
    if article.published is not None:
        facts.append(f"{t('published', lang)}: {article.published.strftime('%d/%m/%Y %H:%M %z')}")
    facts.append(t("annotate_counts", lang, claims=len(claims), lessons=len(lessons)))
    legend = "".join(
        f'<li><span class="swatch {s}">{html.escape(t(s, lang))}</span>'
        f"{html.escape(t(f'annotate_legend_{s}', lang))}</li>" for s in STATUSES)
    legend += (f'<li><span class="swatch lesson">{html.escape(t("annotate_lesson", lang))}</span>'
               f"{html.escape(t('annotate_legend_lesson', lang))}</li>")
    return "\n".join([
        "<!DOCTYPE html>",
        f'<html lang="{lang}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(page_title)}</title>",
        f"<style>{_css()}</style>",
        "</head>",
        "<body>",
        '<header class="meta">',
        f'<p class="kicker">{html.escape(page_title)}</p>',
        f"<p>{html.escape(' · '.join(facts))}</p>",
        f'<p class="intro">{html.escape(t("annotate_intro", lang))}</p>',
        "</header>",
        f'<aside class="legend"><h2>{html.escape(t("annotate_legend", lang))}</h2>'
        f"<ul>{legend}</ul></aside>",
        "<main>",
        '<article lang="vi">',
        *body,
        "</article>",
        _index_tables(claims, lessons, spans, lang),
        "</main>",
        "</body>",
        "</html>",
        "",
    ])


# --------------------------------------------------------------------------------------------
# Typst (PDF appendix)


def typst_string(text: str) -> str:
    """`text` as a Typst string literal; in markup `#"…"` shows it verbatim (no markup)."""
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
               .replace("\r", " ").replace("\t", " "))
    return f'"{escaped}"'


def _typ_text(text: str) -> str:
    return f"#{typst_string(text)}" if text else ""


def _typst_spans(text: str, lo: int, hi: int, spans: list[_Span],
                 opened: set[tuple[str, str]]) -> str:
    parts = []
    for what, item, flag in _tokens(text, lo, hi, spans, opened):
        if what == "text":
            parts.append(_typ_text(str(item)))
            continue
        span: _Span = item  # type: ignore[assignment]
        if span.kind == "claim":
            fill = _tint(PALETTE.get(span.status, "#999999"), 0.3)
            if what == "open":
                parts.append(f'#highlight(fill: rgb("{fill}"))[')
            else:
                parts.append("]")
                if flag:  # the claim ends here: its id right after it
                    parts.append(f"#super(typographic: false, size: 7pt)[#text(fill: luma(60))"
                                 f"[{_typ_text(span.id)}]]")
        elif what == "open":
            if flag:
                parts.append(f'#text(size: 7pt, weight: "bold", fill: rgb("{LESSON_COLOUR}"))'
                             f"[{_typ_text('[' + span.label + ']')}] ")
            parts.append(f'#underline(stroke: (paint: rgb("{LESSON_COLOUR}"), thickness: 0.6pt,'
                         f' dash: "dotted"), offset: 2.5pt, evade: false)[')
        else:
            parts.append("]")
    return "".join(parts)


def annotated_typst(article: Article, claims: pd.DataFrame | None,
                    lessons: pd.DataFrame | None, lang: str = "vi",
                    lesson_themes: pd.DataFrame | None = None, *, heading: bool = True,
                    codebook: tuple | None = None) -> str:
    """The annotated article as a Typst fragment for a PDF appendix.

    Claims get a background colour by status and their id in superscript right after; each
    lesson starts with its label (id, ordinal, place, themes) and is underlined (dotted).
    Every piece of text is a Typst string literal, so nothing in the article is read as
    markup. The fragment is one scoped block (`#[ … ]`) with no page or font settings: append
    it to a document's Typst source (after `#pagebreak()`); `heading=False` leaves out its
    own level-1 heading and intro line.
    """
    lang = check_lang(lang)
    _claims, _lessons, spans = _spans(article, claims, lessons, lesson_themes, lang, codebook)
    text = article.text
    opened: set[tuple[str, str]] = set()
    out = ["#["]
    if heading:
        out.append(f"#heading(level: 1)[{_typ_text(t('annotate_appendix_heading', lang))}]")
        out.append("")
        legend = " ".join(
            f'#highlight(fill: rgb("{_tint(PALETTE[s], 0.3)}"))[{_typ_text(t(s, lang))}]'
            for s in STATUSES)
        out.append(f"#text(size: 8.5pt)[{_typ_text(t('annotate_appendix_intro', lang))} "
                   f"{legend}]")
        out.append("")
    for block in article.blocks:
        if block.kind not in RENDER_KINDS:
            continue
        inner = _typst_spans(text, block.start, block.end, spans, opened)
        if block.kind == "headline":
            inner = f'#text(size: 13pt, weight: "bold")[{inner}]'
        elif block.kind == "heading":
            inner = f'#text(weight: "bold")[{inner}]'
        elif block.kind in ("dateline", "byline"):
            inner = f"#text(size: 8.5pt, fill: luma(80))[{inner}]"
        elif block.kind == "lead":
            inner = f"#emph[{inner}]"
        out.append(inner)
        out.append("")
    outside = [s for s in spans if (s.kind, s.id) not in opened]
    if outside:
        out.append(f'#text(weight: "bold")[{_typ_text(t("annotate_outside_heading", lang))}]')
        out.append("")
        for s in outside:
            out.append(f"- {_typst_spans(text, s.start, s.end, [s], opened)}")
        out.append("")
    out.append("]")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------
# Files and the command


def article_appendix(lang: str = "vi", path: Path | None = None) -> str:
    """The article of record (or `path`), annotated, as Typst for a PDF appendix."""
    article = load_article(Path(path) if path is not None else paths.ARTICLE)
    claims, lessons, coded = read_layer(article)
    return annotated_typst(article, claims, lessons, lang, coded)


def read_layer(article: Article) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Claims, lessons and lesson × theme rows of `article`.

    The article of record is read from data/processed (the tables the reports use, a human
    coder's theme decisions included); any other text is read once through the reading layer
    and coded by the codebook's cues alone.
    """
    source = Path(article.source).resolve() if article.source is not None else None
    if source == paths.ARTICLE.resolve():
        return load_claims(), load_lessons(), load_lesson_themes()
    lessons = extract_article_lessons(article)
    return extract_article_claims(article), lessons, code_lessons(lessons, load_codebook())


def write_annotated(path: Path | str | None = None, out_dir: Path | str = SOURCE_DIR,
                    lang: str = "vi") -> Path:
    """Read a text file (default: the article in data/raw), annotate it, write the page.

    Writes `out_dir/<stem>.html` (lang "vi") or `out_dir/<stem>_en.html` atomically (temp
    file + os.replace) and returns its path. Any text the reading layer accepts works.
    """
    lang = check_lang(lang)
    path = Path(path) if path is not None else paths.ARTICLE
    article = load_article(path)
    claims, lessons, coded = read_layer(article)
    page = annotate_html(article, claims, lessons, coded, lang=lang)
    out = Path(out_dir) / page_name(path.stem, lang)
    write_atomic(out, page)
    return out


def main_annotate(path: Path | str | None = None, out_dir: Path | str = SOURCE_DIR,
                  lang: str | None = None) -> list[Path]:
    """`python -m analysis annotate [PATH] [--out DIR] [--lang vi|en]`: the written pages.

    Without `lang` both pages are written (`<stem>.html` and `<stem>_en.html`), so Vietnamese
    and English reports each have a page to link to.
    """
    langs = [check_lang(lang, "--lang")] if lang is not None else ["vi", "en"]
    return [write_annotated(path, out_dir, lg) for lg in langs]
