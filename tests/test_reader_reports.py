"""The reports as their reader gets them, measured on the suite's shared build (`grid`):
every reader PDF (each notebook report and both replication reports) keeps every glyph inside
the text area, cuts no table cell off with "…" and prints no code or JSON; the HTML without
code shows no code or recorded facts either."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import GRID
from pdf_layout import problems

pytestmark = pytest.mark.slow


def _reader_pdfs(grid: Path) -> list[Path]:
    return sorted((grid / "pdf").glob("*.pdf")) + sorted(grid.glob("replication_*.pdf"))


def test_the_shared_build_has_every_reader_pdf(grid):
    pdfs = {p.stem for p in _reader_pdfs(grid)}
    numbers = {name[:2] for name in pdfs if name[:2].isdigit()}
    assert numbers == {"00", "01", "02", "03", "04", "05"}
    assert {"replication_vi", "replication_en"} <= pdfs


@pytest.mark.parametrize("name", [*GRID, "replication_vi", "replication_en"])
def test_every_reader_pdf_is_clean(grid, name):
    path = grid / f"{name}.pdf" if name.startswith("replication_") else grid / "pdf" / f"{name}.pdf"
    found = [str(x) for x in problems(path)]
    assert not found, found[:8]


def test_reader_html_has_no_code_and_no_recorded_facts(grid):
    for page in sorted((grid / "html-nocode").glob("*.html")):
        text = page.read_text(encoding="utf-8")
        assert "application/vnd.giamngheo.facts+json" not in text, page.name
        assert not re.search(r"\bfrom analysis\.|\bshow_table\(|\brecord_facts\(", text), page.name
        assert '"key-values"' not in text and "Key values computed" not in text, page.name


def test_the_pdf_check_finds_what_a_reader_would(tmp_path):
    """The check itself: a page with code, JSON, a cut-off cell and text past the margin."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    from analysis.build.export import to_pdf

    nb = new_notebook(cells=[
        new_markdown_cell("# Probe\n\n| a | b |\n|---|---|\n| x | cắt…|\n\n"
                          + "Overflowing`" + "x" * 160 + "`"),
        new_code_cell("display(1)"),
    ])
    nb.cells[1].outputs = [nbformat.v4.new_output(
        "stream", name="stdout", text='{"rate": 12.62, "claim_ids": "c09"}\n')]
    path = tmp_path / "probe.pdf"
    path.write_bytes(to_pdf(nb, include_code=True, title="probe", lang="en"))
    kinds = {p.kind for p in problems(path)}
    assert {"code", "json", "ellipsis", "outside"} <= kinds, kinds
