"""The HTML reports in a real browser: headless Debian chromium driven by Playwright, offline.

Run by `make test-browser` (`pytest -m browser`), not by `make test`. Without /usr/bin/chromium
these tests FAIL (never skip) with the apt command to run.

What is tested: by default a small real build made here (`python -m analysis build --only ...`
for both languages of 00, one figure notebook and the audit table, into a temp folder) plus the
annotated article pages (`analysis.show.annotate.main_annotate`) and the Vietnamese replication
report. Set BROWSER_REPORTS_DIR=reports to check an existing complete build instead (every page
it has). Screenshots of every page opened go to screens/ in the tested reports folder (previous
PNGs there are removed first), as do those of the province picker in use.

For every page: no request leaves file:// or data: (each one is aborted and counted), no
console error, every <img> decoded (naturalWidth > 0). The article's headline is on the 00
reports and the source pages as text; every link of the index (and every local link of every
page) reaches an existing file and, with a #fragment, an existing element id in it.
"""

from __future__ import annotations

import json
import os
import unicodedata

import pytest
from browser_support import (
    CHROMIUM_ARGS,
    ENV_REPORTS,
    HEADLINE,
    broken_link,
    build_small,
    existing_reports,
    fresh_screens,
    html_pages,
    require_chromium,
    screenshot_name,
    visit,
)

from analysis.build.index import LANDING

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def reports_dir(tmp_path_factory):
    require_chromium()  # fail fast, before a build
    folder = os.environ.get(ENV_REPORTS)
    if folder:
        return existing_reports(folder)
    return build_small(tmp_path_factory.mktemp("browser-reports"))


@pytest.fixture(scope="session")
def browser():
    chromium = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def visits(browser, reports_dir):
    """Every HTML page under the reports folder, opened once (with its screenshot)."""
    screens = fresh_screens(reports_dir / "screens")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN",
                                  service_workers="block")
    try:
        return {p: visit(context, p, screens / screenshot_name(reports_dir, p))
                for p in html_pages(reports_dir)}
    finally:
        context.close()


def test_chromium_is_the_debian_browser(browser):
    assert browser.version.split(".")[0].isdigit()  # a real browser answered


def test_every_page_is_offline_error_free_and_its_images_decode(visits, reports_dir):
    kinds = {p.parent.name for p in visits}
    assert {"html", "html-nocode", "source"} <= kinds and (reports_dir / "index.html") in visits
    problems = [msg for v in visits.values() for msg in v.problems()]
    assert not problems, "\n".join(problems)
    blocked = sum(len(v.blocked) for v in visits.values())
    assert blocked == 0
    # the figure reports really carry their figures, as SVG (vector at any zoom), all decoded
    figure_pages = [v for p, v in visits.items() if p.name.startswith("01_")]
    assert figure_pages and all(
        sum(i["src"].startswith("data:image/svg+xml") for i in v.images) >= 2
        for v in figure_pages)
    assert all(v.screenshot is not None and v.screenshot.stat().st_size > 1000
               for v in visits.values())


def test_headline_is_text_on_the_overview_and_source_pages(visits):
    pages = [p for p in visits if p.name.startswith("00_article_overview")
             or p.parent.name == "source"]
    assert {p.parent.name for p in pages} == {"html", "html-nocode", "source"}
    missing = [str(p) for p in pages
               if HEADLINE not in unicodedata.normalize("NFC", visits[p].text)]
    assert not missing, f"headline not shown as text on: {missing}"


def test_landing_pages_link_every_report_and_their_links_resolve(visits, reports_dir):
    manifest = json.loads((reports_dir / "manifest.json").read_text(encoding="utf-8"))
    built = [r for r in manifest["reports"] if r["status"] == "ok"]
    assert built, "no report built"
    for lang, page in LANDING.items():
        landing = visits[reports_dir / page]
        assert (reports_dir / page).stat().st_size < 200_000
        hrefs = set(landing.links)
        for r in built:
            if r["parameters"].get("lang", lang) != lang:
                continue
            for fmt, out in r["outputs"].items():
                if fmt == "html" and r["notebook"].endswith("05_national_context.ipynb"):
                    continue  # the picker links the reader's formats of the 63 reports
                target = (reports_dir / out["path"]).resolve().as_uri()
                assert target in hrefs, f"{page} does not link {out['path']}"
        assert all(h.startswith("file://") for h in landing.links), landing.links
        broken = [b for h in landing.links if (b := broken_link(h))]
        assert not broken, "\n".join(broken)
    vi = visits[reports_dir / "index.html"]
    # the key findings (from the Vietnamese reports built here) link numbers to their claims
    assert any("#claim-c" in h for h in vi.links)
    assert (reports_dir / "replication_vi.html").resolve().as_uri() in vi.links
    assert (reports_dir / "build.html").resolve().as_uri() in vi.links


@pytest.mark.parametrize("typed", ["quang nam", "Quảng Nam", "qua"])
def test_the_province_picker_finds_a_province_by_typing(browser, reports_dir, typed):
    context = browser.new_context(viewport={"width": 1100, "height": 900},
                                  service_workers="block")
    try:
        page = context.new_page()
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
            ("file://", "data:")) else r.abort())
        page.goto((reports_dir / "index.html").resolve().as_uri())
        page.fill("#province-filter", typed)
        shown = [t.strip() for t in page.locator("ul.provinces li:visible").all_inner_texts()]
        assert any(t.startswith("Quảng Nam") for t in shown), shown
        # "qua" also finds Tuyên Quang: a word of the name starts with it
        assert len(shown) <= 6 and not any(t.startswith("Hà Nội") for t in shown), shown
        page.screenshot(path=str(reports_dir / "screens" / f"picker-{len(typed)}.png"))
        page.fill("#province-filter", "zzz")
        assert page.locator("#no-match").is_visible()
    finally:
        context.close()


def test_the_province_list_works_without_javascript(browser, reports_dir):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto((reports_dir / "index.html").resolve().as_uri())
        assert page.locator("ul.provinces li:visible").count() == 63
        assert not page.locator("#province-filter").is_visible()  # no box that cannot work
    finally:
        context.close()


def test_local_links_of_every_page_resolve(visits):
    """Reports link to the annotated article (#claim-…, #lesson-…): each anchor must exist."""
    broken = [f"{p.name}: {b}" for p, v in visits.items() for h in v.links
              if (b := broken_link(h))]
    assert not broken, "\n".join(broken[:40])
