"""Quantitative claims: every figure of the article, exactly, and short passages written in the
same register for the forms the article does not use."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.data.paths import ARTICLE
from analysis.data.processed import CLAIM_COLUMNS as COLUMNS
from analysis.data.processed import CLAIM_DTYPES as DTYPES
from analysis.data.raw import read_article_text
from analysis.errors import UserError
from analysis.reading.article import load_article
from analysis.reading.claims import extract_article_claims, extract_claims

NaN = math.nan

# quote, value, unit, indicator, period, timepoint, status, qualifier, same_as — in text order.
ARTICLE_CLAIMS = [
    ("10.271 hộ", 10271, "households", "poor_households", "2019", "end_of_year", "actual",
     None, None),
    ("3,93%", 3.93, "percent", "poor_household_rate", "2019", "end_of_year", "actual", None,
     None),
    ("2,54%", 2.54, "percent", "poor_household_rate", "2020", "end_of_year", "estimate", None,
     None),
    ("hơn 37.600 hộ", 37600, "households", "households_escaped_poverty", "2011-2015", "period",
     "actual", "hơn", None),
    ("7,1%", 7.1, "percent", "re_poverty_share", "2011-2015", "period", "actual", None, None),
    ("5,87%", 5.87, "percentage_points", "re_poverty_share_reduction",
     "2011-2015 vs 2006-2010", "period", "actual", None, None),
    ("12,97", 12.97, "percent", "re_poverty_share", "2006-2010", "period", "actual", None, None),
    ("30.803 hộ", 30803, "households", "poor_households", "2016", "start_of_year", "actual",
     None, None),
    ("12,62%", 12.62, "percent", "poor_household_rate", "2016", "start_of_year", "actual", None,
     None),
    ("10.271 hộ", 10271, "households", "poor_households", "2019", "end_of_year", "actual",
     None, "c01"),
    ("3,93%", 3.93, "percent", "poor_household_rate", "2019", "end_of_year", "actual", None,
     "c02"),
    ("2,54%", 2.54, "percent", "poor_household_rate", "2020", "end_of_year", "estimate", None,
     "c03"),
]


@pytest.fixture(scope="module")
def article_claims() -> pd.DataFrame:
    return extract_article_claims(load_article())


def _none(v: object) -> object:
    return None if isinstance(v, float) and math.isnan(v) else v


def test_article_claims_are_exactly_the_articles_figures(article_claims: pd.DataFrame) -> None:
    got = [(r.quote, r.unit, r.indicator, _none(r.period), _none(r.timepoint), r.status,
            _none(r.qualifier), _none(r.same_as)) for r in article_claims.itertuples()]
    assert got == [(q, u, i, p, t, s, ql, sa) for q, _v, u, i, p, t, s, ql, sa in ARTICLE_CLAIMS]
    assert article_claims["value"].tolist() == pytest.approx([c[1] for c in ARTICLE_CLAIMS])
    assert article_claims["value_max"].isna().all()
    assert article_claims["claim_id"].tolist() == [f"c{i:02d}" for i in range(1, 13)]


@pytest.mark.parametrize(("row", "expected"), list(enumerate(ARTICLE_CLAIMS)))
def test_each_article_claim(article_claims: pd.DataFrame, row: int, expected: tuple) -> None:
    r = article_claims.iloc[row]
    quote, value, unit, indicator, period = expected[:5]
    assert (r.quote, r.unit, r.indicator, r.period, r.place) == (quote, unit, indicator, period,
                                                                 "Phú Yên")
    assert r.value == pytest.approx(value)


def test_article_spans_index_the_raw_page(article_claims: pd.DataFrame) -> None:
    raw = read_article_text(ARTICLE)
    for r in article_claims.itertuples():
        assert raw[r.start:r.end] == r.quote
    # both statements of each repeated fact, at their own places in the page
    first, second = article_claims.loc[article_claims["quote"] == "10.271 hộ", "start"]
    assert raw[first - 22:first] == "đến cuối năm 2019 còn "
    assert raw[second - 22:second] == "Đến cuối năm 2019 còn "
    r = article_claims.iloc[6]
    assert raw[r.start - 3:r.end + 1] == "là 12,97)"  # the article leaves out the % sign


@pytest.mark.parametrize("not_a_claim", ["10 năm", "05 năm", "80/NQ-CP", "2011 - 2020",
                                         "5 kinh nghiệm", "5 bài học", "2006 - 2010"])
def test_article_body_numbers_that_are_not_claims(article_claims: pd.DataFrame,
                                                  not_a_claim: str) -> None:
    body = load_article().masked_text()
    at = body.index(not_a_claim)  # it is in the body the extractor reads …
    span = range(at, at + len(not_a_claim))
    # … and no claim covers it
    assert not [r for r in article_claims.itertuples() if r.start in span or r.end - 1 in span]


@pytest.mark.parametrize("chrome", ["15:38", "20/12/2020", "4.0"])
def test_article_page_chrome_is_not_read(article_claims: pd.DataFrame, chrome: str) -> None:
    page = load_article()
    assert chrome in page.text and chrome not in page.masked_text()
    assert len(article_claims) == len(ARTICLE_CLAIMS)


def test_frame_columns_and_dtypes(article_claims: pd.DataFrame) -> None:
    assert list(article_claims.columns) == COLUMNS
    assert {c: str(t) for c, t in article_claims.dtypes.items()} == DTYPES
    empty = extract_claims("Không có số liệu.")
    assert list(empty.columns) == COLUMNS and len(empty) == 0
    assert {c: str(t) for c, t in empty.dtypes.items()} == DTYPES


# Passages in the register of provincial reports. Each expected row:
# quote, value, value_max, unit, indicator, period, timepoint, status, place, qualifier.
PASSAGES = [
    pytest.param(
        "Phú Yên: Đến cuối năm 2020, toàn tỉnh còn 7.512 hộ nghèo, chiếm 2,54%; hộ cận nghèo còn "
        "12.300 hộ, chiếm 4,7%.",
        [("7.512 hộ", 7512, NaN, "households", "poor_households", "2020", "end_of_year",
          "actual", "Phú Yên", None),
         ("2,54%", 2.54, NaN, "percent", "poor_household_rate", "2020", "end_of_year", "actual",
          "Phú Yên", None),
         ("12.300 hộ", 12300, NaN, "households", "near_poor_households", "2020", "end_of_year",
          "actual", "Phú Yên", None),
         ("4,7%", 4.7, NaN, "percent", "near_poor_household_rate", "2020", "end_of_year",
          "actual", "Phú Yên", None)],
        id="poor-and-near-poor"),
    pytest.param(
        "Năm 2021, tỷ lệ hộ nghèo của tỉnh Lào Cai giảm 5,87% so với năm 2020, tỷ lệ hộ cận "
        "nghèo giảm 0,68%.",
        [("5,87%", 5.87, NaN, "percentage_points", "poverty_rate_reduction", "2021 vs 2020",
          "period", "actual", "Lào Cai", None),
         ("0,68%", 0.68, NaN, "percentage_points", "near_poor_household_rate_reduction", "2021",
          None, "actual", "Lào Cai", None)],
        id="fall-in-percent-is-points"),
    pytest.param(
        "Số hộ nghèo giảm 20% so với năm 2019; tỷ lệ hộ nghèo giảm 1,2 điểm phần trăm.",
        [("20%", 20, NaN, "percent", "poor_households_reduction", "2019", None, "actual", None,
          None),
         ("1,2 điểm phần trăm", 1.2, NaN, "percentage_points", "poverty_rate_reduction", None,
          None, "actual", None, None)],
        id="relative-fall-of-a-count-stays-percent"),
    pytest.param(
        "Phấn đấu đến năm 2025, tỷ lệ hộ nghèo theo chuẩn nghèo đa chiều giảm còn dưới 3%, mỗi "
        "năm giảm 1 - 1,5%; mục tiêu có 10/15 xã thoát khỏi tình trạng đặc biệt khó khăn.",
        # "đến năm 2025" names the year, not its end (data/corpus/README.md, timepoint); a
        # yearly rate in a target to the last year of a plan is over the plan's span
        [("dưới 3%", 3, NaN, "percent", "poor_household_rate", "2025", None, "target",
          None, "dưới"),
         ("1 - 1,5%", 1, 1.5, "percent_per_year", "poverty_rate_reduction", "2021-2025",
          "period", "target", None, None),
         ("10/15 xã", 10, NaN, "communes", "extremely_difficult_communes", "2025", None,
          "target", None, None)],
        id="targets-range-fraction"),
    pytest.param(
        "Mục tiêu giai đoạn 2021 - 2025: mỗi năm giảm tỷ lệ hộ nghèo từ 1 - 1,5% trở lên; riêng "
        "các huyện nghèo giảm 4% trở lên.",
        [("1 - 1,5% trở lên", 1, 1.5, "percent_per_year", "poverty_rate_reduction", "2021-2025",
          "period", "target", None, "trở lên"),
         ("4% trở lên", 4, NaN, "percentage_points", "poverty_rate_reduction", "2021-2025",
          "period", "target", None, "trở lên")],
        id="giam-tro-len-is-a-target"),
    pytest.param(
        "Ước đạt 4.200 hộ thoát nghèo trong năm 2020. Dự kiến năm 2021 còn khoảng 2.000 hộ "
        "nghèo; dự ước cuối năm 2021 tỷ lệ hộ nghèo còn gần 1,9%.",
        [("4.200 hộ", 4200, NaN, "households", "households_escaped_poverty", "2020", None,
          "estimate", None, None),
         ("khoảng 2.000 hộ", 2000, NaN, "households", "poor_households", "2021", None,
          "estimate", None, "khoảng"),
         ("gần 1,9%", 1.9, NaN, "percent", "poor_household_rate", "2021", "end_of_year",
          "estimate", None, "gần")],
        id="estimates"),
    pytest.param(
        "Giai đoạn 2016 - 2020, toàn tỉnh Nghệ An đã huy động hơn 17 nghìn tỷ đồng thực hiện "
        "các chương trình giảm nghèo, trong đó ngân sách trung ương 9.500 tỷ đồng; dư nợ cho vay "
        "hộ nghèo đạt 2.345,6 tỷ đồng, bình quân 40 triệu đồng/hộ.",
        [("hơn 17 nghìn tỷ đồng", 17000, NaN, "billion_vnd", "budget", "2016-2020", "period",
          "actual", "Nghệ An", "hơn"),
         ("9.500 tỷ đồng", 9500, NaN, "billion_vnd", "budget", "2016-2020", "period", "actual",
          "Nghệ An", None),
         ("2.345,6 tỷ đồng", 2345.6, NaN, "billion_vnd", "preferential_credit", "2016-2020",
          "period", "actual", "Nghệ An", None),
         ("40 triệu đồng/hộ", 40, NaN, "million_vnd_per_household", "preferential_credit",
          "2016-2020", "period", "actual", "Nghệ An", None)],
        id="money"),
    pytest.param(
        "Thu nhập bình quân của người dân năm 2020 đạt 36 triệu đồng/người/năm; chuẩn nghèo ở "
        "nông thôn là 700 ngàn đồng/người/tháng, kinh phí hỗ trợ 1,2 tỉ đồng.",
        [("36 triệu đồng/người/năm", 36, NaN, "million_vnd_per_person_per_year",
          "income_per_capita", "2020", None, "actual", None, None),
         ("700 ngàn đồng/người/tháng", 0.7, NaN, "million_vnd_per_person_per_month",
          "poverty_line", "2020", None, "actual", None, None),
         ("1,2 tỉ đồng", 1.2, NaN, "billion_vnd", "budget", "2020", None, "actual", None, None)],
        id="money-per-person"),
    pytest.param(
        "Trong 5 năm (2016-2020), cả nước giảm 1,2 điểm phần trăm tỷ lệ hộ nghèo mỗi năm; bình "
        "quân giảm 1,43%/năm, gần như 100% hộ nghèo được cấp thẻ bảo hiểm y tế.",
        [("1,2 điểm phần trăm", 1.2, NaN, "percentage_points", "poverty_rate_reduction",
          "2016-2020", "period", "actual", "Việt Nam", None),
         ("1,43%/năm", 1.43, NaN, "percent_per_year", "poverty_rate_reduction", "2016-2020",
          "period", "actual", "Việt Nam", None),
         ("gần như 100%", 100, NaN, "percent", "health_insurance_coverage", "2016-2020", "period",
          "actual", "Việt Nam", "gần như")],
        id="points-per-year-national"),
    pytest.param(
        "Đến nay có 4/6 huyện và 35/110 xã thoát nghèo; 120/150 hộ được hỗ trợ làm nhà đã thoát "
        "nghèo, xây mới 1.200 căn nhà và 120 thôn, bản được đầu tư.",
        [("4/6 huyện", 4, NaN, "districts", "districts_escaped_poverty", None, None, "actual",
          None, None),
         ("35/110 xã", 35, NaN, "communes", "communes_escaped_poverty", None, None, "actual",
          None, None),
         ("120/150 hộ", 120, NaN, "households", "households_escaped_poverty", None, None,
          "actual", None, None),
         ("1.200 căn nhà", 1200, NaN, "houses", "houses_supported", None, None, "actual", None,
          None),
         ("120 thôn, bản", 120, NaN, "villages", "villages", None, None, "actual", None, None)],
        id="fractions-places-houses"),
    pytest.param(
        "Tỷ lệ hộ nghèo cuối năm 2020 là 3,5%%, giảm 1,2%% so với đầu năm; trên 3.000 lao động "
        "nghèo được đào tạo nghề và 1.234.567 người thoát nghèo.",
        [("3,5%%", 3.5, NaN, "percent", "poor_household_rate", "2020", "end_of_year", "actual",
          None, None),
         # a change "so với đầu năm" is over the year itself (data/corpus/README.md, period)
         ("1,2%%", 1.2, NaN, "percentage_points", "poverty_rate_reduction", "2020",
          None, "actual", None, None),
         ("trên 3.000 lao động", 3000, NaN, "workers", "workers_trained", "2020", "end_of_year",
          "actual", None, "trên"),
         ("1.234.567 người", 1234567, NaN, "persons", "persons_escaped_poverty", "2020",
          "end_of_year", "actual", None, None)],
        id="doubled-percent-workers-persons"),
    pytest.param(
        "Huyện Sông Hinh có 2.100 hộ nghèo, chiếm 12,5%. Năm 2020, tỷ lệ hộ nghèo giảm từ 5,2% "
        "(năm 2019) xuống còn 3,1% (năm 2020); số hộ tái nghèo là 120, hộ nghèo phát sinh mới "
        "350 hộ.",
        [("2.100 hộ", 2100, NaN, "households", "poor_households", None, None, "actual",
          "huyện Sông Hinh", None),
         ("12,5%", 12.5, NaN, "percent", "poor_household_rate", None, None, "actual",
          "huyện Sông Hinh", None),
         ("5,2%", 5.2, NaN, "percent", "poor_household_rate", "2019", None, "actual",
          "huyện Sông Hinh", None),
         ("3,1%", 3.1, NaN, "percent", "poor_household_rate", "2020", None, "actual",
          "huyện Sông Hinh", None),
         ("120", 120, NaN, "households", "re_poor_households", "2020", None, "actual",
          "huyện Sông Hinh", None),
         ("350 hộ", 350, NaN, "households", "new_poor_households", "2020", None, "actual",
          "huyện Sông Hinh", None)],
        id="district-levels-implied-count"),
    pytest.param(
        "Tỉnh Quảng Trị có 25 ngàn lượt hộ nghèo được vay vốn, 12 - 15 triệu hộ... trong đó "
        "hơn 2,5 triệu người nghèo được hỗ trợ.",
        [("25 ngàn lượt hộ", 25000, NaN, "household_loans", "household_loans", None, None,
          "actual", "Quảng Trị", None),
         ("12 - 15 triệu hộ", 12e6, 15e6, "households", "poor_households", None, None, "actual",
          "Quảng Trị", None),
         ("hơn 2,5 triệu người", 2.5e6, NaN, "persons", "poor_persons", None, None, "actual",
          "Quảng Trị", "hơn")],
        id="scale-words-on-counts"),
]


def _rows(df: pd.DataFrame) -> list[tuple]:
    return [(r.quote, r.value, r.value_max, r.unit, r.indicator, _none(r.period),
             _none(r.timepoint), r.status, _none(r.place), _none(r.qualifier))
            for r in df.itertuples()]


@pytest.mark.parametrize(("text", "expected"), PASSAGES)
def test_passages(text: str, expected: list[tuple]) -> None:
    df = extract_claims(text)
    got = _rows(df)
    assert [g[:1] + g[3:] for g in got] == [e[:1] + e[3:] for e in expected]
    assert df["value"].tolist() == pytest.approx([e[1] for e in expected])
    assert [_none(v) for v in df["value_max"]] == [_none(e[2]) for e in expected]
    for r in df.itertuples():
        assert text[r.start:r.end] == r.quote


# Each passage mixes things that must not be reported with exactly one real claim.
@pytest.mark.parametrize(("text", "only_claim"), [
    ("Ngày 5-1-2022, tỉnh còn 500 hộ nghèo.", "500 hộ"),
    ("15:38 | 20/12/2020 GMT+7 Toàn tỉnh còn 500 hộ nghèo.", "500 hộ"),
    ("Thực hiện Nghị quyết số 80/NQ-CP và Quyết định 59/2015/QĐ-TTg, còn 500 hộ nghèo.",
     "500 hộ"),
    ("Chương trình 135 và Nghị quyết 30a/2008/NQ-CP giúp 500 hộ thoát nghèo.", "500 hộ"),
    ("Hội nghị lần thứ 3 ngày 6/11 cho biết còn 500 hộ nghèo.", "500 hộ"),
    ("Phú Yên: 5 kinh nghiệm. Hải Dương rút ra 5 bài học; còn 500 hộ nghèo.", "500 hộ"),
    ("Sau 10 năm và qua 05 năm thực hiện, còn 500 hộ nghèo.", "500 hộ"),
    ("Giai đoạn 2011 - 2015 và năm 2019, thời kỳ 2006-2010, còn 500 hộ nghèo.", "500 hộ"),
    ("Ứng dụng công nghệ 4.0, 2 lần tổng kết; còn 500 hộ nghèo.", "500 hộ"),
    ("1. Tỷ lệ hộ nghèo giảm còn 2%.", "2%"),
])
def test_must_not_report(text: str, only_claim: str) -> None:
    assert extract_claims(text)["quote"].tolist() == [only_claim]


def test_same_fact_restated_is_linked_not_dropped() -> None:
    text = ("Cuối năm 2019, Phú Yên còn 10.271 hộ nghèo. Hải Dương còn 3.000 hộ nghèo. "
            "Đến cuối năm 2019, Phú Yên còn 10.271 hộ nghèo.")
    df = extract_claims(text)
    assert df["quote"].tolist() == ["10.271 hộ", "3.000 hộ", "10.271 hộ"]
    assert [_none(v) for v in df["same_as"]] == [None, None, "c01"]
    assert df["place"].tolist() == ["Phú Yên", "Hải Dương", "Phú Yên"]


def test_sections_give_the_place() -> None:
    text = "Ở đây còn 500 hộ nghèo.\nỞ kia còn 300 hộ nghèo."
    df = extract_claims(text, sections=[(0, 23, "Phú Yên"), (24, len(text), "An Giang")])
    assert df["place"].tolist() == ["Phú Yên", "An Giang"]


def test_extract_claims_refuses_a_path() -> None:
    with pytest.raises(UserError, match="needs the text itself"):
        extract_claims(ARTICLE)  # type: ignore[arg-type]
