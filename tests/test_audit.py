"""The audit engine: the article's checks give the findings a careful reader makes, at the
exact places in the page; the same engine runs on another article's claims; declared checks
are validated with errors naming file, entry and field."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.compute import audit
from analysis.data.checks import FIELDS, load_checks, parse_checks
from analysis.errors import UserError
from analysis.reading.similarity import lesson_similarity
from analysis.show import words


@pytest.fixture(scope="module")
def raw(article, claims, lessons):
    return audit.run_audit(claims, lessons, load_checks(), text=article.masked_text())


@pytest.fixture(scope="module")
def result(raw):
    """The findings with their evidence written in English."""
    return words.with_evidence(raw, "en")


def _rows(result: pd.DataFrame, check_id: str) -> pd.DataFrame:
    rows = result[result["check_id"] == check_id]
    assert not rows.empty, check_id
    return rows


def _quote(claims: pd.DataFrame, cid: str) -> str:
    return claims.set_index("claim_id").loc[cid, "quote"]


def test_statuses_are_computed_values(raw, result):
    assert set(result["status"]) <= {"pass", "fail", "flag"}
    assert list(raw.columns) == audit.COLUMNS
    assert list(result.drop(columns="evidence").columns) == [
        c for c in audit.COLUMNS if c not in audit.EVIDENCE_COLUMNS]
    assert result["evidence"].str.len().min() > 20


def test_restated_figures_agree(result, claims):
    rows = _rows(result, "restatements_agree")
    assert (rows["status"] == "pass").all() and len(rows) == 3
    groups = sorted(tuple(_quote(claims, c) for c in ids.split(";")) for ids in rows["claim_ids"])
    assert groups == [("10.271 hộ", "10.271 hộ"), ("2,54%", "2,54%"), ("3,93%", "3,93%")]


def test_repoverty_difference_passes(result, claims):
    row = _rows(result, "repoverty_difference").iloc[0]
    assert row["status"] == "pass"
    assert row["observed"] == pytest.approx(12.97 - 7.1)
    assert row["expected"] == 5.87
    assert sorted(_quote(claims, c) for c in row["claim_ids"].split(";")) == [
        "12,97", "5,87%", "7,1%"]


def test_percentage_points_written_as_percent_is_flagged(result, article, claims):
    rows = _rows(result, "percentage_points_written_as_percent")
    assert list(rows["status"]) == ["flag"]
    row = rows.iloc[0]
    assert _quote(claims, row["claim_ids"]) == "5,87%"
    assert article.text[row["start"]:row["end"]] == "5,87%"
    assert "percentage points" in row["evidence"]


def test_implied_totals_and_plausible_growth(result, claims):
    rows = _rows(result, "implied_household_totals")
    assert (rows["status"] == "pass").all()
    t2016, t2019 = 30803 / 0.1262, 10271 / 0.0393
    totals, growth = rows.iloc[:2], rows.iloc[2]
    assert totals["observed"].tolist() == pytest.approx([t2016, t2019])
    assert "244,081" in totals.iloc[0]["evidence"]
    assert growth["observed"] == pytest.approx(((t2019 / t2016) ** 0.25 - 1) * 100)
    assert growth["expected"] == 3.0


def test_targets_are_met(result):
    rows = _rows(result, "annual_fall_vs_targets")
    assert (rows["status"] == "pass").all()
    assert rows["observed"].iloc[0] == pytest.approx((12.62 - 3.93) / 4)
    assert set(rows["expected"]) == {1.0, 2.0}  # QĐ 1722 (1–1,5) and NQ 80 (2), national


def test_an_giang_lesson_names_thua_thien_hue(result, article):
    rows = _rows(result, "lesson_names_other_province")
    assert list(rows["status"]) == ["flag"]
    row = rows.iloc[0]
    assert row["lesson_ids"] == "an-giang-2"
    assert "Thừa Thiên Huế" in row["evidence"]
    assert article.text[row["start"]:row["end"]] == "Thừa Thiên - Huế"


def test_typo_so_so_at_its_exact_offset(result, article):
    rows = _rows(result, "typo_so_so")
    assert list(rows["status"]) == ["flag"]
    row = rows.iloc[0]
    assert row["start"] == article.text.index("sơ sở")
    assert article.text[row["start"]:row["end"]] == "sơ sở"
    assert row["lesson_ids"] == "hai-duong-3"
    assert "“cơ sở”" in row["evidence"]


def test_reused_lesson_pair_is_flagged(result, article):
    rows = _rows(result, "lessons_reused_across_provinces")
    assert list(rows["lesson_ids"]) == ["phu-yen-2;hai-duong-1"]
    row = rows.iloc[0]
    assert row["status"] == "flag" and row["observed"] >= 0.8
    assert article.text[row["start"]:row["end"]].startswith("cần tăng cường sự lãnh đạo")


def test_evidence_is_data_the_show_layer_writes(raw):
    row = raw[raw["check_id"] == "repoverty_difference"].iloc[0]
    assert row["evidence_key"] == "ev_difference"
    values = row["evidence_values"]
    assert values["computed"] == pytest.approx(12.97 - 7.1) and values["stated"] == 5.87
    assert words.evidence(row["evidence_key"], values, "vi").startswith("12,97 − 7,1 = 5,87")


def test_evidence_in_vietnamese(article, claims, lessons):
    vi = words.with_evidence(audit.run_audit(claims, lessons, load_checks(),
                                             text=article.masked_text()), "vi")
    row = vi[vi["check_id"] == "repoverty_difference"].iloc[0]
    assert row["evidence"].startswith("12,97 − 7,1 = 5,87")
    assert audit.counts(vi) == {"n_pass": 11, "n_fail": 0, "n_flag": 4}


def test_typo_search_without_the_page_uses_lesson_offsets(claims, lessons, article):
    checks = parse_checks([{"id": "t", "kind": "typo", "pattern": "sơ sở",
                                  "correction": "cơ sở"}])
    row = audit.run_audit(claims, lessons, checks).iloc[0]
    assert row["start"] == article.text.index("sơ sở")


def test_square_similarity_matrix_is_accepted(claims, lessons):
    checks = parse_checks([{"id": "r", "kind": "verbatim_reuse", "measure": "similarity",
                                  "threshold": 0.5}])
    rows = audit.run_audit(claims, lessons, checks, similarity=lesson_similarity(lessons))
    assert list(rows["lesson_ids"]) == ["phu-yen-2;hai-duong-1"]


# --------------------------------------------------------------- another article

def _claim(cid, quote, value, unit, indicator, period, timepoint, status="actual",
           same_as=None, start=0):
    return {"claim_id": cid, "quote": quote, "start": start, "end": start + len(quote),
            "value": value, "value_max": math.nan, "unit": unit, "indicator": indicator,
            "period": period, "timepoint": timepoint, "status": status, "place": "Nam Định",
            "qualifier": None, "same_as": same_as}


@pytest.fixture()
def other_article():
    claims = pd.DataFrame([
        _claim("x1", "10%", 10.0, "percent", "poor_household_rate", "2016", "start_of_year"),
        _claim("x2", "20.000 hộ", 20000, "households", "poor_households", "2016",
               "start_of_year", start=10),
        _claim("x3", "6%", 6.0, "percent", "poor_household_rate", "2017", "end_of_year",
               start=20),
        _claim("x4", "30.000 hộ", 30000, "households", "poor_households", "2017", "end_of_year",
               start=30),
        _claim("x5", "6,5%", 6.5, "percent", "poor_household_rate", "2017", "end_of_year",
               same_as="x3", start=40),
        _claim("x6", "3 điểm phần trăm", 3.0, "percentage_points", "poor_household_rate_change",
               "2016-2017", "period", start=50),
    ])
    lessons = pd.DataFrame({"lesson_id": ["nam-dinh-1", "nam-dinh-2"],
                            "place": ["Nam Định", "Nam Định"], "marker": ["Một là", "Hai là"],
                            "start": [100, 200], "end": [150, 260],
                            "text": ["Một là, học tập kinh nghiệm của Thái Bình.",
                                     "Hai là, phát triển sản xuất nông nghiệp bền vững."]})
    return claims, lessons


def test_engine_runs_on_another_articles_claims(other_article):
    claims, lessons = other_article
    checks = parse_checks({"checks": [
        {"id": "same", "kind": "restatement"},
        {"id": "diff", "kind": "difference", "a": {"indicator": "poor_household_rate",
                                                   "period": "2016"},
         "b": {"claim_id": "x3"}, "stated": {"indicator": "poor_household_rate_change"}},
        {"id": "totals", "kind": "implied_total", "count": {"indicator": "poor_households"},
         "rate": {"indicator": "poor_household_rate"}, "growth_per_year": [0, 3]},
        {"id": "pp", "kind": "unit", "unit": "percentage_points", "written": "%",
         "accepted": ["điểm phần trăm"]},
        {"id": "target", "kind": "target"},
        {"id": "place", "kind": "foreign_place"},
        {"id": "typo", "kind": "typo", "pattern": "sơ sở", "correction": "cơ sở"},
        {"id": "reuse", "kind": "verbatim_reuse", "threshold": 0.8},
    ]})
    result = words.with_evidence(audit.run_audit(claims, lessons, checks), "en")
    status = result.groupby("check_id", sort=False)["status"].apply(list).to_dict()
    assert status["same"] == ["fail"]  # 6% restated as 6,5%
    assert status["diff"] == ["fail"]  # 10 − 6 = 4, not 3
    # 20.000 ÷ 10% = 200.000 households, 30.000 ÷ 6% = 500.000: implausible growth
    assert status["totals"] == ["pass", "pass", "fail"]
    totals = result[result["check_id"] == "totals"]["observed"].tolist()
    assert totals[:2] == pytest.approx([200_000, 500_000])
    assert status["pp"] == ["pass"]  # "điểm phần trăm" is the right way to write it
    assert status["target"] == ["pass", "pass"]  # 4 points in 2 years: 2 a year
    assert status["place"] == ["flag"]
    assert "Thái Bình" in result[result["check_id"] == "place"]["evidence"].iloc[0]
    assert status["typo"] == ["pass"] and status["reuse"] == ["pass"]


def test_a_check_with_nothing_to_check_says_so(other_article):
    claims, lessons = other_article
    checks = parse_checks([{"id": "d", "kind": "difference",
                                  "a": {"indicator": "re_poverty_share"},
                                  "b": {"indicator": "re_poverty_share"},
                                  "stated": {"indicator": "re_poverty_share_reduction"}}])
    row = words.with_evidence(audit.run_audit(claims, lessons, checks), "en").iloc[0]
    assert row["status"] == "flag"
    assert row["evidence"].startswith("Could not be checked")


# --------------------------------------------------------------- declarations

def _write(tmp_path, text):
    path = tmp_path / "checks.yml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text, message", [
    ("checks:\n  - id: a\n    kind: spelling\n",
     r"checks\[0\] \(a\), field kind: unknown kind 'spelling'"),
    ("checks:\n  - id: a\n    kind: typo\n    pattern: x\n",
     r"checks\[0\] \(a\), field correction: a typo check needs field 'correction'"),
    ("checks:\n  - id: a\n    kind: difference\n    a: {colour: red}\n    b: {unit: x}\n"
     "    stated: {unit: y}\n", r"checks\[0\] \(a\), field a: .*unknown column 'colour'"),
    ("checks:\n  - id: a\n    kind: restatement\n  - id: a\n    kind: restatement\n",
     r"checks\[1\] \(a\), field id: id 'a' is used twice"),
    ("checks:\n  - id: a\n    kind: verbatim_reuse\n    threshold: 80\n",
     r"field threshold: field 'threshold' must be a number between 0.0 and 1.0"),
    ("checks:\n  - id: a\n    kind: typo\n    pattern: x\n    correction: y\n    colour: z\n",
     r"field colour: field 'colour' does not belong to a typo check"),
    ("checks:\n  - id: Bad Id\n    kind: typo\n", r"checks\[0\], field id"),
    ("checks: [\n", r"invalid YAML"),
])
def test_bad_declarations_name_file_entry_and_field(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(UserError, match=message) as e:
        load_checks(path)
    assert str(path) in str(e.value)


def test_missing_checks_file(tmp_path):
    with pytest.raises(UserError, match="checks file not found"):
        load_checks(tmp_path / "nope.yml")


def test_the_articles_checks_file_is_valid():
    checks = load_checks()
    assert {c.kind for c in checks} == set(FIELDS)
    assert len({c.id for c in checks}) == len(checks)
