"""The pages a reader opens first, and the one a maintainer opens.

reports/index.html (Vietnamese) and reports/index_en.html (English) are landing pages: what the
package is, the article and its key findings (each number linked to its claim in the annotated
article), the replication report, the reports of notebooks 00–04, and a picker for the 63
province reports (type three letters, with or without diacritics; without JavaScript it is a
plain list). reports/build.html holds the build details: every report with its parameters,
status, build time, cache key and links. Every page is self-contained (inline CSS and script,
nothing fetched from another host); every text from the configuration, a notebook or a record
is HTML-escaped.
"""

from __future__ import annotations

import html
import re
import string
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from analysis.data.config import FORMATS, LANGS
from analysis.show.i18n import t
from analysis.show.links import source_link

#: Landing page of each language, and the build page, under reports/.
LANDING = {"vi": "index.html", "en": "index_en.html"}
BUILD_PAGE = "build.html"
#: The notebook whose reports the province picker lists (one per province and language).
PICKER_NOTEBOOK = "05"

LABELS = {  # (vi, en)
    "title": ("Báo cáo", "Reports"),
    "report": ("Báo cáo", "Report"),
    "notebook": ("Sổ tay", "Notebook"),
    "parameters": ("Tham số", "Parameters"),
    "status": ("Trạng thái", "Status"),
    "built_at": ("Dựng lúc", "Built at"),
    "seconds": ("Giây", "Seconds"),
    "links": ("Liên kết", "Links"),
    "ok": ("thành công", "ok"),
    "failed": ("lỗi", "failed"),
    "not built": ("chưa dựng", "not built"),
    "html": ("HTML", "HTML"),
    "html-nocode": ("HTML không mã", "HTML without code"),
    "pdf": ("PDF", "PDF"),
    "pdf-code": ("PDF kèm mã", "PDF with code"),
    "executed": ("sổ tay đã chạy", "executed notebook"),
    "error_nb": ("sổ tay lỗi", "failed notebook"),
    "last_good": ("bản tốt gần nhất", "last good version"),
    "generated": ("Tạo lúc", "Generated"),
    "summary": ("{ok} thành công, {failed} lỗi", "{ok} ok, {failed} failed"),
    "documents": ("Tài liệu", "Documents"),
    "source": ("Bài báo có chú thích số liệu", "The annotated article"),
    "replication": ("Báo cáo tái lập", "Replication report"),
}

