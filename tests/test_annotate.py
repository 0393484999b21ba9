"""The annotated source page: one anchor per claim and lesson, exact spans, escaping, no leaks."""

from __future__ import annotations

import html
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import typst
from pypdf import PdfReader

from analysis.build.export import external_references
from analysis.data import paths
from analysis.data.codebook import Theme, load_codebook
from analysis.errors import UserError
from analysis.reading.article import load_article, parse_article
from analysis.show.annotate import (
    STATUSES,
    _tint,
    annotate_html,
    annotated_typst,
    main_annotate,
    read_layer,
    source_caption,
    write_annotated,
)
from analysis.show.links import source_link, source_page
from analysis.show.style import PALETTE

# A short article in the same register: a dateline, a headline with hostile markup, a lead with
# figures, a province section with two lessons (the first holding a target figure), a byline.
SHORT = """Trang chủ Xã hội
10:00 | 05/01/2022 GMT+7

Giảm nghèo ở Quảng Nam năm 2021 <script>alert(1)</script> & 1 < 2

Năm 2021, Quảng Nam có 4.512 hộ thoát nghèo, tỷ lệ hộ nghèo 3,2%; dự kiến cuối năm 2022 còn 2,5%.

Quảng Nam: những bài học

Tỉnh rút ra một số bài học kinh nghiệm như sau:

Một là, phấn đấu giảm tỷ lệ hộ nghèo 1,5% trở lên mỗi năm, huy động cả hệ thống chính trị.

Hai là, đẩy mạnh công tác tuyên truyền, vận động nhân dân.

Nguyễn Văn An
"""


class _Page(HTMLParser):
    """Elements with an id (and their text), fragments per claim/lesson, links, scripts."""

    VOID = {"meta", "br", "img", "hr", "input", "link"}

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.texts: dict[int, list[str]] = {}
        self.ids: list[str] = []
        self.id_text: dict[str, str] = {}
        self.id_ancestors: dict[str, list[str]] = {}
        self.id_class: dict[str, str] = {}
        self.fragments: dict[tuple[str, str], list[str]] = {}
        self.hrefs: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self._open: list[tuple[int, str | None, tuple[str, str] | None]] = []
        self._n = 0
        self.feed(page)
        self.close()
        assert not self.stack, f"unclosed elements: {[t for t, _ in self.stack]}"

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "href" in a:
            self.hrefs.append(a["href"] or "")
        if tag in self.VOID:
            return
        self._n += 1
        self.texts[self._n] = []
        frag = next(((k, a[f"data-{k}"]) for k in ("claim", "lesson") if f"data-{k}" in a), None)
        if a.get("id"):
            self.ids.append(a["id"])
            self.id_ancestors[a["id"]] = [x for _, x, _f in self._open if x]
            self.id_class[a["id"]] = a.get("class") or ""
        self._open.append((self._n, a.get("id"), frag))
        self.stack.append((tag, a))

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        open_tag, _ = self.stack.pop()
        assert open_tag == tag, f"</{tag}> closes <{open_tag}>"
        n, eid, frag = self._open.pop()
        text = "".join(self.texts.pop(n))
        if eid:
            self.id_text[eid] = text
        if frag:
            self.fragments.setdefault(frag, []).append(text)

    def handle_data(self, data):
        self.text.append(data)
        for n, _id, _f in self._open:
            self.texts[n].append(data)



@pytest.fixture(scope="module")
def layer(article):
    return read_layer(article)


@pytest.fixture(scope="module")
def page(article, layer):
    return annotate_html(article, *layer, lang="vi")


@pytest.fixture(scope="module")
def parsed(page):
    return _Page(page)


def test_every_claim_and_lesson_has_exactly_one_anchor_on_its_span(layer, parsed):
    claims, lessons, _ = layer
    assert len(claims) == 12 and len(lessons) == 15
    expected = ([f"claim-{i}" for i in claims["claim_id"]]
                + [f"lesson-{i}" for i in lessons["lesson_id"]])
    assert sorted(parsed.ids) == sorted(expected)  # each once, and no other ids
    for row in claims.itertuples():
        assert parsed.id_text[f"claim-{row.claim_id}"] == row.quote
    for row in lessons.itertuples():
        assert parsed.id_text[f"lesson-{row.lesson_id}"] == row.text
    assert parsed.id_text["claim-c04"] == "hơn 37.600 hộ"
    assert parsed.id_text["lesson-an-giang-5"].startswith("Thứ năm, hằng năm, tổ chức")


