"""reports/index.html: one self-contained page listing every report (parameters, status, build
time, links), labelled in Vietnamese and English. Inline CSS only, no script, nothing fetched
from another host; every text from the configuration or a notebook is HTML-escaped."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import quote

from analysis.data.config import FORMATS

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


def render_index(manifest: dict[str, Any], documents: list[str] | None = None) -> str:
    """The index page for a manifest (see `analysis.build.engine`); links are relative to reports/.

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
        f"<p>{_label('summary', ok=n_ok, failed=n_failed)} · {_label('generated')}: "
        f"{_e(manifest.get('generated_at', ''))}</p>\n"
        + _documents(documents or [])
        + f"<h2>{_label('title')}</h2>\n"
        + f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows)
        + "\n</tbody>\n</table>\n</body>\n</html>\n")