CSS = """
body{font-family:"Libertinus Serif","DejaVu Serif",Georgia,serif;margin:2rem auto;max-width:72rem;
padding:0 1rem;color:#222}
h1{font-size:1.6rem;margin-bottom:.2rem}.en{color:#666}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#17612a;font-weight:bold}.failed{color:#a40000;font-weight:bold}
.not-built{color:#777}.err{color:#a40000;font-size:.85rem;white-space:pre-wrap}
code{font-family:"JetBrains Mono","DejaVu Sans Mono",monospace;font-size:.85rem}
a{color:#0b57a4}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _label(key: str, **values: object) -> str:
    vi, en = LABELS[key]
    return f'{_e(vi.format(**values))} <span class="en">/ {_e(en.format(**values))}</span>'


def _link(href: str, key: str) -> str:
    return f'<a href="{_e(quote(href))}">{_label(key)}</a>'


def _documents(documents: list[str]) -> str:
    """Links to the documents beside the reports (annotated source, replication report)."""
    if not documents:
        return ""
    items = []
    for href in documents:
        key = "source" if href.startswith("source/") else "replication"
        items.append(f'<li><a href="{_e(quote(href))}">{_label(key)}</a> '
                     f"<code>{_e(href)}</code></li>")
    return f"<h2>{_label('documents')}</h2>\n<ul>\n" + "\n".join(items) + "\n</ul>\n"


def render_build_page(manifest: dict[str, Any], documents: list[str] | None = None) -> str:
    """The build page for a manifest (see `analysis.build.engine`): every report with its
    parameters, status, build time and links, relative to reports/.

    `documents` are further pages under reports/ to link first (e.g. source/<stem>.html).
    """
    reports = manifest.get("reports", [])
    n_ok = sum(r.get("status") == "ok" for r in reports)
    n_failed = sum(r.get("status") == "failed" for r in reports)
    rows = []
    for r in reports:
        status = r.get("status", "not built")
        links = [_link(out["path"], fmt) for fmt in FORMATS
                 if (out := (r.get("outputs") or {}).get(fmt))]
        if r.get("executed"):
            links.append(_link(r["executed"], "executed"))
        if status == "failed" and links:
            links.insert(0, f"<em>{_label('last_good')}:</em>")
        if r.get("failed_notebook"):
            links.append(_link(r["failed_notebook"], "error_nb"))
        params = "<br>".join(f"<code>{_e(k)}</code> = <code>{_e(repr(v))}</code>"
                             for k, v in (r.get("parameters") or {}).items())
        err = r.get("error") or {}
        err_html = f'<div class="err">{_e(err.get("message", ""))}</div>' if err else ""
        built = r.get("built_at") or ""
        secs = r.get("seconds")
        rows.append(
            "<tr>"
            f'<td><b>{_e(r.get("name", ""))}</b>{err_html}</td>'
            f'<td><code>{_e(r.get("notebook", ""))}</code></td>'
            f"<td>{params}</td>"
            f'<td class="{_e(status.replace(" ", "-"))}">{_label(status)}</td>'
            f"<td>{_e(built)}</td>"
            f'<td class="num">{_e(f"{secs:.1f}") if isinstance(secs, int | float) else ""}</td>'
            f'<td>{" · ".join(links)}</td>'
            "</tr>")
    head = "".join(f"<th>{_label(k)}</th>" for k in
                   ("report", "notebook", "parameters", "status", "built_at", "seconds", "links"))
    return (
        '<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e('Báo cáo / Reports')}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"<h1>{_label('title')}</h1>\n"
        f'<p><a href="{LANDING["vi"]}">{_e(t("index_title", "vi"))}</a> · '
        f'<a href="{LANDING["en"]}">{_e(t("index_title", "en"))}</a></p>\n'
        f"<p>{_label('summary', ok=n_ok, failed=n_failed)} · {_label('generated')}: "
        f"{_e(manifest.get('generated_at', ''))}</p>\n"
        + _documents(documents or [])
        + f"<h2>{_label('title')}</h2>\n"
        + f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows)
        + "\n</tbody>\n</table>\n</body>\n</html>\n")


# ---------------------------------------------------------------- landing pages

#: A key finding: runs of text, each linked (to a claim in the annotated article) or not.
Finding = Sequence[tuple[str, str | None]]


@dataclass(frozen=True)
class Article:
    """What the landing page says of the article (from data/raw's metadata)."""

    title: str
    byline: str
    published: str  # as the reader's language writes the date


LANDING_CSS = """
:root{--ink:#1f2328;--muted:#5b6470;--line:#d8dee4;--accent:#1b6ca8;--bg:#f6f8fa}
body{font-family:"Libertinus Serif","DejaVu Serif",Georgia,serif;margin:0;color:var(--ink);
line-height:1.5}
header,main,footer{max-width:56rem;margin:0 auto;padding:0 1.2rem}
header{padding-top:1.6rem}header .lang{float:right;font-size:.95rem}
h1{font-size:1.75rem;line-height:1.25;margin:.2rem 0 .6rem}
h2{font-size:1.2rem;margin:2rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
a{color:var(--accent)}p.note{color:var(--muted);font-size:.92rem;margin-top:0}
.article{background:var(--bg);border-left:4px solid var(--accent);padding:.7rem 1rem}
.article cite{font-style:normal;font-weight:bold}
ul.findings li{margin:.3rem 0}ul.findings a{font-weight:bold;text-decoration:none;
border-bottom:1px dotted var(--accent)}
.docs a,.nb a{white-space:nowrap}
table.nb{border-collapse:collapse;width:100%}table.nb td{padding:.35rem .4rem;
border-bottom:1px solid var(--line);vertical-align:top;text-align:left}
table.nb td.num{color:var(--muted);width:2.5rem}
.picker label{display:block;margin:.4rem 0 .2rem}
.picker input{font:inherit;padding:.35rem .5rem;width:min(22rem,100%);border:1px solid #8c959f;
border-radius:4px}
ul.provinces{columns:3 14rem;padding-left:0;list-style:none}
ul.provinces li{break-inside:avoid;padding:.15rem 0}
ul.provinces .fmt{font-size:.85rem;color:var(--muted)}
footer{color:var(--muted);font-size:.9rem;margin-top:2.5rem;padding-bottom:2rem}
"""

#: Filters the province list as the reader types; folds case and Vietnamese diacritics the way
#: `fold` does on the server side (data-key). Without JavaScript the whole list stays.
PICKER_JS = """
(function(){
  var box=document.getElementById('province-filter'),none=document.getElementById('no-match');
  var items=document.querySelectorAll('ul.provinces li');
  function fold(s){return s.normalize('NFD').replace(/[\u0300-\u036f]/g,'')
    .replace(/[đĐ]/g,'d').toLowerCase().replace(/[^a-z0-9]+/g,' ').trim();}
  document.getElementById('province-picker').hidden=false;
  box.addEventListener('input',function(){
    var q=fold(box.value),shown=0;
    items.forEach(function(li){var ok=!q||li.dataset.key.indexOf(q)>=0;
      li.hidden=!ok;if(ok)shown++;});
    none.hidden=shown>0;
  });
})();
"""


def fold(name: str) -> str:
    """A name as the picker matches it: lower case, no diacritics, đ → d, spaces between words
    ('Quảng Nam' → 'quang nam')."""
    s = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", " ", s).strip()


def _a(href: str, text: str) -> str:
    """A link; `href` is percent-encoded except its path separators and #fragment (links to
    claims arrive already encoded by `analysis.show.links.source_link`)."""
    return f'<a href="{_e(quote(href, safe="/#%"))}">{_e(text)}</a>'


def _reader_links(report: dict[str, Any], lang: str) -> list[str]:
    """Links to a report in the reader's formats (HTML without code, PDF), then the rest."""
    outs = report.get("outputs") or {}
    links = []
    for fmt, key in (("html-nocode", "index_html"), ("pdf", "index_pdf"),
                     ("html", "index_with_code"), ("pdf-code", "index_with_code")):
        if fmt in outs:
            text = t(key, lang) if fmt in ("html-nocode", "pdf") else \
                f"{t('index_html' if fmt == 'html' else 'index_pdf', lang)} {t(key, lang)}"
            links.append(_a(outs[fmt]["path"], text))
    return links or [f"<span class=\"note\">{_e(t('index_not_built', lang))}</span>"]


def _number(report: dict[str, Any]) -> str:
    return str(report.get("notebook", "")).rsplit("/", 1)[-1][:2]


def _findings(findings: Sequence[Finding], lang: str) -> str:
    if not findings:
        return ""
    items = []
    for finding in findings:
        runs = "".join(_a(href, text) if href else _e(text) for text, href in finding)
        items.append(f"<li>{runs}</li>")
    return (f"<h2>{_e(t('index_h_findings', lang))}</h2>\n"
            f"<p class=\"note\">{_e(t('index_findings_note', lang))}</p>\n"
            f"<ul class=\"findings\">\n" + "\n".join(items) + "\n</ul>\n")


def _replication(documents: Sequence[str], lang: str) -> str:
    mine = [d for d in documents if re.fullmatch(rf"replication_{lang}\.(html|pdf)", d)]
    if not mine:
        return ""
    links = " · ".join(_a(d, t("index_html" if d.endswith(".html") else "index_pdf", lang))
                       for d in sorted(mine))
    return (f"<h2>{_e(t('index_h_replication', lang))}</h2>\n"
            f"<p class=\"docs\">{_e(t('index_replication_text', lang))} {links}</p>\n")


def _notebooks(reports: Sequence[dict[str, Any]], lang: str) -> str:
    rows = []
    by_number: dict[str, list[dict[str, Any]]] = {}
    for r in reports:
        if (r.get("parameters") or {}).get("lang", lang) == lang \
                and _number(r) != PICKER_NOTEBOOK:
            by_number.setdefault(_number(r), []).append(r)
    for number in sorted(by_number):
        cells = []
        for r in by_number[number]:
            place = (r.get("parameters") or {}).get("province")
            prefix = f"{_e(place)}: " if place else ""
            cells.append(f"{prefix}{' · '.join(_reader_links(r, lang))}")
        try:
            title = t(f"index_nb_{number}", lang)
        except KeyError:
            title = by_number[number][0].get("notebook", "")
        rows.append(f'<tr><td class="num">{_e(number)}</td><td><b>{_e(title)}</b></td>'
                    f'<td class="nb">{"<br>".join(cells)}</td></tr>')
    if not rows:
        return ""
    return (f"<h2>{_e(t('index_h_notebooks', lang))}</h2>\n<table class=\"nb\">\n"
            + "\n".join(rows) + "\n</table>\n")


def _picker(reports: Sequence[dict[str, Any]], lang: str) -> str:
    mine = [r for r in reports if _number(r) == PICKER_NOTEBOOK
            and (r.get("parameters") or {}).get("lang", lang) == lang
            and (r.get("parameters") or {}).get("province")]
    if not mine:
        return ""
    mine.sort(key=lambda r: fold(r["parameters"]["province"]))
    items = []
    for r in mine:
        name = r["parameters"]["province"]
        outs = r.get("outputs") or {}
        main = outs.get("html-nocode") or outs.get("html")
        head = _a(main["path"], name) if main else _e(name)
        pdf = f' <span class="fmt">· {_a(outs["pdf"]["path"], "PDF")}</span>' \
            if "pdf" in outs else ""
        items.append(f'<li data-key="{_e(fold(name))}">{head}{pdf}</li>')
    return (f"<h2 id=\"provinces\">{_e(t('index_h_provinces', lang))}</h2>\n"
            f"<p>{_e(t('index_provinces_text', lang))}</p>\n"
            f'<div class="picker" id="province-picker" hidden>'
            f'<label for="province-filter">{_e(t("index_filter_label", lang))}</label>'
            f'<input id="province-filter" type="search" autocomplete="off" '
            f'placeholder="Quảng Nam / quang nam">'
            f'<p id="no-match" class="note" hidden>{_e(t("index_filter_none", lang))}</p></div>\n'
            f'<ul class="provinces">\n' + "\n".join(items) + "\n</ul>\n"
            f"<script>{PICKER_JS}</script>\n")


def _when(stamp: object) -> str:
    """An ISO time stamp as a reader reads it: '2026-12-03 08:02 UTC'."""
    text = str(stamp or "")
    m = re.fullmatch(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(?::\d\d(?:\.\d+)?)?\+00:00", text)
    return f"{m.group(1)} {m.group(2)} UTC" if m else text


#: Facts whose numbers link to claims: field → the field holding the claim ids it was read from.
LINKED_FIELDS = {"first_rate": "first_rate_ids", "actual_rate": "actual_rate_ids",
                 "last_rate": "last_rate_ids", "earlier": "earlier_ids", "later": "later_ids"}


def finding(template: str, facts: dict[str, Any], page: str) -> list[tuple[str, str | None]]:
    """A key finding as runs: `template`'s literal text, and each field filled from the
    recorded `facts`, linked to the first claim it was read from on the annotated `page`."""
    runs: list[tuple[str, str | None]] = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        if literal:
            runs.append((literal, None))
        if name is None:
            continue
        ids = str(facts.get(LINKED_FIELDS.get(name, ""), "") or "").split(";")
        href = source_link("claim", ids[0].strip(), page=page) if ids[0].strip() else None
        runs.append((str(facts.get(name, "–")), href))
    return runs


def findings(manifest: dict[str, Any], lang: str, page: str,
             province: str | None = None) -> list[list[tuple[str, str | None]]]:
    """The key findings for the landing page in `lang`, from the facts notebooks 01, 02 and
    04 recorded (the manifest carries them): for `province` (default: the first report)."""
    out = []
    for number in ("01", "02", "04"):
        for r in manifest.get("reports", []):
            params = r.get("parameters") or {}
            facts = (r.get("facts") or {}).get("facts")
            if _number(r) != number or params.get("lang") != lang or not facts or (
                    province and params.get("province", province) != province):
                continue
            out.append(finding(t(f"index_finding_{number}", lang), facts, page))
            break
    return out


def render_landing(manifest: dict[str, Any], lang: str, *, article: Article | None = None,
                   findings: Sequence[Finding] = (), documents: Sequence[str] = ()) -> str:
    """The landing page in `lang`: links are relative to reports/; `documents` are the pages
    beside the reports (source/…, replication_…); `findings` the key findings, read from the
    executed notebooks' records by the caller."""
    other = next(lg for lg in LANGS if lg != lang)
    reports = manifest.get("reports", [])
    source = next((d for d in documents if d.startswith("source/")
                   and d.endswith("_en.html") == (lang == "en")), None)
    article_html = ""
    if article is not None:
        by = t("index_article_by", lang, byline=article.byline, published=article.published)
        link = f"<br>{_a(source, t('index_annotated', lang))}" if source else ""
        article_html = (f"<h2>{_e(t('index_h_article', lang))}</h2>\n<div class=\"article\">"
                        f"<cite>{_e(article.title)}</cite><br>{_e(by)}{link}</div>\n")
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(t('index_title', lang))}</title>\n<style>{LANDING_CSS}</style>\n"
        "</head>\n<body>\n<header>"
        f'<span class="lang"><a href="{LANDING[other]}" hreflang="{other}" lang="{other}">'
        f"{_e(t('index_other_lang', lang))}</a></span>"
        f"<h1>{_e(t('index_title', lang))}</h1>\n<p>{_e(t('index_intro', lang))}</p>"
        "</header>\n<main>\n"
        + article_html + _findings(findings, lang) + _replication(documents, lang)
        + _notebooks(reports, lang) + _picker(reports, lang)
        + "</main>\n<footer>"
        f'<a href="{BUILD_PAGE}">{_e(t("index_build_link", lang))}</a> · '
        f"{_e(t('index_generated', lang, when=_when(manifest.get('generated_at'))))}"
        "</footer>\n</body>\n</html>\n")