def test_status_colours_and_notes(page, parsed, layer):
    claims = layer[0]
    for status in STATUSES:
        assert f"background: {_tint(PALETTE[status], 0.3)}" in page
        assert re.search(rf"\.claim\.{status}\b[^{{]*\{{[^}}]*{PALETTE[status]}", page)
    by_status = {i: s for i, s in zip(claims["claim_id"], claims["status"], strict=True)}
    assert by_status["c03"] == by_status["c12"] == "estimate"
    for cid, status in by_status.items():
        assert parsed.id_class[f"claim-{cid}"].split()[:2] == ["claim", status]
    # the hover note of c04 gives value, unit, indicator, period and place, and the article's
    # words that set its period and status
    note = re.search(r'id="claim-c04"[^>]*data-note="([^"]*)"', page).group(1)
    assert note.split("\n") == ["Số liệu c04 · thực tế", "37.600 hộ (hơn)",
                                "households_escaped_poverty · 2011-2015 (period)", "Phú Yên",
                                "thời kỳ theo «giai đoạn 2011 - 2015»", "trạng thái theo «đã»"]
    note12 = re.search(r'id="claim-c12"[^>]*data-note="([^"]*)"', page).group(1)
    assert "ước tính" in note12 and "2,54%" in note12 and "cùng số liệu với c03" in note12
    assert note12.split("\n")[-2:] == ["thời kỳ theo «cuối năm 2020»",
                                       "trạng thái theo «dự ước»"]
    note6 = re.search(r'id="claim-c06"[^>]*data-note="([^"]*)"', page).group(1)
    assert ("thời kỳ theo «giai đoạn 2011 - 2015» + «so với giai đoạn 2006 - 2010»"
            in note6.split("\n"))
    # every cue the note quotes is the article's text at the claim's cue offsets
    text = load_article().text
    for row in claims.itertuples():
        for field in ("period", "base", "status"):
            start, end = getattr(row, f"{field}_cue_start"), getattr(row, f"{field}_cue_end")
            if not pd.isna(start):
                note_i = re.search(rf'id="claim-{row.claim_id}"[^>]*data-note="([^"]*)"',
                                   page).group(1)
                assert html.escape(f"«{text[start:end]}»", quote=True) in note_i


def test_english_notes_say_where_the_period_and_status_came_from(tmp_path, layer):
    page = Path(main_annotate(out_dir=tmp_path, lang="en")[0]).read_text(encoding="utf-8")
    note = re.search(r'id="claim-c03"[^>]*data-note="([^"]*)"', page).group(1)
    assert note.split("\n")[-2:] == ["period read from «cuối năm 2020»",
                                     "status read from «dự ước»"]


def test_lessons_carry_ordinal_and_theme_names(page, layer):
    codebook = {th.id: th for th in load_codebook()}
    _, lessons, themes = layer
    label = re.search(r'id="lesson-phu-yen-1" data-label="([^"]*)"', page).group(1)
    assert label.startswith("Bài học 1 · Phú Yên · phu-yen-1 — ")
    coded = set(themes.loc[themes["lesson_id"] == "phu-yen-1", "theme_id"])
    assert coded  # the first lesson is about communication: it has a theme
    for theme_id in coded:
        assert codebook[theme_id].name_vi in label


def test_body_only_headline_kept_chrome_left_out(page, parsed, article):
    text = "".join(parsed.text)
    assert article.headline.text == "Những bài học kinh nghiệm từ công tác giảm nghèo bền vững"
    assert f'<h1 class="headline" data-start="{article.headline.start}"' in page
    assert parsed.id_text  # sanity
    for chrome in ("Tập Cận Bình", "Nhiều mô hình áp dụng", "Hợp tác kiến tạo môi trường",
                   "Trang chủ", "Các tin bài khác", "Giảm nghèo từ ứng dụng công nghệ 4.0"):
        assert chrome not in text
    assert "Phú Yên: 5 kinh nghiệm" in text and "Phạm Nguyễn" in text
    assert "15:38 | 20/12/2020 GMT+7" in text


