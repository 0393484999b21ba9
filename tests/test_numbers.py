"""Vietnamese news numbers: locale numerals, ranges, scale words, qualifiers, measures, and
what only looks like an amount."""

from __future__ import annotations

import math

import pytest

from analysis.errors import UserError
from analysis.reading.numbers import find_numbers, parse_number


@pytest.mark.parametrize(("written", "value"), [
    ("10.271", 10271.0),            # dot groups thousands
    ("37.600", 37600.0),
    ("1.234.567", 1234567.0),
    ("3,93%", 3.93),                # comma is the decimal mark
    ("12,97", 12.97),
    ("1.234,5", 1234.5),
    ("05", 5.0),
    ("2.5", 2.5),                   # English-style decimal point: read as 2.5, flagged ambiguous
    ("17 nghìn tỷ", 17e12),
    ("hơn 17 nghìn tỷ đồng", 17e12),
    ("2,5 triệu", 2.5e6),
    ("3 ngàn", 3000.0),
    ("1,2 tỉ", 1.2e9),
    ("1,5%%", 1.5),                 # doubled % typo
])
def test_parse_number(written: str, value: float) -> None:
    assert parse_number(written) == pytest.approx(value)


@pytest.mark.parametrize("bad", ["", "hộ nghèo", "4 - 5%", "20/12/2020", "80/NQ-CP", "1 và 2",
                                 "2011 - 2015"])
def test_parse_number_refuses_what_is_not_one_number(bad: str) -> None:
    with pytest.raises(UserError, match="not a single Vietnamese number"):
        parse_number(bad)


def test_parse_number_refuses_non_text() -> None:
    with pytest.raises(UserError, match="expected a text"):
        parse_number(10271)  # type: ignore[arg-type]


# written in a sentence → (text of the match, kind, value, value_max, denominator, unit,
# qualifier)
AMOUNTS = [
    ("còn 10.271 hộ nghèo", "10.271", "quantity", 10271, None, None, None, None),
    ("chiếm tỷ lệ 3,93%;", "3,93%", "quantity", 3.93, None, None, "percent", None),
    ("giảm 4 - 5% mỗi năm", "4 - 5% mỗi năm", "quantity", 4, 5, None, "percent_per_year", None),
    ("giảm 4-5%.", "4-5%", "quantity", 4, 5, None, "percent", None),
    ("từ 4 đến 5% hộ", "4 đến 5%", "quantity", 4, 5, None, "percent", None),
    ("giảm 4% - 5%", "4% - 5%", "quantity", 4, 5, None, "percent", None),
    ("hơn 17 nghìn tỷ đồng", "hơn 17 nghìn tỷ đồng", "quantity", 17e12, None, None, "vnd", "hơn"),
    ("12 - 15 triệu đồng", "12 - 15 triệu đồng", "quantity", 12e6, 15e6, None, "vnd", None),
    ("gần 5.000 hộ", "gần 5.000", "quantity", 5000, None, None, None, "gần"),
    ("khoảng 300 hộ", "khoảng 300", "quantity", 300, None, None, None, "khoảng"),
    ("trên 3.000 lao động", "trên 3.000", "quantity", 3000, None, None, None, "trên"),
    ("còn dưới 3%", "dưới 3%", "quantity", 3, None, None, "percent", "dưới"),
    ("gần như 100% hộ", "gần như 100%", "quantity", 100, None, None, "percent", "gần như"),
    ("giảm 1,5% trở lên", "1,5% trở lên", "quantity", 1.5, None, None, "percent", "trở lên"),
    ("Hơn 500 hộ", "Hơn 500", "quantity", 500, None, None, None, "hơn"),
    ("6/11 huyện", "6/11", "fraction", 6, None, 11, None, None),
    ("120/150 hộ", "120/150", "fraction", 120, None, 150, None, None),
    ("giảm 1,2 điểm phần trăm", "1,2 điểm phần trăm", "quantity", 1.2, None, None,
     "percentage_points", None),
    ("giảm 0,5 điểm %", "0,5 điểm %", "quantity", 0.5, None, None, "percentage_points", None),
    ("giảm 1,5%/năm", "1,5%/năm", "quantity", 1.5, None, None, "percent_per_year", None),
    ("36 triệu đồng/người/năm", "36 triệu đồng/người/năm", "quantity", 36e6, None, None,
     "vnd_per_person_per_year", None),
    ("700.000 đồng/người/tháng", "700.000 đồng/người/tháng", "quantity", 7e5, None, None,
     "vnd_per_person_per_month", None),
    ("còn 3%%.", "3%%", "quantity", 3, None, None, "percent", None),
    ("5 phần trăm", "5 phần trăm", "quantity", 5, None, None, "percent", None),
]


