"""The replication report (analysis.build.replication): assembled from executed notebooks, with
numbered and referenced figures, a summary whose numbers are the notebooks' key values, and a
PDF with correct Vietnamese and an outline. The slow part builds the Vietnamese notebooks
01-05 for Phú Yên with the batch engine (5 kernels) into a temporary reports folder."""

from __future__ import annotations

import json
import re
import string
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
import yaml

from analysis.build import replication
from analysis.build.export import external_references
from analysis.data import paths
from analysis.data.raw import read_sources
from analysis.errors import UserError
from analysis.show.record import read_records

SECTIONS = ["sec-summary", "sec-01", "sec-02", "sec-03", "sec-04", "sec-05", "sec-methods",
            "sec-sources"]
TRANSLATIONS = paths.PACKAGE_DIR / "show" / "translations" / "replication.yml"


# ------------------------------------------------------------------------------ fast checks


def test_missing_notebooks_is_one_line_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError) as err:
        replication.build_replication(tmp_path, "vi")
    msg = str(err.value)
    assert "\n" not in msg
    assert "01_poverty_trajectory_phu-yen_vi" in msg and "04_claims_audit_vi" in msg
    assert "make reports" in msg and "python -m analysis build --only" in msg


def test_unknown_language_and_format_rejected(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="lang"):
        replication.build_replication(tmp_path, "fr")
    with pytest.raises(UserError, match="format"):
        replication.build_replication(tmp_path, "vi", formats=["docx"])


def test_job_names_follow_the_declarations() -> None:
    names = dict(replication.job_names("en", "Phú Yên"))
    assert names == {"01": "01_poverty_trajectory_phu-yen_en", "02": "02_repoverty_phu-yen_en",
                     "03": "03_lessons_phu-yen_en", "04": "04_claims_audit_en",
                     "05": "05_national_context_phu-yen_en"}


def test_translations_have_the_same_fields_in_both_languages() -> None:
    table = yaml.safe_load(TRANSLATIONS.read_text(encoding="utf-8"))
    fields = string.Formatter()
    for key, texts in table.items():
        assert key.startswith("rep_"), key
        vi = {f for _, f, _, _ in fields.parse(texts["vi"]) if f}
        en = {f for _, f, _, _ in fields.parse(texts["en"]) if f}
        assert vi == en, key
        # no number is typed into a sentence: digits only in {fields}, names of documents and
        # years, list markers and the rank convention "1 = highest"
        for lang in ("vi", "en"):
            literal = "".join(lit for lit, _, _, _ in fields.parse(texts[lang]))
            allowed = (r"\d{2,3}/\d{4}/QĐ-TTg|\d{4}–\d{4}|c01, c02|\(\d\)|\b1 = "
                       r"|\b20[12]\d\b|SHA-256")
            literal = re.sub(allowed, "", literal)
            assert not re.search(r"\d", literal), (key, lang, literal)


def test_sources_register_is_parsed() -> None:
    entries = {e.id: e for e in read_sources()}
    assert {"gso_pov_prov", "res80_text", "qd1722_baolangson", "geoboundaries_vnm_adm1",
            "phnompenhpost_vna_2021"} <= set(entries)
    assert entries["res80_text"].address.startswith("https://thuviennhadat.vn/")
    assert "Nghị quyết 80/NQ-CP" in entries["res80_text"].title
    assert entries["gso_pov_prov"].group.startswith("GSO tables")


def test_inline_svg_prefixes_ids_and_references() -> None:
    svg = ('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><defs>'
           '<clipPath id="p1"><rect/></clipPath><path id="m2" d="M0 0"/></defs>'
           '<g id="figure_1" clip-path="url(#p1)"><use href="#m2"/></g>'
           '<text style="font-family: \'DejaVu Sans\'">Tỷ lệ [c09, res80_text]</text></svg>')
    out = replication.inline_svg(svg, "f3-")
    assert out.startswith("<svg")
    assert 'id="f3-p1"' in out and "url(#f3-p1)" in out and 'href="#f3-m2"' in out
    assert 'id="figure_1"' not in out and 'id="f3-figure_1"' in out