def test_self_contained_and_every_link_resolves(page, parsed):
    assert external_references(page) == []
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert "<script" not in page.lower() and "script" not in parsed.tags
    assert parsed.hrefs  # the index tables link every row
    assert {h[1:] for h in parsed.hrefs} <= set(parsed.ids)
    assert all(h.startswith("#") for h in parsed.hrefs)


def _short_frames(text: str):
    art = parse_article(text, source=Path("short.txt"))
    return art, *read_layer(art)


def test_hostile_article_is_escaped():
    evil_theme = Theme("party_leadership_mobilisation", '<i onclick="x">Đảng</i>', "<i>Party</i>",
                       "d", ("huy động",))
    art, claims, lessons, themes = _short_frames(SHORT)
    claims = claims.copy()
    claims.loc[0, "place"] = '"><script>alert(2)</script>'
    page = annotate_html(art, claims, lessons, themes, title="<b>T</b> & <script>",
                         codebook=(evil_theme,))
    assert "<script" not in page.lower() and "<b>" not in page and "<i" not in page
    assert "onclick=\"" not in page
    assert "Giảm nghèo ở Quảng Nam năm 2021 &lt;script&gt;alert(1)&lt;/script&gt; &amp; 1 &lt; 2" \
        in page
    assert "<title>&lt;b&gt;T&lt;/b&gt; &amp; &lt;script&gt;</title>" in page
    parsed = _Page(page)
    assert art.headline.text in "".join(parsed.text)
    assert "&lt;i onclick=&quot;x&quot;&gt;Đảng&lt;/i&gt;" in page  # the theme name, as text


def test_claims_nest_inside_lessons_and_fragments_join():
    art, claims, lessons, themes = _short_frames(SHORT)
    assert list(claims["quote"]) == ["4.512 hộ", "3,2%", "2,5%", "1,5% trở lên"]
    assert list(claims["status"]) == ["actual", "actual", "estimate", "target"]
    parsed = _Page(annotate_html(art, claims, lessons, themes))
    assert parsed.id_ancestors["claim-c04"][-1] == "lesson-quang-nam-1"
    assert parsed.id_class["claim-c04"] == "claim target"
    assert parsed.id_text["lesson-quang-nam-1"] == lessons["text"][0]
    # an artificial claim that starts inside lesson 1 and ends inside lesson 2 (crossing the
    # paragraph break): split into fragments, one anchor, the pieces give back the quote
    s, e = int(lessons["end"][0]) - 15, int(lessons["start"][1]) + 6
    odd = pd.DataFrame({"claim_id": ["x1"], "quote": [art.text[s:e]], "start": [s], "end": [e],
                        "status": ["target"]})
    both = pd.concat([claims, odd], ignore_index=True)
    parsed = _Page(annotate_html(art, both, lessons, themes))
    assert parsed.ids.count("claim-x1") == 1
    pieces = parsed.fragments[("claim", "x1")]
    assert len(pieces) == 2 and " ".join(pieces) == " ".join(art.text[s:e].split())
    lesson_pieces = parsed.fragments[("lesson", "quang-nam-1")]
    assert "".join(lesson_pieces) == lessons["text"][0]


def test_short_article_file_gets_its_anchors(tmp_path):
    src = tmp_path / "tin_quang_nam.txt"
    src.write_text(SHORT, encoding="utf-8")
    out = write_annotated(src, tmp_path / "source")
    assert out == tmp_path / "source" / "tin_quang_nam.html"
    parsed = _Page(out.read_text(encoding="utf-8"))
    assert sorted(parsed.ids) == ["claim-c01", "claim-c02", "claim-c03", "claim-c04",
                                  "lesson-quang-nam-1", "lesson-quang-nam-2"]
    assert parsed.id_text["claim-c01"] == "4.512 hộ"
    assert parsed.id_text["lesson-quang-nam-2"] == ("Hai là, đẩy mạnh công tác tuyên truyền, "
                                                    "vận động nhân dân.")
    assert "Trang chủ" not in "".join(parsed.text)


def test_rerun_writes_identical_files_atomically(tmp_path):
    first = main_annotate(None, tmp_path)
    assert [p.name for p in first] == ["000_e03e84a75c12cd48.html",
                                       "000_e03e84a75c12cd48_en.html"]
    before = [p.read_bytes() for p in first]
    again = main_annotate(None, tmp_path)
    assert [p.read_bytes() for p in again] == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in first]  # no temp left


