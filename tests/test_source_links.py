"""Reports link back to the annotated article: figure captions and the claims audit rows.

Every link is followed the way a browser would from reports/html/ (`../source/<page>#<id>`) to
a page written by `write_annotated`, and must land on an element with that id; the ids come
from the figures' source lines and the audit's tables, the anchors from the real reading layer.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import matplotlib
import nbformat
import pandas as pd
import pytest

from analysis.data import paths
from analysis.data.processed import load_claims
from analysis.show import tables
from analysis.show.annotate import figure_caption, write_annotated
from analysis.show.record import read_records
from analysis.show.style import add_source, figure_svg, set_theme

matplotlib.use("Agg")

PAGE = "000_e03e84a75c12cd48"
MD_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


class _Html(HTMLParser):
    """Element ids, and (href, text) of every link."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.id_text: dict[str, list[str]] = {}
        self.links: list[tuple[str, str]] = []
        self.tags: list[str] = []
        self.cells: list[str] = []
        self._href: str | None = None
        self._open: list[str] = []
        self._cell: list[str] | None = None
        self._buf: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self._href, self._buf = a["href"], []
        if tag == "td":
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._buf)))
            self._href = None
        if tag == "td" and self._cell is not None:
            self.cells.append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        self._buf.append(data)
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    """A reports folder with both annotated pages, as the build writes them."""
    root = tmp_path_factory.mktemp("reports")
    for lang in ("vi", "en"):
        write_annotated(None, root / "source", lang)
    (root / "html").mkdir()
    return root


@pytest.fixture(scope="module")
def anchors(reports) -> dict[str, set[str]]:
    """Element ids of each page, by file name."""
    return {p.name: _Html(p.read_text(encoding="utf-8")).ids
            for p in (reports / "source").glob("*.html")}


def _target(reports: Path, href: str) -> tuple[str, str]:
    """(file name, fragment) a link from reports/html/ reaches; the file must exist."""
    url, frag = href.split("#", 1)
    file = (reports / "html" / url).resolve()
    assert file.is_file(), href
    return file.name, frag


def test_figure_caption_links_claims_and_lessons_to_anchors_sources_plain(reports, anchors,
                                                                          tmp_path):
    import matplotlib.pyplot as plt

    set_theme()
    fig, ax = plt.subplots()
    add_source(fig, "Bài báo", ["c09", "c02", "phu-yen-2", "res80_text", "c09", ""])
    # the ids are kept on the figure, and the saved source line still reads the same
    assert fig.source_ids == ["c09", "c02", "phu-yen-2", "res80_text"]
    svg = figure_svg(fig)
    assert "res80_text" in svg  # the source line names them too
    for lang, page, prefix in (("vi", f"{PAGE}.html", "Trong bài: "),
                               ("en", f"{PAGE}_en.html", "In the article: ")):
        caption = figure_caption(fig, lang)
        assert caption == figure_caption(ax, lang)  # an Axes works as well
        assert caption.startswith(prefix)
        links = MD_LINK.findall(caption)
        assert [text for text, _ in links] == ["c09", "c02", "phu-yen-2"]
        targets = [_target(reports, href) for _, href in links]
        assert targets == [(page, "claim-c09"), (page, "claim-c02"),
                           (page, "lesson-phu-yen-2")]
        assert all(frag in anchors[name] for name, frag in targets)
        # the source id is named, not linked (no anchor on the page would match it)
        assert caption.endswith("res80\\_text")
        assert "res80" not in "".join(href for _, href in links)
    plt.close(fig)


def test_figure_caption_escapes_and_is_empty_without_ids():
    import matplotlib.pyplot as plt

    fig, _ = plt.subplots()
    assert figure_caption(fig) == ""  # no add_source: nothing to link
    add_source(fig, "x", ["c01", "[c02](javascript:alert(1))", "<b>x</b>"])
    caption = figure_caption(fig, "en")
    assert MD_LINK.findall(caption) == [
        ("c01", "../source/000_e03e84a75c12cd48_en.html#claim-c01")]
    assert "\\[c02\\]\\(javascript:alert\\(1\\)\\)" in caption and "\\<b\\>" in caption
    plt.close(fig)


def _linked(frame: pd.DataFrame, lang: str, columns=None, links=None) -> str:
    shown = tables.reader_table(frame, lang, columns)
    names = {tables.header(c, lang): kind for c, kind in (links or {}).items()}
    return tables.typeset(shown, label="probe", lang=lang, links=names)