def test_runs_render_the_same_links_in_html_and_typst() -> None:
    links = replication.Links("vi", "source/a.html", frozenset({"res80_text"}))
    runs = replication.fill("Xem {f}, {c} và {s}: {n}%",
                            f=replication.Run("ref", "Hình 2", "fig-2"),
                            c=[replication.Run("claim", "c09")],
                            s=replication.Run("source", "res80_text"),
                            n=replication.Run("num", "12,62", "01:trajectory.0.rate"))
    out = replication.render_html(runs, links)
    assert '<a class="rep-ref" href="#fig-2">Hình 2</a>' in out
    assert 'href="source/a.html#claim-c09"' in out
    assert 'href="#src-res80_text"' in out
    assert 'data-key="01:trajectory.0.rate">12,62<' in out
    typ = replication.render_typst(runs, links)
    assert "#link(<fig-2>)" in typ and "#link(<src-res80_text>)" in typ
    assert f"#link(<{replication.APPENDIX_LABEL}>)" in typ


def test_git_commit_is_a_sha_or_unknown(tmp_path: Path) -> None:
    assert re.fullmatch(r"[0-9a-f]{40}|unknown", replication.git_commit())
    assert replication.git_commit(tmp_path) == "unknown"


# ------------------------------------------------------------------------------ built report


class _Collect(HTMLParser):
    """ids, internal links, h1s, figures and the summary's numbers of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.hrefs: list[tuple[str, str]] = []  # (href, enclosing section)
        self.h1: list[tuple[str, str]] = []
        self.nums: list[tuple[str, str]] = []
        self.captions: dict[str, str] = {}
        self.section = ""
        self._h1: str | None = None
        self._num: str | None = None
        self._fig: str | None = None
        self._buf: list[str] = []
        self._cap = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"] or "")
        if tag == "h1" and a.get("id"):
            self._h1, self._buf, self.section = a["id"], [], a["id"] or ""
        if tag == "a" and a.get("href"):
            self.hrefs.append((a["href"] or "", self.section))
        if tag == "span" and "rep-num" in (a.get("class") or ""):
            self._num, self._buf = a.get("data-key"), []
        if tag == "figure" and (a.get("id") or "").startswith("fig-"):
            self._fig = a["id"]
        if tag == "figcaption" and self._fig:
            self._cap, self._buf = True, []

    def handle_data(self, data: str) -> None:
        self._buf.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1" and self._h1:
            self.h1.append((self._h1, "".join(self._buf).strip()))
            self._h1 = None
        if tag == "span" and self._num:
            self.nums.append((self._num, "".join(self._buf)))
            self._num = None
        if tag == "figcaption" and self._cap and self._fig:
            self.captions[self._fig] = "".join(self._buf)
            self._cap, self._fig = False, None


def _recorded(path: Path) -> dict:
    """What a notebook recorded, by label (its facts and key values), read with the record
    layer, not with analysis.build.replication."""
    nb = nbformat.read(path, as_version=4)
    return {label: rec.values for label, rec in read_records(nb).items()
            if rec.kind == "facts"}


def _vi_number(text: str) -> tuple[float, int]:
    """'30.803' → (30803, 0); '12,62' → (12.62, 2)."""
    whole, _, frac = text.replace(".", "").partition(",")
    return float(f"{whole}.{frac or 0}"), len(frac)


@pytest.fixture(scope="module")
def built(grid: Path) -> Path:
    """The suite's shared build (conftest `GRID`), whose replication reports it assembled."""
    assert (grid / "replication_vi.html").is_file() and (grid / "replication_vi.pdf").is_file()
    return grid


@pytest.fixture(scope="module")
def page(built: Path) -> _Collect:
    parser = _Collect()
    parser.feed((built / "replication_vi.html").read_text(encoding="utf-8"))
    return parser


@pytest.mark.slow
def test_sections_in_order_with_notebook_titles(page: _Collect) -> None:
    assert [a for a, _ in page.h1] == SECTIONS
    titles = dict(page.h1)
    assert titles["sec-01"] == "1 · Tỷ lệ hộ nghèo của Phú Yên"
    assert titles["sec-02"] == "2 · Tái nghèo ở Phú Yên"
    assert titles["sec-05"] == "5 · Bối cảnh cả nước"


