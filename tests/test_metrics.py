"""Derived figures against the article's own numbers (Phú Yên section), computed independently
here from the numbers as printed, and their traceability to claim ids."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.compute import metrics
from analysis.data.codebook import load_codebook
from analysis.data.external import load_targets
from analysis.data.provinces import article_provinces
from analysis.errors import UserError
from analysis.reading import similarity, themes

PY = "Phú Yên"


@pytest.fixture(scope="module")
def traj(claims):
    return metrics.trajectory(claims, PY)


def _quotes(claims: pd.DataFrame, ids: str) -> list[str]:
    by_id = dict(zip(claims["claim_id"], claims["quote"], strict=True))
    return [by_id[i] for i in ids.split(";")]


def test_trajectory_is_the_articles_three_points(traj, claims):
    assert list(traj["period"]) == ["2016", "2019", "2020"]
    assert list(traj["timepoint"]) == ["start_of_year", "end_of_year", "end_of_year"]
    assert list(traj["rate"]) == [12.62, 3.93, 2.54]
    assert list(traj["households"][:2]) == [30803, 10271]
    assert math.isnan(traj["households"].iloc[2])
    assert list(traj["status"]) == ["actual", "actual", "estimate"]
    # each figure keeps every statement of it: 3,93% and 10.271 hộ are stated twice
    assert _quotes(claims, traj["rate_claim_ids"].iloc[0]) == ["12,62%"]
    assert _quotes(claims, traj["households_claim_ids"].iloc[0]) == ["30.803 hộ"]
    assert _quotes(claims, traj["rate_claim_ids"].iloc[1]) == ["3,93%", "3,93%"]
    assert _quotes(claims, traj["households_claim_ids"].iloc[1]) == ["10.271 hộ", "10.271 hộ"]
    assert _quotes(claims, traj["rate_claim_ids"].iloc[2]) == ["2,54%", "2,54%"]


def test_average_fall_in_points_a_year(traj):
    falls = metrics.annual_falls(traj)
    first = falls[falls["from_first"]].set_index("to_period")
    # start of 2016 → end of 2019 is four years; → end of 2020 five
    assert first.loc["2019", "years"] == 4
    assert first.loc["2019", "pp_per_year"] == pytest.approx((12.62 - 3.93) / 4)
    assert first.loc["2019", "status"] == "actual"
    assert first.loc["2020", "pp_per_year"] == pytest.approx((12.62 - 2.54) / 5)
    assert first.loc["2020", "status"] == "estimate"
    last = falls[~falls["from_first"]].iloc[0]
    assert last["pp_per_year"] == pytest.approx(3.93 - 2.54)


def test_comparison_with_the_official_targets(traj):
    falls = metrics.annual_falls(traj)
    cmp = metrics.target_comparison(falls, load_targets())
    actual = cmp[cmp["to_period"] == "2019"]
    res80 = actual[actual["instrument"].str.contains("80/NQ-CP")].set_index("scope")
    assert res80.loc["national", "value_low"] == 2
    assert res80.loc["national", "relation"] == "meets"
    assert res80.loc["national", "margin_pp"] == pytest.approx((12.62 - 3.93) / 4 - 2)
    assert res80.loc["poor districts and poor communes", "value_low"] == 4
    assert res80.loc["poor districts and poor communes", "relation"] == "below"
    qd1722 = actual[actual["instrument"].str.contains("1722")].set_index("scope")
    assert (qd1722.loc["national", "value_low"], qd1722.loc["national", "value_high"]) == (1, 1.5)
    assert qd1722.loc["national", "relation"] == "meets"
    assert "res80" in res80.loc["national", "source_id"]
    # the 2017-only and 2020-only targets do not cover a 2016–2019 span
    assert not actual["instrument"].str.contains("442").any()


def test_implied_totals_and_growth(traj, claims):
    totals = metrics.implied_totals(traj)
    assert list(totals["period"]) == ["2016", "2019"]
    t2016, t2019 = 30803 / 0.1262, 10271 / 0.0393
    assert totals["total"].tolist() == pytest.approx([t2016, t2019])
    assert round(t2016, -3) == 244_000 and round(t2019, -3) == 261_000
    assert totals["total_low"].iloc[0] == pytest.approx(30803 / 0.12625)
    assert totals["total_high"].iloc[0] == pytest.approx(30803 / 0.12615)
    assert sorted(_quotes(claims, totals["claim_ids"].iloc[0])) == ["12,62%", "30.803 hộ"]
    growth = metrics.total_growth(totals).iloc[0]
    assert growth["change"] == pytest.approx(t2019 - t2016)
    assert growth["change_pct"] == pytest.approx((t2019 / t2016 - 1) * 100)
    assert growth["pct_per_year"] == pytest.approx(((t2019 / t2016) ** 0.25 - 1) * 100)


def test_repoverty_shares_and_their_difference(claims):
    shares = metrics.repoverty(claims, PY)
    assert list(shares["period"]) == ["2006-2010", "2011-2015"]
    assert list(shares["value"]) == [12.97, 7.1]
    diff = metrics.repoverty_difference(claims, PY).iloc[0]
    assert diff["computed"] == pytest.approx(12.97 - 7.1)
    assert diff["stated"] == 5.87
    assert diff["stated_quote"] == "5,87%"
    assert diff["stated_unit"] == "percentage_points"
    assert diff["written_percent"] and diff["agrees"]
    assert sorted(_quotes(claims, diff["claim_ids"])) == ["12,97", "5,87%", "7,1%"]


def test_households_out_of_poverty_a_year(claims):
    esc = metrics.escaped_per_year(claims, PY).iloc[0]
    assert (esc["period"], esc["years"], esc["households"]) == ("2011-2015", 5, 37600)
    assert esc["per_year"] == 37600 / 5
    assert esc["qualifier"] == "hơn"
    assert _quotes(claims, esc["claim_ids"]) == ["hơn 37.600 hộ"]


@pytest.mark.parametrize("province", ["Hải Dương", "An Giang"])
def test_provinces_without_figures_give_empty_tables(claims, province):
    traj = metrics.trajectory(claims, province)
    assert traj.empty and not metrics.has_figures(traj)
    assert metrics.annual_falls(traj).empty and metrics.implied_totals(traj).empty
    assert metrics.repoverty_difference(claims, province).empty
    assert metrics.escaped_per_year(claims, province).empty


def test_check_province_lists_the_valid_values():
    allowed = article_provinces()
    assert allowed == ["Phú Yên", "Hải Dương", "An Giang"]
    assert metrics.check_province("phu yen", allowed) == "Phú Yên"
    with pytest.raises(UserError) as e:
        metrics.check_province("Hà Nội", allowed)
    assert "parameter province" in str(e.value)
    assert "Phú Yên, Hải Dương, An Giang" in str(e.value)


def test_canonical_follows_restatement_chains():
    claims = pd.DataFrame({
        "claim_id": ["a", "b", "c", "d"], "quote": ["5%", "5%", "5%", "7%"],
        "start": [0, 10, 20, 30], "end": [2, 12, 22, 32], "value": [5.0, 5.0, 5.0, 7.0],
        "value_max": [math.nan] * 4, "unit": ["percent"] * 4,
        "indicator": ["poor_household_rate"] * 4, "period": ["2018"] * 3 + ["2019"],
        "timepoint": ["end_of_year"] * 4, "status": ["actual"] * 4, "place": ["Nam Định"] * 4,
        "qualifier": [None] * 4, "same_as": [None, "a", "b", None]})
    facts = metrics.canonical(claims)
    assert list(facts["claim_id"]) == ["a", "d"]
    assert list(facts["claim_ids"]) == ["a;b;c", "d"]
    with pytest.raises(UserError, match="lacks column 'same_as'"):
        metrics.canonical(claims.drop(columns="same_as"))
    with pytest.raises(UserError, match="cannot select claims by 'colour'"):
        metrics.select(claims, colour="red")


def test_theme_matrix_and_spread(lessons):
    codebook = load_codebook()
    coded = themes.code_lessons(lessons, codebook)
    matrix = metrics.theme_matrix(coded, lessons, codebook, "en")
    assert list(matrix.index) == ["Phú Yên", "Hải Dương", "An Giang"]
    assert len(matrix.columns) == len(codebook)
    assert int(matrix.to_numpy().sum()) == len(coded.drop_duplicates(["lesson_id", "theme_id"]))
    assert matrix.loc["An Giang", "Housing"] == 2  # an-giang-3 and an-giang-5 name "nhà ở"
    spread = metrics.theme_spread(matrix)
    assert set(spread.loc[spread["n_places"] == 3, "theme"]) == {
        "Replicating models and vocational training"}
    assert "Housing" in set(spread.loc[spread["n_places"] == 1, "theme"])
    vi = metrics.theme_matrix(coded, lessons, codebook, "vi")
    assert "Nhà ở cho người nghèo" in vi.columns


def test_pair_matrix_shows_the_reused_lesson(lessons):
    pairs = similarity.lesson_pairs(lessons)
    m = metrics.pair_matrix(pairs, lessons)
    assert m.shape == (15, 15) and (m.to_numpy() == m.to_numpy().T).all()
    assert m.loc["phu-yen-2", "hai-duong-1"] == pytest.approx(1.0)
    others = m.where(~pd.DataFrame(
        [[a == b or {a, b} == {"phu-yen-2", "hai-duong-1"} for b in m.columns]
         for a in m.index], index=m.index, columns=m.columns))
    assert others.max().max() < 0.8


def test_lesson_openings(lessons):
    openings = metrics.lesson_openings(lessons, n_words=5)
    assert len(openings) == 15
    row = openings.set_index("lesson_id").loc["an-giang-1"]
    assert row["opening"] == "Thứ nhất, phải xác định"  # the opening words, never cut with …
    assert not openings["opening"].str.endswith("…").any()