def test_english_page(tmp_path, layer):
    out = write_annotated(None, tmp_path, lang="en")
    page = out.read_text(encoding="utf-8")
    assert '<html lang="en">' in page and '<article lang="vi">' in page
    assert "Claim c02 · actual\n3.93%" in page
    name_en = load_codebook()[0].name_en
    assert name_en == "Communication and persuasion" and name_en in page
    assert sorted(_Page(page).ids) == sorted(_Page(annotate_html(load_article(), *layer)).ids)


def test_links_and_captions_resolve_from_reports(tmp_path, layer):
    claims, lessons, _ = layer
    assert source_link("claim", "c01") == "../source/000_e03e84a75c12cd48.html#claim-c01"
    assert source_link("lesson", "phu-yen-2", page=source_page("en")) == \
        "../source/000_e03e84a75c12cd48_en.html#lesson-phu-yen-2"
    assert source_caption(["c01", "c02", "c01"], sources=["gso_2016"]) == (
        "Trong bài: [c01](../source/000_e03e84a75c12cd48.html#claim-c01), "
        "[c02](../source/000_e03e84a75c12cd48.html#claim-c02) · nguồn: gso\\_2016")
    assert source_caption() == ""
    assert source_caption(sources=["<x>"], fmt="html", lang="en") == "sources: &lt;x&gt;"
    # every link of an HTML caption, followed from reports/html/, reaches an existing anchor
    main_annotate(None, tmp_path / "source")
    (tmp_path / "html").mkdir()
    for lang in ("vi", "en"):
        caption = source_caption(claims["claim_id"], lessons["lesson_id"], lang=lang,
                                 page=source_page(lang), fmt="html")
        hrefs = re.findall(r'href="([^"]+)"', caption)
        assert len(hrefs) == 27
        for href in hrefs:
            target, frag = href.split("#")
            file = (tmp_path / "html" / target).resolve()
            assert f'id="{frag}"' in file.read_text(encoding="utf-8")


def test_bad_input_is_a_user_error(article, layer):
    claims, lessons, themes = layer
    moved = claims.copy()
    moved.loc[0, "start"] += 1
    with pytest.raises(UserError, match=r"claim 'c01'.*does not match"):
        annotate_html(article, moved, lessons, themes)
    with pytest.raises(UserError, match="appears twice"):
        annotate_html(article, pd.concat([claims, claims.iloc[:1]]), lessons, themes)
    with pytest.raises(UserError, match="lacks column 'quote'"):
        annotate_html(article, claims.drop(columns="quote"), lessons, themes)
    with pytest.raises(UserError, match="unknown lang"):
        annotate_html(article, claims, lessons, themes, lang="fr")
    with pytest.raises(UserError, match="unknown anchor kind"):
        source_link("figure", "x")
    with pytest.raises(UserError, match="not found"):
        write_annotated(paths.RAW / "no_such_article.txt")


def _pdf_text(fragment: str) -> str:
    doc = '#set text(font: "Libertinus Serif", lang: "vi")\n' + fragment
    pdf, warnings = typst.compile_with_warnings(doc.encode("utf-8"),
                                                font_paths=[str(paths.FONTS)],
                                                ignore_system_fonts=True, format="pdf")
    assert [w.message for w in warnings] == []
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_typst_appendix_compiles_with_ids_inline(article, layer):
    claims, lessons, themes = layer
    fragment = annotated_typst(article, claims, lessons, "vi", themes)
    assert fragment.startswith("#[") and fragment.rstrip().endswith("]")
    assert fragment.count('#highlight(fill: rgb("#bbd3e5"))[') == 10 + 1  # 10 actual + legend
    text = _pdf_text(fragment)
    for cid in claims["claim_id"]:
        assert cid in text
    for lid in lessons["lesson_id"]:
        assert lid in text
    assert "Tập Cận Bình" not in text


def test_typst_escapes_markup():
    evil = SHORT.replace("& 1 < 2", '#let x = 1 *bold* $x$ \\ "q" @ref <lbl> ] [')
    art, claims, lessons, themes = _short_frames(evil)
    text = _pdf_text(annotated_typst(art, claims, lessons, "en", themes))
    flat = text.replace("\n", " ")
    for piece in ("#let x = 1", "*bold*", "$x$", "@ref", "<lbl>", '"q"'):
        assert piece in flat
