"""Time, status, unit and place of every figure read from the whole text: made-up passages in the
register of provincial reports, one group per kind of phrasing a reader gets right."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.reading.claims import extract_claims
from analysis.reading.text import TextIndex


def _read(text: str, *fields: str) -> list[tuple]:
    df = extract_claims(text)
    for r in df.itertuples():
        assert text[r.start:r.end] == r.quote
    cols = ["quote", *fields]
    return [tuple(None if pd.isna(v) else v for v in row)
            for row in df[cols].itertuples(index=False)]


def _when(text: str) -> list[tuple]:
    return _read(text, "period", "timepoint")


# ---------------------------------------------------------------- 1. a time stated once governs


def test_a_year_governs_what_follows_across_sentences_lines_and_lists() -> None:
    text = ("Kết quả rà soát hộ nghèo năm 2022 của tỉnh: toàn tỉnh còn 5.120 hộ nghèo, chiếm "
            "1,9%. Trong đó, huyện A Lưới có 812 hộ nghèo, chiếm 4,2%.\n"
            "Theo đó, hộ cận nghèo còn 7.300 hộ.\n"
            "- Huyện Phong Điền: 320 hộ nghèo;\n- Huyện Quảng Điền: 210 hộ nghèo.\n"
            "Năm 2023, toàn tỉnh còn 4.100 hộ nghèo.")
    assert [p for _q, p, _t in _when(text)] == ["2022"] * 7 + ["2023"]


@pytest.mark.parametrize(("text", "expected"), [
    ("Tính đến ngày 31/12/2021, toàn tỉnh có 3.500 hộ nghèo, chiếm 2,1%.\n\n"
     "Số hộ cận nghèo là 6.200 hộ, chiếm 3,7%.",
     [("3.500 hộ", "2021", "end_of_year"), ("2,1%", "2021", "end_of_year"),
      ("6.200 hộ", "2021", "end_of_year"), ("3,7%", "2021", "end_of_year")]),
    ("Kết quả giảm nghèo năm 2021\nToàn huyện còn 1.245 hộ nghèo, tỷ lệ 5,6%; hộ cận nghèo "
     "2.001 hộ.",
     [("1.245 hộ", "2021", None), ("5,6%", "2021", None), ("2.001 hộ", "2021", None)]),
], ids=["opening-clause", "heading"])
def test_a_heading_or_opening_clause_governs(text: str, expected: list[tuple]) -> None:
    assert _when(text) == expected


# ---------------------------------------------------------------- 2. from–to pairs


def test_from_to_pair_each_end_its_year_the_change_the_span() -> None:
    text = ("Tỷ lệ hộ nghèo giảm từ 9,8% (năm 2021) xuống còn 6,1% (năm 2023), tương đương "
            "giảm 3,7%. Số hộ nghèo còn 4.200 hộ.")
    assert _read(text, "period", "unit") == [
        ("9,8%", "2021", "percent"), ("6,1%", "2023", "percent"),
        ("3,7%", "2021-2023", "percentage_points"), ("4.200 hộ", "2023", "households")]


def test_a_bracketed_year_belongs_to_its_number_not_to_the_next() -> None:
    text = "Năm 2023, hộ nghèo còn 4,1% (năm 2022: 4,9%), hộ cận nghèo còn 3,2%."
    assert _when(text) == [("4,1%", "2023", None), ("4,9%", "2022", None),
                           ("3,2%", "2023", None)]


def test_from_to_pair_under_a_span_and_its_yearly_average() -> None:
    text = ("Sau 5 năm thực hiện Chương trình giai đoạn 2016-2020, tỷ lệ hộ nghèo của tỉnh giảm "
            "từ 12% xuống 4%, bình quân giảm 1,6%/năm.")
    assert _when(text) == [("12%", "2016", None), ("4%", "2020", None),
                           ("1,6%/năm", "2016-2020", "period")]


def test_a_bracketed_time_with_its_point_belongs_to_its_number() -> None:
    text = ("Sau 3 năm triển khai Chương trình giai đoạn 2021 - 2025, tỷ lệ hộ nghèo giảm từ "
            "30,01% (cuối năm 2021) xuống còn 19,36% (cuối năm 2023), bình quân mỗi năm giảm "
            "5,32%.")
    assert _read(text, "period", "timepoint", "status") == [
        ("30,01%", "2021", "end_of_year", "actual"), ("19,36%", "2023", "end_of_year", "actual"),
        ("5,32%", "2021-2023", "period", "actual")]


def test_a_pair_up_to_now_runs_from_the_start_of_the_plan_named() -> None:
    text = ("Nghị quyết nhiệm kỳ 2020 - 2025 đề ra mục tiêu giảm tỷ lệ hộ nghèo bình quân 2%/năm. "
            "Đến nay, sau 4 năm thực hiện, tỷ lệ hộ nghèo đã giảm từ 21,69% xuống còn 11,8%, "
            "bình quân giảm 2,47%/năm.")
    assert _read(text, "period", "status") == [
        ("2%/năm", "2020-2025", "target"), ("21,69%", "2020", "actual"),
        ("11,8%", "2024", "actual"), ("2,47%/năm", "2020-2024", "actual")]


def test_list_lines_take_the_subject_of_the_line_they_hang_from() -> None:
    text = "Tỷ lệ hộ nghèo qua các năm:\nNăm 2021: 8,5%\nNăm 2022: 6,9%\nNăm 2023: 5,2%"
    assert _read(text, "period", "indicator") == [
        ("8,5%", "2021", "poor_household_rate"), ("6,9%", "2022", "poor_household_rate"),
        ("5,2%", "2023", "poor_household_rate")]


def test_parallel_labelled_lines_share_their_subject() -> None:
    text = ("Huyện Tủa Chùa: năm 2022 còn 45,6% hộ nghèo; năm 2023 còn 40,1%.\n"
            "Huyện Mường Nhé: năm 2022 còn 55,2%; năm 2023 còn 49,8%.")
    assert _read(text, "indicator", "period", "place") == [
        ("45,6%", "poor_household_rate", "2022", "huyện Tủa Chùa"),
        ("40,1%", "poor_household_rate", "2023", "huyện Tủa Chùa"),
        ("55,2%", "poor_household_rate", "2022", "huyện Mường Nhé"),
        ("49,8%", "poor_household_rate", "2023", "huyện Mường Nhé")]


def test_a_change_up_to_a_date_inside_the_year_is_over_part_of_it() -> None:
    text = "Đến ngày 30/6/2024, toàn tỉnh đã giảm được 1.100 hộ nghèo, đạt 55% kế hoạch."
    assert _when(text) == [("1.100 hộ", "2024", "partial_year"), ("55%", "2024", "partial_year")]


def test_the_year_before_the_scene() -> None:
    text = ("Năm 2022, cả nước có 1.234.567 hộ nghèo. Năm trước đó, con số này là 1.400.000 hộ. "
            "Tỷ lệ năm 2006 đều giảm so với các năm trước đó, còn 15,5% hộ nghèo.")
    assert _when(text) == [("1.234.567 hộ", "2022", None), ("1.400.000 hộ", "2021", None),
                           ("15,5%", "2006", None)]


# ---------------------------------------------------------------- 3. dates are time references


def test_dates_give_the_year_and_the_point_in_it() -> None:
    text = ("Đến ngày 30/6/2021, toàn tỉnh còn 2.300 hộ nghèo. Đến hết tháng 9/2022, đã giải "
            "ngân 120 tỷ đồng, đạt 45%. Trong quý II/2023, có 150 hộ thoát nghèo. 6 tháng đầu "
            "năm 2024, toàn tỉnh có 320 hộ thoát nghèo. Tính đến tháng 12 - 2018, còn 936 hộ "
            "cận nghèo. Ngày 31/12/2019, còn 1.058 hộ nghèo.")
    assert _read(text, "period", "timepoint", "indicator") == [
        ("2.300 hộ", "2021", "mid_year", "poor_households"),
        ("120 tỷ đồng", "2022", "partial_year", "disbursed_funds"),
        ("45%", "2022", "partial_year", "disbursement_rate"),
        ("150 hộ", "2023", "partial_year", "households_escaped_poverty"),
        ("320 hộ", "2024", "partial_year", "households_escaped_poverty"),
        ("936 hộ", "2018", "end_of_year", "near_poor_households"),
        ("1.058 hộ", "2019", "end_of_year", "poor_households")]


def test_points_of_the_year_the_scene_is_in() -> None:
    text = ("Năm 2023, tỷ lệ hộ nghèo đầu năm là 21,96%, đến cuối năm còn 18,48%. Kết quả 9 "
            "tháng đầu năm 2024: 1.820 hộ thoát nghèo. Dự kiến cả năm giảm 2.500 hộ nghèo.")
    assert _when(text) == [("21,96%", "2023", "start_of_year"), ("18,48%", "2023", "end_of_year"),
                           ("1.820 hộ", "2024", "partial_year"), ("2.500 hộ", "2024", None)]


def test_a_cited_documents_date_and_a_dateline_are_not_the_time() -> None:
    text = ("09/04/2024 13:48\nTrong năm 2023, UBND tỉnh ban hành Kế hoạch số 12/KH-UBND ngày "
            "06/10/2023 về rà soát hộ nghèo. Kết quả: toàn tỉnh còn 9.604 hộ nghèo.")
    assert _when(text) == [("9.604 hộ", "2023", None)]


def test_a_footnote_mark_glued_to_a_year() -> None:
    text = "Cuối năm 2018 tỷ lệ hộ nghèo giảm khoảng 3 – 4% so với cuối năm 20171. Kết quả:"
    assert _when(text) == [("khoảng 3 – 4%", "2018 vs 2017", "period")]


# ---------------------------------------------------------------- 4. clause scope


def test_a_level_after_a_semicolon_does_not_take_the_averaging_period() -> None:
    text = "Năm 2020, tỷ lệ hộ nghèo bình quân giảm 1,5%/năm; tỷ lệ hộ nghèo còn 3,2%."
    assert _when(text) == [("1,5%/năm", "2016-2020", "period"), ("3,2%", "2020", None)]


def test_a_yearly_rate_takes_the_span_it_averages_over() -> None:
    text = ("Giai đoạn 2021-2025, công tác giảm nghèo đạt kết quả tốt. Đến cuối năm 2024, tỷ lệ "
            "hộ nghèo còn 4,16%. So với đầu giai đoạn, tỷ lệ hộ nghèo giảm 3,64%, bình quân "
            "1,21%/năm, đạt kế hoạch đề ra (1-1,5%/năm).")
    assert _read(text, "period", "status", "unit") == [
        ("4,16%", "2024", "actual", "percent"),
        ("3,64%", "2024 vs 2021", "actual", "percentage_points"),
        ("1,21%/năm", "2021-2024", "actual", "percent_per_year"),
        ("1-1,5%/năm", "2021-2025", "target", "percent_per_year")]


def test_one_comparison_serves_two_coordinated_changes() -> None:
    text = "Năm 2023, tỷ lệ hộ nghèo giảm 1,2% và tỷ lệ hộ cận nghèo giảm 0,8% so với năm 2022."
    assert _when(text) == [("1,2%", "2023 vs 2022", "period"), ("0,8%", "2023 vs 2022", "period")]


def test_a_comparison_year_alone_is_never_a_levels_period() -> None:
    text = "Tỷ lệ hộ nghèo còn 3,1%, giảm 0,9% so với năm 2019."
    assert _when(text) == [("3,1%", None, None), ("0,9%", "2019", None)]


@pytest.mark.parametrize(("text", "expected"), [
    ("Tỷ lệ hộ nghèo đầu năm 2021 là 8,2%; cuối năm 2021 còn 6,5%, giảm 1,7% so với đầu năm.",
     [("8,2%", "2021", "start_of_year"), ("6,5%", "2021", "end_of_year"), ("1,7%", "2021", None)]),
    ("Năm 2022, tỉnh có 9.800 hộ nghèo, tăng 200 hộ so với cùng kỳ năm trước.",
     [("9.800 hộ", "2022", None), ("200 hộ", "2022 vs 2021", "period")]),
], ids=["so-voi-dau-nam", "cung-ky-nam-truoc"])
def test_changes_against_relative_times(text: str, expected: list[tuple]) -> None:
    assert _when(text) == expected


# ---------------------------------------------------------------- 5. status scope


def test_an_announced_target_list_governs_to_its_end() -> None:
    text = ("Tỉnh đề ra mục tiêu cụ thể là: tỷ lệ hộ nghèo giảm bình quân 1,5%/năm; tỷ lệ hộ cận "
            "nghèo giảm 1%/năm. Đến năm 2025, toàn tỉnh còn dưới 2% hộ nghèo.\n"
            "Năm 2021, tỷ lệ hộ nghèo là 5,2%.")
    assert [s for _q, s in _read(text, "status")] == ["target", "target", "target", "actual"]


def test_a_target_list_of_bullets_and_what_follows_it() -> None:
    text = ("Phấn đấu đến năm 2025:\n- Tỷ lệ hộ nghèo giảm còn dưới 3%;\n- 100% hộ nghèo được "
            "cấp thẻ bảo hiểm y tế;\n- Giảm 50% số hộ nghèo so với đầu kỳ.\n"
            "Kết quả năm 2022, tỷ lệ hộ nghèo còn 4,1%.")
    assert _read(text, "period", "status") == [
        ("dưới 3%", "2025", "target"), ("100%", "2025", "target"),
        ("50%", "2021-2025", "target"), ("4,1%", "2022", "actual")]


def test_a_target_list_goes_on_through_trong_do() -> None:
    text = ("Tỉnh tiếp tục đặt mục tiêu giảm tỷ lệ hộ nghèo bình quân 3 - 5%/năm trở lên.\n\n"
            "Trong đó, hộ nghèo dân tộc thiểu số giảm từ 3%/năm trở lên; giảm hộ cận nghèo hằng "
            "năm từ 2.000 hộ trở lên. Đến năm 2024, huyện Bảo Thắng cơ bản không còn hộ nghèo.")
    assert _read(text, "status", "unit", "indicator") == [
        ("3 - 5%/năm trở lên", "target", "percent_per_year", "poverty_rate_reduction"),
        ("3%/năm trở lên", "target", "percent_per_year", "poverty_rate_reduction"),
        ("2.000 hộ trở lên", "target", "households_per_year", "near_poor_households_reduction"),
        ("không còn hộ nghèo", "target", "households", "poor_households")]


def test_theo_ke_hoach_sets_a_target_a_plan_numbered_does_not() -> None:
    text = ("Đến nay, Chương trình đã hỗ trợ 3.200 hộ nghèo. Theo kế hoạch, đến năm 2025 sẽ có "
            "thêm 2.000 hộ thoát nghèo. Theo kế hoạch số 45/KH-UBND, năm 2023 còn 800 hộ nghèo.")
    assert [s for _q, s in _read(text, "status")] == ["actual", "target", "actual"]


def test_se_con_is_an_estimate_se_duoc_ho_tro_no_cue() -> None:
    text = ("Đến hết năm 2021, tỷ lệ hộ nghèo sẽ còn khoảng 2,74%. Năm 2022, mỗi hộ nghèo sẽ được "
            "hỗ trợ 5 triệu đồng.")
    assert [s for _q, s in _read(text, "status")] == ["estimate", "actual"]


def test_a_programmes_name_is_not_a_target() -> None:
    text = ("Chương trình mục tiêu quốc gia giảm nghèo bền vững năm 2022 đã hỗ trợ 500 hộ nghèo. "
            "Tỷ lệ hộ nghèo còn 3,5%.")
    assert _read(text, "status", "indicator") == [
        ("500 hộ", "actual", "poor_households_supported"),
        ("3,5%", "actual", "poor_household_rate")]


def test_an_estimate_governs_the_end_of_a_pair_and_what_is_computed_from_it() -> None:
    text = "Dự kiến năm 2023, tỷ lệ hộ nghèo giảm từ 4,5% xuống còn 3,2%, tương đương giảm 1,3%."
    assert [s for _q, s in _read(text, "status")] == ["actual", "estimate", "estimate"]


def test_an_estimate_opening_a_sentence_governs_it_across_semicolons() -> None:
    text = ("Ước đến cuối năm 2024, toàn tỉnh còn khoảng 6.100 hộ nghèo, tỷ lệ 3,2%; hộ cận nghèo "
            "còn 7.800 hộ. Năm 2023, tỷ lệ hộ nghèo là 4,3%.")
    assert [s for _q, s in _read(text, "status")] == ["estimate"] * 3 + ["actual"]


def test_a_change_after_an_estimate_in_the_next_sentence_is_an_estimate() -> None:
    text = ("Đến cuối năm 2025 ước còn 24.126 hộ nghèo, giảm 1.129 hộ so với năm 2024. Bình quân "
            "mỗi năm giảm 3,89%/năm.\n\nNăm 2024, tỷ lệ hộ nghèo là 4%.")
    assert _read(text, "status", "period") == [
        ("24.126 hộ", "estimate", "2025"), ("1.129 hộ", "estimate", "2025 vs 2024"),
        ("3,89%/năm", "estimate", "2021-2025"), ("4%", "actual", "2024")]


def test_a_named_target_and_the_figure_that_reaches_it() -> None:
    text = ("Bước sang năm 2024, huyện Mường Tè đặt mục tiêu giảm 5% hộ nghèo. Năm 2023, huyện "
            "đã giảm 6,2% hộ nghèo, vượt chỉ tiêu đề ra (5%).")
    assert _read(text, "status", "period", "unit") == [
        ("5%", "target", "2024", "percentage_points"),
        ("6,2%", "actual", "2023", "percentage_points"),
        ("5%", "target", "2023", "percentage_points")]


def test_a_heading_restating_a_body_figure_takes_its_time_status_and_indicator() -> None:
    text = ("Sẽ giảm 50% số hộ nghèo trong 5 năm tới\n"
            "Chương trình đặt mục tiêu đến năm 2025 giảm 50% số hộ nghèo và hộ cận nghèo so với "
            "đầu kỳ.\n\nTỷ lệ hộ nghèo ước còn 3,13%\nDự kiến đến cuối năm 2025, tỷ lệ hộ nghèo "
            "còn 3,13%.")
    assert _read(text, "period", "status", "indicator") == [
        ("50%", "2021-2025", "target", "poor_and_near_poor_households_reduction"),
        ("50%", "2021-2025", "target", "poor_and_near_poor_households_reduction"),
        ("3,13%", "2025", "estimate", "poor_household_rate"),
        ("3,13%", "2025", "estimate", "poor_household_rate")]


def test_trong_do_takes_the_status_of_the_whole() -> None:
    text = ("Tổng nguồn vốn thực hiện Chương trình giai đoạn 2021-2025 tối thiểu là 75.000 tỷ "
            "đồng. Trong đó, vốn ngân sách Trung ương chiếm 64% (tương đương 48.000 tỷ đồng), vốn "
            "ngân sách địa phương là gần 12.700 tỷ đồng.")
    assert _read(text, "status", "indicator", "qualifier") == [
        ("tối thiểu là 75.000 tỷ đồng", "target", "budget", "tối thiểu"),
        ("64%", "target", "budget_share", None), ("48.000 tỷ đồng", "target", "budget", None),
        ("gần 12.700 tỷ đồng", "target", "budget", "gần")]


def test_a_level_after_the_texts_present_is_a_projection() -> None:
    text = ("Sau 3 năm thực hiện, Chương trình giai đoạn 2021-2025 đã đạt nhiều kết quả.\n"
            "Cuối năm 2025, tỷ lệ hộ nghèo cả nước còn khoảng 0,9%, giảm bình quân khoảng "
            "1,08%/năm.")
    assert _read(text, "period", "status") == [
        ("khoảng 0,9%", "2025", "estimate"), ("khoảng 1,08%/năm", "2021-2025", "estimate")]


def test_the_present_resolves_nam_nay_and_den_nay() -> None:
    text = ("Dự kiến đến cuối năm 2025, tỷ lệ hộ nghèo còn 3,1%.\nĐầu giai đoạn, tỷ lệ hộ nghèo "
            "là 7,8%. Từ năm 2021 đến nay, tỉnh đã xây mới 2.111 căn nhà cho 1.701 hộ nghèo.\n"
            "Dự kiến đến cuối năm nay, tỷ lệ hộ nghèo ở miền núi còn 8,66%.")
    assert _read(text, "period", "indicator") == [
        ("3,1%", "2025", "poor_household_rate"), ("7,8%", "2021", "poor_household_rate"),
        ("2.111 căn nhà", "2021-2025", "houses_supported"),
        ("1.701 hộ", "2021-2025", "poor_households_supported"),
        ("8,66%", "2025", "poor_household_rate")]


def test_the_year_a_text_estimates_does_not_make_later_years_projections() -> None:
    text = ("Năm 2020, dự kiến cuối năm 2020 tỷ lệ hộ nghèo còn 5%. Đến năm 2023, tỷ lệ hộ nghèo "
            "còn 3%.")
    assert _read(text, "period", "status") == [("5%", "2020", "estimate"), ("3%", "2023", "actual")]


def test_a_count_of_targets_is_not_a_target_cue() -> None:
    text = ("Chương trình gồm 10 tiểu dự án với 19 chỉ tiêu cụ thể. Năm 2022, toàn tỉnh còn "
            "500 hộ nghèo.")
    assert _read(text, "status") == [("500 hộ", "actual")]


def test_a_present_the_caller_knows_dates_nam_nay() -> None:
    text = "Năm 2021 toàn tỉnh còn 8.000 hộ nghèo. Năm nay, tỉnh phấn đấu giảm thêm 1.500 hộ nghèo."
    df = extract_claims(text, present=2024)
    assert df["period"].tolist() == ["2021", "2024"]


def test_an_unknown_present_ends_the_scene() -> None:
    text = "Năm 2021 toàn tỉnh còn 8.000 hộ nghèo. Năm nay, tỉnh phấn đấu giảm thêm 1.500 hộ nghèo."
    assert _read(text, "period", "status") == [("8.000 hộ", "2021", "actual"),
                                               ("1.500 hộ", None, "target")]


# ---------------------------------------------------------------- 6. units and values


def test_written_percentage_points_stay_and_typing_slips_read_as_meant() -> None:
    text = ("Năm 2023, tỷ lệ hộ nghèo giảm 1,2 điểm phần trăm, bình quân giảm 0,4 điểm phần trăm "
            "mỗi năm; hộ cận nghèo giảm 0,5 điểm phẩn trăm. Tỷ lệ nghèo đa chiểu là 6,1%%.")
    assert _read(text, "unit", "indicator") == [
        ("1,2 điểm phần trăm", "percentage_points", "poverty_rate_reduction"),
        ("0,4 điểm phần trăm", "percentage_points", "poverty_rate_reduction"),
        ("0,5 điểm phẩn trăm", "percentage_points", "near_poor_household_rate_reduction"),
        ("6,1%%", "percent", "poor_and_near_poor_household_rate")]


def test_zero_in_words_is_a_claim_of_zero() -> None:
    text = "Đến năm 2024, huyện Bảo Lạc xóa hết hộ nghèo. Huyện Mèo Vạc không còn hộ cận nghèo."
    assert _read(text, "value", "unit", "indicator", "place") == [
        ("xóa hết hộ nghèo", 0.0, "households", "poor_households", "huyện Bảo Lạc"),
        ("không còn hộ cận nghèo", 0.0, "households", "near_poor_households", "huyện Mèo Vạc")]


@pytest.mark.parametrize(("text", "expected"), [
    ("Năm 2022, vốn ngân sách trung ương chiếm tới 71% tổng nguồn vốn, tương đương 300 tỷ đồng.",
     [("71%", "percent", "budget_share"), ("300 tỷ đồng", "billion_vnd", "budget")]),
    ("Hộ nghèo có 10.689 hộ, chiếm 3,20% so với tổng số hộ toàn tỉnh (tăng 137 hộ so với đầu "
     "năm, chiếm tỷ lệ 0,04%), trong đó có 3.373 hộ nghèo dân tộc thiểu số (chiếm 31,56% so với "
     "tổng số hộ nghèo toàn tỉnh).",
     [("10.689 hộ", "households", "poor_households"),
      ("3,20%", "percent", "poor_household_rate"),
      ("137 hộ", "households", "poor_households_increase"),
      ("0,04%", "percentage_points", "poverty_rate_increase"),
      ("3.373 hộ", "households", "poor_households"),
      ("31,56%", "percent", "poor_households_share")]),
    ("Năm 2024, toàn quốc còn gần 2 triệu hộ nghèo và hộ cận nghèo, tỷ lệ nghèo đa chiều 5,7%; "
     "giảm 1/2 số hộ nghèo và hộ cận nghèo, giảm tới hơn một nửa số hộ nghèo.",
     [("gần 2 triệu hộ", "households", "poor_and_near_poor_households"),
      ("5,7%", "percent", "poor_and_near_poor_household_rate"),
      ("1/2", "fraction", "poor_and_near_poor_households_reduction"),
      ("hơn một nửa", "fraction", "poor_households_reduction")]),
], ids=["share-of-funds", "shares-and-their-base", "poor-and-near-poor-fractions"])
def test_shares_with_their_base(text: str, expected: list[tuple]) -> None:
    assert _read(text, "unit", "indicator") == expected


# ---------------------------------------------------------------- 7. indicators


def test_the_denominator_is_all_households_and_giam_dat_is_a_change() -> None:
    text = "Năm 2022, xã Tân Lập có 612 hộ nghèo/41.280 hộ, tỷ lệ hộ nghèo giảm đạt trên 3,5%."
    assert _read(text, "unit", "indicator") == [
        ("612 hộ", "households", "poor_households"), ("41.280 hộ", "households", "households"),
        ("trên 3,5%", "percentage_points", "poverty_rate_reduction")]


@pytest.mark.parametrize(("text", "expected"), [
    ("Ước đến hết năm 2020, bình quân tỷ lệ giảm nghèo của tỉnh đạt 5,02%/năm bằng 125,5% kế "
     "hoạch, có 2 huyện thoát khỏi huyện nghèo.",
     [("5,02%/năm", "poverty_rate_reduction", "2016-2020", "estimate"),
      ("125,5%", "plan_achievement_rate", "2016-2020", "estimate"),
      ("2 huyện", "districts_escaped_poverty", "2016-2020", "estimate")]),
    ("Mục tiêu giai đoạn 2021-2025: 30% huyện nghèo, 30% xã đặc biệt khó khăn thoát khỏi tình "
     "trạng nghèo.",
     [("30%", "districts_escaped_poverty", "2021-2025", "target"),
      ("30%", "communes_escaped_poverty", "2021-2025", "target")]),
    ("+ Tổng số hộ tự nhiên: 297.899 hộ\n+ Tổng số hộ có mức sống trung bình: 72.895 hộ; Tỷ lệ: "
     "24,40%",
     [("297.899 hộ", "households", None, "actual"),
      ("72.895 hộ", "average_living_standard_households", None, "actual"),
      ("24,40%", "average_living_standard_household_rate", None, "actual")]),
], ids=["plan-fulfilment-and-flows", "shares-of-places", "all-and-average-households"])
def test_indicators_read_from_the_phrase(text: str, expected: list[tuple]) -> None:
    assert _read(text, "indicator", "period", "status") == expected


# ---------------------------------------------------------------- what else the corpus shows


def test_a_poverty_standards_span_is_not_the_period() -> None:
    text = ("Bộ LĐ-TB&XH công bố kết quả rà soát hộ nghèo năm 2023 theo chuẩn nghèo đa chiều giai "
            "đoạn 2022 – 2025.\n\nTỷ lệ hộ nghèo chung cả nước là 2,93%.")
    assert _when(text) == [("2,93%", "2023", None)]


def test_the_poverty_line_is_of_its_standards_span() -> None:
    text = ("Ngày 18/1/2022, Thủ tướng ký quyết định. Theo đó, chuẩn nghèo đa chiều giai đoạn "
            "2022-2025 ở nông thôn là 1,5 triệu đồng/người/tháng.")
    assert _read(text, "period", "indicator") == [
        ("1,5 triệu đồng/người/tháng", "2022-2025", "poverty_line")]


def test_a_programmes_span_governs_its_sentence_not_a_scene_already_set() -> None:
    text = ("Trong năm 2022, tỉnh triển khai Chương trình mục tiêu quốc gia giảm nghèo bền vững "
            "giai đoạn 2021 - 2025.\nKết quả rà soát: hộ nghèo có 10.689 hộ.\n"
            "Triển khai Chương trình giai đoạn 2021 - 2025, tỉnh đặt mục tiêu giảm tỷ lệ hộ nghèo "
            "1,5%/năm.")
    assert _when(text) == [("10.689 hộ", "2022", None), ("1,5%/năm", "2021-2025", "period")]


def test_the_six_regions_are_places_and_the_country_as_a_yardstick_is_not() -> None:
    text = ("Năm 2023, vùng Tây Nguyên có tỷ lệ hộ nghèo cao nhất cả nước (8,4%), vùng Đông Nam "
            "Bộ thấp nhất (0,3%); Bắc Trung bộ và duyên hải miền Trung 4,99% với 284.137 hộ. "
            "Tỷ lệ hộ nghèo cả nước là 2,9%.")
    assert [p for _q, p in _read(text, "place")] == [
        "Tây Nguyên", "Đông Nam Bộ", "Bắc Trung Bộ và duyên hải miền Trung",
        "Bắc Trung Bộ và duyên hải miền Trung", "Việt Nam"]


def test_a_photo_caption_gives_neither_time_nor_place() -> None:
    text = ("Trẻ em vùng cao huyện Lộc Bình đến trường, hồi năm 2019. (Ảnh: TTXVN)\n"
            "Bộ công bố kết quả rà soát năm 2023.\n\nCả nước còn 815.101 hộ nghèo.\n\n"
            "Tỷ lệ hộ cận nghèo là 2,78%.")
    assert _read(text, "period", "place") == [("815.101 hộ", "2023", "Việt Nam"),
                                              ("2,78%", "2023", "Việt Nam")]


def test_places_written_together_and_the_whole_province() -> None:
    text = ("Tỉnh Lào Cai: đến năm 2024, huyện Bảo Thắng và thành phố Lào Cai cơ bản không còn "
            "hộ nghèo.\nToàn tỉnh còn 5.000 hộ nghèo.\n\nT.P Thái Nguyên còn 1.058 hộ nghèo.")
    assert _read(text, "place", "qualifier") == [
        ("không còn hộ nghèo", "huyện Bảo Thắng, thành phố Lào Cai", "cơ bản"),
        ("5.000 hộ", "Lào Cai", None), ("1.058 hộ", "thành phố Thái Nguyên", None)]


def test_the_province_as_a_word_and_counts_with_their_own_words() -> None:
    text = ("Năm 2023, tỉnh Quảng Trị còn 10.251 hộ nghèo. Trong đó, huyện Đakrông 35,14%.\n"
            "Năm 2024, tỉnh phấn đấu giảm tỷ lệ hộ nghèo 1,5%.\n"
            "Toàn tỉnh hiện có 14 huyện nghèo và 128 xã đặc biệt khó khăn; có 4/6 huyện và 35/110 "
            "xã thoát nghèo.")
    assert _read(text, "place", "indicator") == [
        ("10.251 hộ", "Quảng Trị", "poor_households"),
        ("35,14%", "huyện Đakrông", "poor_household_rate"),
        ("1,5%", "Quảng Trị", "poverty_rate_reduction"),
        ("14 huyện", "Quảng Trị", "poor_districts"),
        ("128 xã", "Quảng Trị", "extremely_difficult_communes"),
        ("4/6 huyện", "Quảng Trị", "districts_escaped_poverty"),
        ("35/110 xã", "Quảng Trị", "communes_escaped_poverty")]


@pytest.mark.parametrize(("text", "places"), [
    ("Ước đến hết năm 2020, tỷ lệ giảm nghèo của tỉnh đạt 5,02%/năm.\n\nÔng A, Bí thư Tỉnh ủy "
     "Lào Cai", ["Lào Cai"]),
    ("Thủ tướng Chính phủ phê duyệt Chương trình mục tiêu quốc gia giảm nghèo bền vững. Tổng "
     "nguồn vốn tối thiểu là 75.000 tỷ đồng.", ["Việt Nam"]),
    ("UBND tỉnh triển khai Chương trình mục tiêu quốc gia. Toàn tỉnh còn 9.604 hộ nghèo.", [None]),
], ids=["the-province-named-after", "the-countrys-bodies", "an-unnamed-province"])
def test_a_place_named_after_or_by_the_countrys_bodies(text: str, places: list) -> None:
    assert [p for _q, p in _read(text, "place")] == places


def test_counts_that_size_a_list_are_not_claims() -> None:
    text = ("Lào Cai xếp thứ 5 trong số 10 tỉnh có tỷ lệ hộ nghèo giảm nhanh nhất; 10 tỉnh, thành "
            "phố có tỷ lệ hộ nghèo giảm nhanh nhất gồm Lai Châu, Hà Tĩnh. Năm 2021, có 3 huyện "
            "thoát nghèo.")
    assert [q for (q,) in _read(text)] == ["3 huyện"]


# ---------------------------------------------------------------- the text index


def test_text_index_sentences_clauses_brackets_and_lines() -> None:
    text = ("Tiêu đề không dấu chấm\nNăm 2022, tỷ lệ là 3% (năm 2021: 4%); còn 5 hộ. Câu hai.\n"
            "(Ảnh: TTXVN)\n- dòng danh sách;")
    index = TextIndex(text)
    at = text.index("3%")
    assert text[slice(*index.sentence(at))] == "Năm 2022, tỷ lệ là 3% (năm 2021: 4%); còn 5 hộ. "
    assert text[slice(*index.clause(at))] == "Năm 2022, tỷ lệ là 3% (năm 2021: 4%)"
    opened, closed = index.bracket(text.index("4%"))
    assert text[opened:closed + 1] == "(năm 2021: 4%)" and index.bracket(at) is None
    assert [index.line_kind(text.index(s)) for s in ("Tiêu", "Năm", "(Ảnh", "- dòng")] == [
        "heading", "body", "caption", "list"]