@pytest.mark.slow
def test_html_self_contained_code_free_and_links_resolve(built: Path, page: _Collect) -> None:
    text = (built / "replication_vi.html").read_text(encoding="utf-8")
    assert external_references(text) == []
    assert "injected-parameters" not in text and "papermill" not in text
    assert "import " not in text and "show_key_values" not in text  # no code
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"
    ids = set(page.ids)
    internal = [h for h, _ in page.hrefs if h.startswith("#")]
    assert internal and all(h[1:] in ids for h in internal)
    source = (built / "source" / "000_e03e84a75c12cd48.html").read_text(encoding="utf-8")
    source_ids = set(re.findall(r'\bid="([^"]+)"', source))
    claims = [h for h, _ in page.hrefs if h.startswith("source/000_e03e84a75c12cd48.html#")]
    assert any("#claim-c09" in h for h in claims) and any("#lesson-" in h for h in claims)
    assert all(h.split("#", 1)[1] in source_ids for h in claims)
    assert not any(h.startswith("../") for h, _ in page.hrefs), "links leave reports/"


@pytest.mark.slow
def test_every_figure_numbered_captioned_and_referenced(page: _Collect) -> None:
    figs = [i for i in page.ids if re.fullmatch(r"fig-\d+", i)]
    assert figs == [f"fig-{n}" for n in range(1, len(figs) + 1)]
    assert len(figs) == 9  # 01: 2, 02: 1, 03: 2, 04: 1, 05: 3
    for fig in figs:
        assert page.captions[fig].startswith(f"Hình {fig[4:]}.")
        refs = [s for h, s in page.hrefs if h == f"#{fig}"]
        assert "sec-summary" in refs, f"{fig} is not referenced from the summary"
    tables = [i for i in page.ids if re.fullmatch(r"tab-\d+", i)]
    assert tables == [f"tab-{n}" for n in range(1, len(tables) + 1)] and len(tables) >= 9
    assert all(any(h == f"#{t}" for h, _ in page.hrefs) for t in tables)
    assert "Số liệu trong bài: c09" in page.captions["fig-1"]


@pytest.mark.slow
def test_summary_numbers_are_the_notebooks_recorded_facts(built: Path, page: _Collect) -> None:
    executed = {number: _recorded(built / "executed" / f"{name}.ipynb")
                for number, name in replication.job_names("vi", "Phú Yên")}
    assert len(page.nums) >= 20
    for key, shown in page.nums:
        number, dotted = key.split(":", 1)
        value: object = executed[number]
        for part in dotted.split("."):
            value = value[int(part)] if isinstance(value, list) else value[part]
        if isinstance(value, str):
            assert shown == value, key
            continue
        parsed, decimals = _vi_number(shown)
        assert abs(parsed - float(value)) <= 0.5 * 10 ** -decimals + 1e-9, (key, shown, value)
    shown = {s for _, s in page.nums}
    # the article's own figures, as a Vietnamese reader writes them
    assert {"12,62", "30.803", "3,93", "10.271", "2,54", "12,97", "7,1", "5,87"} <= shown
    assert any("37.600" in s for s in shown)
    kv = executed["04"]["key-values"]
    assert str(kv["counts"]["n_pass"]) in shown and str(kv["n_claims"]) in shown


@pytest.mark.slow
def test_pdf_vietnamese_text_and_outline(built: Path, page: _Collect) -> None:
    from pypdf import PdfReader

    reader = PdfReader(built / "replication_vi.pdf")
    text = unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in reader.pages))
    for phrase in ("Phú Yên", "Hải Dương", "An Giang", "giảm nghèo bền vững", "Tóm tắt kết quả",
                   "Hình 1.", "Bảng 1.", "12,62", "30.803", "Phạm Nguyễn"):
        assert phrase in text, phrase
    top = [unicodedata.normalize("NFC", o.title) for o in reader.outline if not isinstance(o, list)]
    assert top[: len(SECTIONS)] == [title for _, title in page.h1]
    assert len(top) == len(SECTIONS) + 1  # + the annotated article appendix
    meta = json.dumps(reader.metadata or {}, ensure_ascii=False, default=str)
    assert "Báo cáo tái lập" in unicodedata.normalize("NFC", meta)