def test_typeset_table_escapes_cells_and_links_ids(reports, anchors):
    frame = pd.DataFrame({
        "check_id": ["<script>alert(1)</script>", "c2"],
        "evidence": ['"Một là" & 1 < 2', None],
        "claim_ids": ["c01;c10", ""],
        "lesson_ids": ["", "phu-yen-2"],
    })
    out = _linked(frame, "en", links={"claim_ids": "claim", "lesson_ids": "lesson"})
    assert "<script>alert" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    parsed = _Html(out)
    assert parsed.cells == ["<script>alert(1)</script>", '"Một là" & 1 < 2', "c01, c10", "",
                            "c2", "", "", "phu-yen-2"]
    assert [(_target(reports, h), text) for h, text in parsed.links] == [
        ((f"{PAGE}_en.html", "claim-c01"), "c01"), ((f"{PAGE}_en.html", "claim-c10"), "c10"),
        ((f"{PAGE}_en.html", "lesson-phu-yen-2"), "phu-yen-2")]
    assert all(frag in anchors[f"{PAGE}_en.html"] for h, _ in parsed.links
               for frag in [h.split("#")[1]])
    assert ">Evidence</th>" in out  # headers localised as in tables.localised


def test_claims_table_links_every_claim_to_its_quote(reports):
    claims = load_claims(paths.PROCESSED / "claims.csv")
    out = _linked(claims, "vi", ["claim_id", "quote", "same_as"],
                  {"claim_id": "claim", "same_as": "claim"})
    parsed = _Html(out)
    page = _Html((reports / "source" / f"{PAGE}.html").read_text(encoding="utf-8"))
    first = [(h, text) for h, text in parsed.links if text in set(claims["claim_id"])]
    assert [text for _, text in first][:3] == ["c01", "c02", "c03"]
    ids = list(claims["claim_id"])
    linked = [text for _, text in parsed.links]
    same = [s for s in claims["same_as"].dropna() if str(s).strip()]
    assert sorted(linked) == sorted(ids + same)
    for href, _ in parsed.links:
        name, frag = _target(reports, href)
        assert name == f"{PAGE}.html" and frag in page.ids
    # the quote cell is the article's text, as written (3,93% for c02)
    quotes = parsed.cells[1::3]
    assert quotes == list(claims["quote"]) and "3,93%" in quotes


# --------------------------------------------------------------------------------------------
# The notebooks themselves (two kernels)


def _outputs(nb: nbformat.NotebookNode, mime: str) -> list[str]:
    return [str(o["data"][mime]) for c in nb.cells if c.cell_type == "code"
            for o in c.outputs if mime in o.get("data", {})]


@pytest.mark.slow
def test_04_audit_rows_and_figure_link_their_claims(executed, reports, anchors):
    nb = executed("04_claims_audit_vi")
    records = read_records(nb)
    tables = [records[label].data["text/html"] for label in ("tab-claims", "tab-findings")]
    assert f'href="../source/{PAGE}.html#claim-c01"' in tables[0]
    claims = load_claims(paths.PROCESSED / "claims.csv")
    claims_table = _Html(tables[0])
    assert {text for _, text in claims_table.links} == set(claims["claim_id"])
    checks = _Html(tables[1])
    assert "Bằng chứng" in tables[1] and checks.links
    for parsed in (claims_table, checks):
        for href, _ in parsed.links:
            name, frag = _target(reports, href)
            assert name == f"{PAGE}.html" and frag in anchors[name], href
    # the audit figure's caption links the claims its checks name
    (caption,) = [m for m in _outputs(nb, "text/markdown") if "Trong bài: " in m]
    linked = [text for text, _ in MD_LINK.findall(caption)]
    assert linked and set(linked) <= {text for _, text in checks.links}
    assert all(_target(reports, h)[1] in anchors[f"{PAGE}.html"]
               for _, h in MD_LINK.findall(caption))


@pytest.mark.slow
def test_01_figure_captions_link_the_english_page(executed, reports, anchors):
    nb = executed("01_poverty_trajectory_phu-yen_en")
    captions = [m for m in _outputs(nb, "text/markdown") if "In the article: " in m]
    assert len(captions) == 2  # the trajectory and the implied totals
    trajectory = [text for text, _ in MD_LINK.findall(captions[0])]
    # c02: Phú Yên's 3.93% poor-household rate at the end of 2019, the trajectory's first point
    assert "c02" in trajectory
    assert f"](../source/{PAGE}_en.html#claim-c02)" in captions[0]
    for caption in captions:
        for _, href in MD_LINK.findall(caption):
            name, frag = _target(reports, href)
            assert name == f"{PAGE}_en.html" and frag in anchors[name], href
    # the targets' source ids are named after the claims, not linked
    assert "sources: " in captions[0]
