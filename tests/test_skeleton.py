"""The walking skeleton end to end: notebook 00 built into HTML (with and without code) and
PDF, with the annotated source page beside it and linked from the index (the suite's shared
build, `grid` in conftest)."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from analysis.build.export import external_references

pytestmark = pytest.mark.slow

NAME = "00_article_overview_vi"


@pytest.fixture(scope="module")
def reports(grid) -> Path:
    return grid


def test_three_formats_exist(reports):
    for rel in (f"html/{NAME}.html", f"html-nocode/{NAME}.html", f"pdf/{NAME}.pdf",
                f"executed/{NAME}.ipynb", "index.html", "manifest.json"):
        assert (reports / rel).stat().st_size > 1000, rel


def test_pdf_text_has_correct_vietnamese(reports):
    pdf = PdfReader(io.BytesIO((reports / "pdf" / f"{NAME}.pdf").read_bytes()))
    text = unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in pdf.pages))
    for phrase in ("Phú Yên", "Hải Dương", "An Giang", "giảm nghèo bền vững", "Phạm Nguyễn"):
        assert phrase in text, phrase
    assert "1.860" in text  # the word count, Vietnamese number format


def test_html_shows_the_article_facts_offline(reports):
    page = (reports / "html" / f"{NAME}.html").read_text(encoding="utf-8")
    nocode = (reports / "html-nocode" / f"{NAME}.html").read_text(encoding="utf-8")
    for html in (page, nocode):
        assert external_references(html) == []
        assert "Những bài học kinh nghiệm từ công tác giảm nghèo bền vững" in html
        assert "Hải Dương: đúc rút 5 bài học" in html and "2020-12-20 15:38 +0700" in html
        assert "injected-parameters" not in html and "Parameters" not in html
    assert "load_article" in page and "load_article" not in nocode


def test_index_links_the_annotated_source(reports):
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert 'href="source/000_e03e84a75c12cd48.html"' in index
    source = (reports / "source" / "000_e03e84a75c12cd48.html").read_text(encoding="utf-8")
    assert 'id="claim-c01"' in source and 'id="lesson-phu-yen-1"' in source
    assert f'href="html-nocode/{NAME}.html"' in index and f'href="html/{NAME}.html"' in index


def test_the_claims_audit_pdf_carries_the_annotated_article(reports):
    pdf = PdfReader(io.BytesIO((reports / "pdf" / "04_claims_audit_vi.pdf").read_bytes()))
    text = unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in pdf.pages))
    # the appendix: the article's own body (which the audit tables do not quote) and byline,
    # with claim ids inline
    appendix = text[text.index("Sau 10 năm triển khai"):]
    assert "Phạm Nguyễn" in appendix and "Thứ năm" in appendix
    for claim_id in ("c01", "c09", "c12"):
        assert claim_id in appendix
