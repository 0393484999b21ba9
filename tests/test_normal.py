"""Any Unicode form reads the same: decomposed (NFD) text gives the claims, lessons and numbers of
the precomposed text, with quotes and offsets in the caller's own string."""

from __future__ import annotations

import math
import unicodedata

import pandas as pd
import pytest

from analysis.data.processed import CLAIM_COLUMNS
from analysis.reading.article import load_article
from analysis.reading.claims import extract_article_claims, extract_claims
from analysis.reading.lessons import extract_article_lessons, extract_lessons
from analysis.reading.normal import normalise
from analysis.reading.numbers import find_numbers

#: Columns that do not hold offsets: the same whatever form the text is in.
_SAME = [c for c in CLAIM_COLUMNS if c not in ("quote", "start", "end")
         and not c.endswith(("_cue_start", "_cue_end"))]


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def _words(text: str, claims: pd.DataFrame, field: str, nfc: bool) -> list[str | None]:
    """The words each claim's `field` cue points at, in NFC."""
    out = []
    for start, end in zip(claims[f"{field}_cue_start"], claims[f"{field}_cue_end"], strict=True):
        words = None if pd.isna(start) else text[int(start):int(end)]
        out.append(unicodedata.normalize("NFC", words) if words is not None and nfc else words)
    return out


@pytest.fixture(scope="module")
def seed() -> tuple[str, list[tuple[int, int, str]]]:
    article = load_article()
    return article.masked_text(), [(s.start, s.end, s.place) for s in article.sections]


def test_map_round_trips_every_span() -> None:
    text = "Đến cuối năm 2019, tỉnh Phú Yên còn 10.271 hộ nghèo; dự ước còn 2,54%."
    source = _nfd(text)
    norm = normalise(source)
    assert norm.text == text and not norm.identity
    for a in range(len(text) + 1):
        for b in range(a, len(text) + 1):
            s, e = norm.source_span(a, b)
            assert unicodedata.normalize("NFC", source[s:e]) == text[a:b]
            assert (norm.from_source(s), norm.from_source(e, end=True)) == (a, b)


def test_nfc_text_is_not_copied() -> None:
    text = "Toàn tỉnh còn 500 hộ nghèo."
    norm = normalise(text)
    assert norm.identity and norm.text is text and norm.to_source(7) == 7


def test_nfd_seed_gives_the_same_twelve_claims(seed) -> None:
    text, sections = seed
    nfc = extract_article_claims(load_article())
    nfd_text = _nfd(text)
    assert nfd_text != text
    norm = normalise(nfd_text)
    nfd_sections = [(norm.to_source(s), norm.to_source(e, end=True), p) for s, e, p in sections]
    nfd = extract_claims(nfd_text, sections=nfd_sections)
    assert len(nfd) == len(nfc) == 12
    for r in nfd.itertuples():
        assert nfd_text[r.start:r.end] == r.quote
    assert [unicodedata.normalize("NFC", q) for q in nfd["quote"]] == nfc["quote"].tolist()
    pd.testing.assert_frame_equal(nfd[_SAME], nfc[_SAME])
    for field in ("period", "base", "status"):  # the cues' words, found in the caller's text
        assert (_words(nfd_text, nfd, field, nfc=True) == _words(text, nfc, field, nfc=False))


def test_nfd_without_sections_reads_as_nfc(seed) -> None:
    text, _ = seed
    nfc, nfd = extract_claims(text), extract_claims(_nfd(text))
    pd.testing.assert_frame_equal(nfd[_SAME], nfc[_SAME])


def test_nfd_lessons_index_the_callers_text(seed) -> None:
    text, _ = seed
    nfc, nfd = extract_article_lessons(load_article()), extract_lessons(_nfd(text))
    nfd_text = _nfd(text)
    assert len(nfd) == len(nfc) == 15
    for r in nfd.itertuples():
        assert nfd_text[r.start:r.end] == r.text and r.text.startswith(r.marker)
    assert nfd["lesson_id"].tolist() == nfc["lesson_id"].tolist()
    assert [unicodedata.normalize("NFC", t) for t in nfd["text"]] == nfc["text"].tolist()


def test_nfd_numbers_index_the_callers_text() -> None:
    source = _nfd("Hơn 37.600 hộ thoát nghèo, chiếm tỷ lệ 3,93%; giảm 1,2 điểm phần trăm.")
    found = [n for n in find_numbers(source) if n.kind == "quantity"]
    assert [(n.value, n.unit, n.qualifier) for n in found] == [
        (37600, None, "hơn"), (3.93, "percent", None), (1.2, "percentage_points", None)]
    for n in found:
        assert source[n.start:n.end] == n.text
        assert not math.isnan(n.value)
