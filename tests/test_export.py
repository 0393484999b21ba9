"""Export layer: self-contained HTML (with/without code) and PDF through pandoc → Typst.

A small notebook is built here and executed for real with papermill (so it carries papermill's
injected-parameters cell); the checks read the produced HTML and the PDF's text back.
"""

from __future__ import annotations

import base64
import copy
import io
import os
import re
import shutil
import stat
import tempfile
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import matplotlib
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from analysis.build import export
from analysis.data.files import write_atomic
from analysis.errors import UserError

# The 46 precomposed letters DejaVu Sans Mono (Typst's default monospace) lacks.
LETTERS_46 = list("ẢảẤấẦầẨẩẪẫẮắẲẳẴẵẺẻẾếỀềỂểỄễỈỉỎỏỐốỒồỔổỖỗỞởỦủỬửỶỷ")
PLACES = ["Phú Yên", "Hải Dương", "An Giang", "giảm nghèo bền vững"]
TITLE = "Báo cáo thử: giảm nghèo bền vững"
CODE_MARKER = "CODE_ONLY_MARKER_51"  # appears only in a code input, never in an output
INJECTED_MARKER = "INJECTED_MARKER_7F3A"  # appears only in papermill's injected cell


def _png(rgb: tuple[float, float, float]) -> bytes:
    """A 2x2 PNG of one colour (markdown images: a relative file and a cell attachment)."""
    import matplotlib.image
    import numpy as np

    buf = io.BytesIO()
    matplotlib.image.imsave(buf, np.full((2, 2, 3), rgb), format="png")
    return buf.getvalue()


PNG_FILE, PNG_ATTACHED = _png((1.0, 0.0, 0.0)), _png((0.0, 0.5, 0.0))