@pytest.mark.parametrize(("sentence", "text", "kind", "value", "value_max", "denominator",
                          "unit", "qualifier"), AMOUNTS)
def test_find_numbers_amounts(sentence: str, text: str, kind: str, value: float,
                              value_max: float | None, denominator: float | None,
                              unit: str | None, qualifier: str | None) -> None:
    found = [n for n in find_numbers(sentence) if n.kind in ("quantity", "fraction")]
    assert len(found) == 1
    n = found[0]
    assert (n.text, n.kind, n.unit, n.qualifier) == (text, kind, unit, qualifier)
    assert sentence[n.start:n.end] == n.text
    assert n.value == pytest.approx(value)
    assert n.value_max == (pytest.approx(value_max) if value_max is not None else None)
    assert n.denominator == denominator


def test_doubled_percent_is_flagged_as_typo() -> None:
    (n,) = find_numbers("còn 3%%.")
    assert n.typo == "doubled %" and n.value == 3


def test_english_decimal_point_is_flagged_ambiguous() -> None:
    (n,) = find_numbers("khoảng 2.5 triệu người")
    assert n.ambiguous and n.value == pytest.approx(2.5e6)
    (m,) = find_numbers("2.500 người")
    assert not m.ambiguous and m.value == 2500


@pytest.mark.parametrize(("sentence", "text", "kind"), [
    ("15:38 | 20/12/2020 GMT+7", "15:38", "time"),
    ("15:38 | 20/12/2020 GMT+7", "20/12/2020", "date"),
    ("15:38 | 20/12/2020 GMT+7", "GMT+7", "time"),
    ("Ngày 5-1-2022, tỉnh họp", "Ngày 5-1-2022", "date"),
    ("Sáng 6/11, tỉnh họp", "Sáng 6/11", "date"),
    ("từ tháng 12/2020", "12/2020", "date"),
    ("Nghị quyết số 80/NQ-CP của Chính phủ", "80/NQ-CP", "document"),
    ("Quyết định số 59/2015/QĐ-TTg", "59/2015/QĐ-TTg", "document"),
    ("Nghị quyết 30a/2008/NQ-CP", "30a/2008/NQ-CP", "document"),
    ("Chương trình 135 của Chính phủ", "Chương trình 135", "document"),
    ("lần thứ 3", "thứ 3", "ordinal"),
    ("công nghệ 4.0", "công nghệ 4.0", "version"),
    ("cuối năm 2019 còn", "2019", "year"),
    ("thời kỳ 2011 - 2020", "2011 - 2020", "period"),
    ("giai đoạn 2006-2010", "2006-2010", "period"),
    ("Năm 2019 tỷ lệ hộ nghèo", "2019", "year"),  # "tỷ lệ" is not the scale word tỷ
])
def test_find_numbers_non_amounts(sentence: str, text: str, kind: str) -> None:
    found = {(n.text, n.kind) for n in find_numbers(sentence)}
    assert (text, kind) in found
    assert not [n for n in find_numbers(sentence) if n.kind in ("quantity", "fraction")
                and n.text != "05"]


def test_period_value_is_both_years() -> None:
    (n,) = find_numbers("giai đoạn 2011 - 2015")
    assert (n.value, n.value_max) == (2011, 2015)
    assert math.isnan(find_numbers("20/12/2020")[0].value)


def test_find_numbers_on_the_article_paragraph() -> None:
    s = ("đến cuối năm 2019 còn 10.271 hộ nghèo, chiếm tỷ lệ 3,93%; dự ước cuối năm 2020 còn "
         "2,54%, đạt chỉ tiêu theo Nghị quyết đề ra.")
    got = [(n.text, n.kind, n.value) for n in find_numbers(s)]
    assert got == [("2019", "year", 2019), ("10.271", "quantity", 10271),
                   ("3,93%", "quantity", 3.93), ("2020", "year", 2020),
                   ("2,54%", "quantity", 2.54)]
