"""The labelled reading corpus (data/corpus): real texts, labels at their offsets, variety."""

from __future__ import annotations

import shutil
import unicodedata

import pandas as pd
import pytest

from analysis.data import corpus as corpus_module
from analysis.data.corpus import INDICATORS, STATUSES, TIMEPOINTS, UNITS, load_corpus
from analysis.data.provinces import find_provinces
from analysis.errors import UserError


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def test_at_least_15_real_texts_with_addresses(corpus):
    assert len(corpus.texts) == 19
    assert corpus.meta["url"].str.startswith("http").all()
    assert corpus.meta["retrieval_note"].str.contains("stored copy of the page").all()
    assert corpus.meta["url"].is_unique
    assert all(unicodedata.is_normalized("NFC", t) for t in corpus.texts.values())


def test_every_quote_is_at_its_offsets(corpus):
    for row in corpus.claims.itertuples():
        assert corpus.texts[row.text_id][row.start:row.end] == row.quote
    for row in corpus.lessons.itertuples():
        assert corpus.texts[row.text_id][row.start:row.end].startswith(row.marker)
    assert len(corpus.claims) == 178 and len(corpus.lessons) == 11


def test_real_values_read_by_hand(corpus):
    c = corpus.claims.set_index(["text_id", "claim_no"])
    lai_chau = c.loc[("06_laichau_2006_2021", 8)]  # "giảm từ 58,2% năm 2006 xuống 27,9% năm 2021"
    assert (lai_chau.quote, lai_chau.value, lai_chau.period) == ("58,2%", 58.2, "2006")
    end = c.loc[("06_laichau_2006_2021", 9)]
    assert (end.value, end.period) == (27.9, "2021")
    zero = c.loc[("10_laocai_muctieu", 5)]
    assert (zero.quote, zero.value, zero.status) == ("không còn hộ nghèo", 0.0, "target")
    near = c.loc[("16_toanquoc_2023_vung", 18)]  # written "tổng số hộ nghèo" by slip
    assert (near.value, near.indicator) == (771235.0, "near_poor_households")
    partial = c.loc[("14_toanquoc_kinhphi_2023", 3)]
    assert (partial.value, partial.unit, partial.timepoint) == (1410.892, "billion_vnd",
                                                                "partial_year")


def test_required_variety(corpus):
    claims, lessons = corpus.claims, corpus.lessons
    assert lessons["text_id"].nunique() >= 3
    assert (claims["status"] == "target").sum() >= 20
    assert (claims["status"] == "estimate").sum() >= 10
    assert claims["indicator"].str.startswith("near_poor").sum() >= 20
    assert claims["period"].str.contains("-").any()  # spans
    assert claims["period"].str.contains(" vs ").any()  # changes against a named time
    years = claims["period"].str.extract(r"^(\d{4})")[0].astype(int)
    assert years.between(2016, 2025).mean() > 0.8
    assert set(claims["timepoint"].dropna()) >= {"end_of_year", "partial_year", "period"}
    provinces = {name for places in corpus.meta["places"] for name, _, _ in find_provinces(places)}
    assert len(provinces) >= 10, provinces
    assert {"Phú Yên", "Hải Dương", "An Giang"}.isdisjoint(provinces)  # the seed's provinces
    published = corpus.meta["published"].dropna().str[:4].astype(int)
    assert published.between(2016, 2025).all()


def test_field_values_in_the_vocabulary(corpus):
    claims = corpus.claims
    assert set(claims["indicator"]) <= set(INDICATORS)
    assert set(claims["status"]) <= set(STATUSES)
    assert set(claims["timepoint"].dropna()) <= set(TIMEPOINTS)
    assert set(claims["unit"]) <= set(UNITS) | {"billion_vnd"}
    assert claims["period"].str.fullmatch(r"\d{4}(-\d{4})?( vs \d{4}(-\d{4})?)?").all()


def _copy(tmp_path):
    root = tmp_path / "corpus"
    shutil.copytree(corpus_module.CORPUS, root)
    return root


def test_a_wrong_offset_names_file_row_and_fix(tmp_path):
    root = _copy(tmp_path)
    claims = pd.read_csv(root / "claims.csv", dtype=str, keep_default_na=False)
    claims.loc[4, "start"] = str(int(claims.loc[4, "start"]) + 1)
    claims.to_csv(root / "claims.csv", index=False, lineterminator="\n")
    with pytest.raises(UserError) as e:
        load_corpus(root)
    message = str(e.value)
    assert "claims.csv, line 6" in message and "01_toanquoc_2022_vung, claim 5" in message
    assert "'701.461 hộ' is not at" in message and "fix: set start/end" in message
    assert "the quote occurs at start 322" in message
    assert "\n" not in message


def test_a_non_nfc_text_is_refused(tmp_path):
    root = _copy(tmp_path)
    path = root / "texts" / "03_camau_2023.txt"
    path.write_text(unicodedata.normalize("NFD", path.read_text(encoding="utf-8")),
                    encoding="utf-8")
    with pytest.raises(UserError, match="not in Unicode NFC"):
        load_corpus(root)


def test_an_unknown_indicator_is_refused(tmp_path):
    root = _copy(tmp_path)
    claims = pd.read_csv(root / "claims.csv", dtype=str, keep_default_na=False)
    claims.loc[0, "indicator"] = "poverty"
    claims.to_csv(root / "claims.csv", index=False, lineterminator="\n")
    with pytest.raises(UserError, match="indicator"):
        load_corpus(root)