def _notebook() -> nbformat.NotebookNode:
    letters = " ".join(LETTERS_46)
    params = new_code_cell('province = "Phú Yên"\nmarker = "default"')
    params.metadata["tags"] = ["parameters"]
    attached = new_markdown_cell("Ảnh đính kèm: ![đính kèm](attachment:dot.png)")
    attached["attachments"] = {"dot.png": {"image/png": base64.b64encode(PNG_ATTACHED).decode()}}
    nb = new_notebook(
        cells=[
            new_markdown_cell(
                f"# {TITLE}\n\nBa tỉnh Phú Yên, Hải Dương, An Giang và công tác giảm nghèo bền"
                f" vững.\n\nChữ cái: {letters}"
            ),
            params,
            new_code_cell(
                f'{CODE_MARKER} = "{letters}"\nprint("mono:", {CODE_MARKER})\nprint(province)'
            ),
            new_code_cell(
                "import pandas as pd\n"
                'pd.DataFrame({"Tỉnh": ["Phú Yên", "Hải Dương", "An Giang"],'
                ' "Hộ nghèo": [1234, 5678, 9012]})'
            ),
            new_code_cell(
                "import matplotlib.pyplot as plt\n"
                "fig, ax = plt.subplots(figsize=(3, 2))\nax.plot([1, 3, 2])\nplt.show()"
            ),
            new_code_cell("print('<script>alert(1)</script>')"),
            new_markdown_cell("Ảnh cục bộ: ![chấm](dot.png)"),
            attached,
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> tuple[nbformat.NotebookNode, Path]:
    """The test notebook executed by papermill with parameters; returns (notebook, its path)."""
    import papermill as pm

    folder = tmp_path_factory.mktemp("nb")
    (folder / "dot.png").write_bytes(PNG_FILE)
    src, out = folder / "in.ipynb", folder / "out.ipynb"
    nbformat.write(_notebook(), src)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MPLCONFIGDIR", str(tmp_path_factory.mktemp("mpl")))
        mp.setenv("IPYTHONDIR", str(tmp_path_factory.mktemp("ipython")))
        pm.execute_notebook(
            str(src),
            str(out),
            parameters={"province": "Hải Dương", "marker": INJECTED_MARKER},
            kernel_name="python3",
            progress_bar=False,
            cwd=str(folder),
        )
    return nbformat.read(out, as_version=4), out


@pytest.fixture(scope="module")
def html_pages(executed) -> dict[bool, str]:
    nb, path = executed
    return {inc: export.to_html(nb, include_code=inc, source=path) for inc in (True, False)}


@pytest.fixture(scope="module")
def pdfs(executed) -> dict[bool, bytes]:
    nb, path = executed
    return {inc: export.to_pdf(nb, include_code=inc, source=path) for inc in (True, False)}


def _loads(html: str) -> list[tuple[str, str, str]]:
    """(tag, attribute, value) of every src/href on script, link and img tags."""

    class Collect(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.found: list[tuple[str, str, str]] = []

        def handle_starttag(self, tag, attrs):
            for name, value in attrs:
                if tag in ("script", "link", "img") and name in ("src", "href") and value:
                    self.found.append((tag, name, value))

    collect = Collect()
    collect.feed(html)
    return collect.found


def _pdf_runs(pdf: bytes) -> list[tuple[str, str]]:
    """(font name, text) for every text run of the PDF, text as extracted (not normalised)."""
    import pypdf

    runs: list[tuple[str, str]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            runs.append((str(font.get("/BaseFont", "")) if font else "", text))

    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return runs


def _pdf_text(pdf: bytes, normalise: bool = True) -> str:
    import pypdf

    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.split())
    return unicodedata.normalize("NFC", text) if normalise else text


def _to_nfd(value):
    if isinstance(value, str):
        return unicodedata.normalize("NFD", value)
    if isinstance(value, dict):
        for key in list(value):
            if key != "image/png":
                value[key] = _to_nfd(value[key])
    elif isinstance(value, list):
        return [_to_nfd(v) for v in value]
    return value


# ---------------------------------------------------------------------------------- notebook


@pytest.mark.slow
def test_strip_injected_drops_only_papermills_cell(executed):
    nb, _ = executed
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert ["injected-parameters"] in tags  # papermill really injected one
    stripped = export.strip_injected(nb)
    assert len(stripped.cells) == len(nb.cells) - 1
    assert not any("injected-parameters" in c.metadata.get("tags", []) for c in stripped.cells)
    assert INJECTED_MARKER not in "".join(c.source for c in stripped.cells)
    assert len(nb.cells) == len(stripped.cells) + 1  # the input is not modified


def test_notebook_title_is_first_heading():
    assert export.notebook_title(_notebook()) == TITLE
    assert export.notebook_title(new_notebook(cells=[new_markdown_cell("no heading")])) is None


# ---------------------------------------------------------------------------------- HTML


@pytest.mark.slow
def test_html_loads_nothing_from_another_host(html_pages):
    for html in html_pages.values():
        assert export.external_references(html) == []
        for tag, attr, value in _loads(html):
            assert not re.match(r"(?i)\s*(https?:)?//", value), (tag, attr, value)
        lowered = html.lower()
        for word in ("cdn", "require.js", "requirejs", "mathjax", "mermaid.esm", "unpkg"):
            assert word not in lowered, word
        assert "<style" in html  # the CSS is inlined, not linked
        assert not any(tag == "link" for tag, _, _ in _loads(html))


@pytest.mark.slow
def test_html_embeds_figure_and_markdown_images(html_pages):
    for html in html_pages.values():
        images = [v for tag, attr, v in _loads(html) if tag == "img"]
        # the matplotlib figure, the relative-file markdown image and the cell attachment
        assert len(images) == 3
        assert all(v.startswith("data:image/png;base64,") for v in images)
        for png in (PNG_FILE, PNG_ATTACHED):
            assert f"data:image/png;base64,{base64.b64encode(png).decode()}" in html


@pytest.mark.slow
def test_html_lang_title_and_parameters(executed, html_pages):
    html = html_pages[True]
    assert re.search(r'<html lang="vi">', html)
    assert f"<title>{TITLE}</title>" in html
    assert "Hải Dương" in html  # the injected parameter reached the output of print(province)
    nb, path = executed
    other = export.to_html(nb, title="Tiêu đề <b> & khác", lang="en", source=path)
    assert '<html lang="en">' in other
    assert "<title>Tiêu đề &lt;b&gt; &amp; khác</title>" in other


@pytest.mark.slow
def test_html_never_shows_the_injected_cell(html_pages):
    for html in html_pages.values():
        assert INJECTED_MARKER not in html
        assert "# Parameters" not in html


@pytest.mark.slow
def test_html_without_code_hides_inputs_and_prompts_keeps_outputs(html_pages):
    with_code, without = html_pages[True], html_pages[False]
    assert CODE_MARKER in with_code and 'class="jp-InputPrompt' in with_code
    assert CODE_MARKER not in without
    assert 'class="jp-InputPrompt' not in without
    assert "pd.DataFrame" not in without
    for html in (with_code, without):
        assert "mono: " + " ".join(LETTERS_46) in html  # the print output stays
        assert "<td>9012</td>" in html  # so does the DataFrame


@pytest.mark.slow
def test_html_output_text_stays_text(html_pages):
    for html in html_pages.values():
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<script>alert(1)" not in html


def test_remote_images_are_refused_in_markdown_and_in_outputs():
    in_markdown = new_notebook(cells=[new_markdown_cell("![x](https://example.org/x.png)")])
    cell = new_code_cell("HTML(...)")
    cell.outputs = [
        new_output(
            "display_data",
            data={"text/html": '<p><img src="https://example.org/y.png"></p>', "text/plain": "-"},
        )
    ]
    in_output = new_notebook(cells=[cell])
    for nb, url in ((in_markdown, "x.png"), (in_output, "y.png")):
        for export_to in (export.to_html, export.to_pdf):
            with pytest.raises(UserError, match=f"example.org/{url}"):
                export_to(nb)


def test_html_refuses_a_missing_markdown_image(tmp_path):
    nb = new_notebook(cells=[new_markdown_cell("# T\n\n![x](nowhere.png)")])
    with pytest.raises(UserError, match="nowhere.png"):
        export.to_html(nb, source=tmp_path / "nb.ipynb")


def test_external_references_finds_every_kind_of_load():
    html = """<html><head>
    <script src="https://cdnjs.cloudflare.com/require.js"></script>
    <link rel="stylesheet" href="//fonts.example.org/a.css">
    <style>/* https://example.org/in-a-comment */ @import "https://x.org/b.css";
      .a { background: url(http://x.org/c.png) } .b { background: url(data:image/png;base64,AA) }
    </style>
    <script type="module">await import("https://cdn.example/mermaid.mjs")</script>
    </head><body><img src="data:image/png;base64,AA"><img src="local.png">
    <a href="https://example.org/ok">a link the reader clicks is fine</a></body></html>"""
    assert export.external_references(html) == [
        "https://cdnjs.cloudflare.com/require.js",
        "//fonts.example.org/a.css",
        "http://x.org/c.png",
        "https://x.org/b.css",
        "https://cdn.example/mermaid.mjs",
        "local.png",
    ]


def test_invalid_language_is_a_user_error():
    with pytest.raises(UserError, match="lang"):
        export.to_html(_notebook(), lang="vi<script>")


# ---------------------------------------------------------------------------------- PDF


@pytest.mark.slow
def test_pdf_spells_the_places_and_all_vietnamese_letters(pdfs):
    for pdf in pdfs.values():
        assert pdf.startswith(b"%PDF")
        text = _pdf_text(pdf)
        for phrase in PLACES:
            assert phrase in text
        runs = _pdf_runs(pdf)
        serif = "".join(t for f, t in runs if "LibertinusSerif" in f)
        mono = "".join(t for f, t in runs if "JetBrainsMono" in f)
        assert not any("DejaVu" in f for f, _ in runs)
        for letter in LETTERS_46:
            assert letter in serif, letter  # markdown cell, body font
            assert letter in mono, letter  # printed output, code font
        assert "Hải Dương" in mono  # print(province): the injected value, in the code font


@pytest.mark.slow
def test_pdf_from_nfd_input_is_typeset_precomposed(executed):
    nb, path = executed
    nfd = _to_nfd(copy.deepcopy(nb))
    assert "Hải Dương" not in nbformat.writes(nfd)  # the input really is decomposed
    pdf = export.to_pdf(nfd, source=path)
    raw = _pdf_text(pdf, normalise=False)  # not normalised: the glyphs must be precomposed
    for phrase in PLACES:
        assert phrase in raw
    runs = _pdf_runs(pdf)
    mono = "".join(t for f, t in runs if "JetBrainsMono" in f)
    serif = "".join(t for f, t in runs if "LibertinusSerif" in f)
    for letter in LETTERS_46:
        assert letter in mono and letter in serif, letter
    assert not any(unicodedata.category(c) == "Mn" for c in raw)  # no stray combining marks


@pytest.mark.slow
def test_pdf_dataframe_is_a_table(executed, pdfs):
    nb, path = executed
    with tempfile.TemporaryDirectory() as tmp:
        typ = export.to_typst(nb, Path(tmp), source=path)
    assert "#table(" in typ
    assert "[Hải Dương], [5678]" in typ  # a row of the HTML table, not the text/plain repr
    assert "1  Hải Dương      5678" not in typ
    text = _pdf_text(pdfs[False])
    assert "Tỉnh Hộ nghèo" in text
    for value in ("1234", "5678", "9012"):
        assert value in text


@pytest.mark.slow
def test_pdf_without_code_drops_inputs_and_the_injected_cell(pdfs):
    with_code, without = _pdf_text(pdfs[True]), _pdf_text(pdfs[False])
    assert CODE_MARKER in with_code and "pd.DataFrame" in with_code
    assert CODE_MARKER not in without and "pd.DataFrame" not in without
    for text in (with_code, without):
        assert INJECTED_MARKER not in text
        assert "# Parameters" not in text
        assert "mono: Ả ả" in text
        assert "<script>alert(1)</script>" in text  # printed text shown as text


@pytest.mark.slow
def test_pdf_embeds_the_figure_and_markdown_images(pdfs):
    import pypdf

    for pdf in pdfs.values():
        images = [im for p in pypdf.PdfReader(io.BytesIO(pdf)).pages for im in p.images]
        assert len(images) == 3  # matplotlib figure, relative markdown image, attachment


@pytest.mark.slow
def test_pdf_long_table_continues_on_the_next_page():
    from nbclient import NotebookClient

    nb = new_notebook(
        cells=[
            new_code_cell(
                "import pandas as pd\npd.set_option('display.max_rows', 500)\n"
                "pd.DataFrame({'dòng': [f'hàng-{i}' for i in range(150)]})"
            )
        ]
    )
    with tempfile.TemporaryDirectory() as tmp:
        client = NotebookClient(
            nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": tmp}}
        )
        client.execute()
    import pypdf

    pages = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(export.to_pdf(nb))).pages]
    first = next(i for i, t in enumerate(pages) if "hàng-0\n" in t + "\n")
    last = next(i for i, t in enumerate(pages) if "hàng-149" in t)
    assert last > first  # a non-breakable figure would overprint page 1 instead


def test_pdf_page_is_a4():
    import pypdf

    nb = new_notebook(cells=[new_markdown_cell("# A4\n\nPhú Yên")])
    box = pypdf.PdfReader(io.BytesIO(export.to_pdf(nb))).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


# ---------------------------------------------------------------------------------- fonts


def test_missing_font_file_is_a_user_error(tmp_path):
    nb = new_notebook(cells=[new_markdown_cell("# x")])
    with pytest.raises(UserError, match=re.escape(str(tmp_path / "JetBrainsMono-Regular.ttf"))):
        export.to_pdf(nb, font_dir=tmp_path)


def test_unknown_font_family_is_a_user_error(tmp_path):
    # font files with the right names but another family: Typst only warns; we must raise
    dejavu = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSansMono.ttf"
    for name in export.CODE_FONT_FILES:
        shutil.copy(dejavu, tmp_path / name)
    nb = new_notebook(cells=[new_code_cell("x = 1")])
    with pytest.raises(UserError, match="unknown font family: jetbrains mono"):
        export.to_pdf(nb, font_dir=tmp_path)


def test_missing_glyph_probe_knows_dejavu_mono_lacks_the_46_letters():
    assert export.missing_glyphs("".join(LETTERS_46), ("DejaVu Sans Mono",)) == sorted(LETTERS_46)
    assert export.missing_glyphs("".join(LETTERS_46), ("JetBrains Mono",)) == []
    assert export.missing_glyphs("ả中", ("JetBrains Mono", "Libertinus Serif")) == ["中"]


def test_a_character_no_font_has_is_a_user_error():
    nb = new_notebook(cells=[new_markdown_cell("# Chữ Hán\n\n中文")])
    with pytest.raises(UserError, match="U\\+4E2D"):
        export.to_pdf(nb)


# ---------------------------------------------------------------------------------- files


def test_write_atomic_writes_and_replaces(tmp_path):
    target = tmp_path / "sub" / "report.html"
    write_atomic(target, "Phú Yên")
    assert target.read_text(encoding="utf-8") == "Phú Yên"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    write_atomic(target, b"%PDF-1")
    assert target.read_bytes() == b"%PDF-1"
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]


def test_write_atomic_keeps_the_old_file_when_the_rename_fails(tmp_path, monkeypatch):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"old")

    def boom(src, dst):
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk gone"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]  # no temp file left behind
