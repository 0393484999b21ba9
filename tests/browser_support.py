"""Helpers for tests/test_browser.py: Debian's chromium driven by Playwright, offline.

Every request that does not start with file:// or data: is aborted and recorded, so a report
that tries to reach a CDN fails its test instead of silently rendering without it.
"""

from __future__ import annotations

import html.parser
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from analysis.data import paths

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
HEADLINE = "Những bài học kinh nghiệm từ công tác giảm nghèo bền vững"
LOCAL = ("file://", "data:")
#: Set to a reports folder (e.g. `reports`) to test an existing, complete build instead of the
#: small build the tests make themselves.
ENV_REPORTS = "BROWSER_REPORTS_DIR"
#: The small build: both languages of 00 (the headline), notebooks 01–05 for the article's
#: province in Vietnamese (what the replication report is assembled from), the audit in
#: English, and a second province for the picker.
ONLY = ["00_article_overview_vi", "00_article_overview_en", "01_poverty_trajectory_phu-yen_vi",
        "02_repoverty_phu-yen_vi", "03_lessons_phu-yen_vi", "04_claims_audit_vi",
        "04_claims_audit_en", "05_national_context_phu-yen_vi",
        "05_national_context_quang-nam_vi"]
# JavaScript: every <img> after decoding (a failed decode gives naturalWidth 0).
IMAGES_JS = """async () => Promise.all(Array.from(document.images).map(async (img) => {
  try { await img.decode(); } catch (e) {}
  return {src: img.currentSrc.slice(0, 80), width: img.naturalWidth, complete: img.complete};
}))"""
LINKS_JS = "() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"


def require_chromium() -> Path:
    """The browser, or a FAILED test (never a skip) that says how to install it."""
    if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: the browser tests need Debian's chromium — run "
                    "`apt-get update && apt-get install -y chromium` (as root), then "
                    "`make test-browser`", pytrace=False)
    return CHROMIUM


def build_small(reports: Path) -> Path:
    """A real build of a few reports (the CLI, as a user runs it) plus the annotated article
    pages, into `reports`."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    cmd = [sys.executable, "-m", "analysis", "build", "--reports-dir", str(reports),
           *(f"--only={name}" for name in ONLY)]
    proc = subprocess.run(cmd, cwd=paths.PROJ_ROOT, env=env, capture_output=True, text=True,
                          timeout=900)
    if proc.returncode != 0:
        pytest.fail(f"the build for the browser tests failed (exit {proc.returncode}):\n"
                    f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}", pytrace=False)
    from analysis.show.annotate import main_annotate

    main_annotate(out_dir=reports / "source")
    proc = subprocess.run([sys.executable, "-m", "analysis", "replicate", "--reports-dir",
                           str(reports), "--lang", "vi", "--formats", "html"],
                          cwd=paths.PROJ_ROOT, env=env, capture_output=True, text=True,
                          timeout=900)
    if proc.returncode != 0:
        pytest.fail(f"the replication report for the browser tests failed:\n{proc.stderr[-3000:]}",
                    pytrace=False)
    # the landing pages link the replication report once it exists (a no-op build rewrites them)
    subprocess.run(cmd, cwd=paths.PROJ_ROOT, env=env, capture_output=True, timeout=300,
                   check=True)
    return reports


def existing_reports(folder: str) -> Path:
    reports = Path(folder)
    if not reports.is_absolute():
        reports = paths.PROJ_ROOT / reports
    missing = [n for n in ("index.html", "manifest.json") if not (reports / n).is_file()]
    if missing:
        pytest.fail(f"{ENV_REPORTS}={folder}: {', '.join(missing)} missing — run `make reports` "
                    f"first or unset {ENV_REPORTS}", pytrace=False)
    if not (reports / "source").is_dir():
        pytest.fail(f"{ENV_REPORTS}={folder}: source/ missing — run `python -m analysis "
                    "annotate` (or unset it)", pytrace=False)
    return reports


def html_pages(reports: Path) -> list[Path]:
    """Every HTML page a reader can open: the landing pages, the build page, the replication
    reports, reports with and without code, the annotated article."""
    pages = [p for p in (reports / n for n in ("index.html", "index_en.html", "build.html"))
             if p.is_file()]
    pages += sorted(reports.glob("replication_*.html"))
    for sub in ("html", "html-nocode", "source"):
        pages += sorted((reports / sub).glob("*.html"))
    return pages


def screenshot_name(reports: Path, page: Path) -> str:
    rel = page.relative_to(reports).with_suffix("").as_posix()
    return re.sub(r"[^A-Za-z0-9._-]+", "_", rel) + ".png"


class _Ids(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for k, v in attrs:
            if k == "id" or (k == "name" and tag == "a"):
                self.ids.add(v or "")


_ID_CACHE: dict[Path, set[str]] = {}


def page_ids(path: Path) -> set[str]:
    """The element ids (and <a name>) of an HTML file: the targets a #fragment can reach."""
    if path not in _ID_CACHE:
        parser = _Ids()
        parser.feed(path.read_text(encoding="utf-8"))
        _ID_CACHE[path] = parser.ids
    return _ID_CACHE[path]


def broken_link(href: str) -> str | None:
    """Why a file:// link does not resolve (target file or #anchor missing), else None."""
    parts = urlsplit(href)
    if parts.scheme != "file":
        return None
    target = Path(unquote(parts.path))
    if not target.is_file():
        return f"{href}: no such file"
    if parts.fragment and target.suffix == ".html":
        # HTML's "find a potential indicated element": the fragment as written, then
        # percent-decoded (nbconvert writes heading ids percent-encoded, as their links)
        ids = page_ids(target)
        if parts.fragment not in ids and unquote(parts.fragment) not in ids:
            return f"{href}: no element with id {unquote(parts.fragment)!r} in {target.name}"
    return None


@dataclass
class PageVisit:
    """What one page did in the browser."""

    path: Path
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    text: str = ""
    screenshot: Path | None = None

    def problems(self) -> list[str]:
        out = [f"blocked request {u}" for u in self.blocked]
        out += [f"console error: {m}" for m in self.console_errors]
        out += [f"image not decoded: {i['src']}" for i in self.images if not i["width"] > 0]
        return [f"{self.path.name}: {p}" for p in out]


def visit(context: object, path: Path, screenshot: Path) -> PageVisit:
    """Open `path` in a new page with every non-local request aborted; collect everything."""
    result = PageVisit(path)
    page = context.new_page()

    def route(r: object) -> None:
        url = r.request.url
        if url.startswith(LOCAL):
            r.continue_()
        else:
            result.blocked.append(url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: result.console_errors.append(m.text)
            if m.type == "error" else None)
    page.on("pageerror", lambda e: result.console_errors.append(f"page error: {e}"))
    try:
        page.goto(path.resolve().as_uri(), wait_until="load", timeout=60_000)
        result.images = page.evaluate(IMAGES_JS)
        result.links = page.evaluate(LINKS_JS)
        result.text = page.inner_text("body")
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True, timeout=60_000)
        result.screenshot = screenshot
    finally:
        page.close()
    return result


def fresh_screens(folder: Path) -> Path:
    """The tested reports folder's screens/, emptied of the previous run's PNGs."""
    if folder.is_dir():
        for p in folder.glob("*.png"):
            p.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    return folder

