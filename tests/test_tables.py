"""Display tables: headers and coded values in the reader's language, numbers written the
local way, every value the one of the computed frame."""

from __future__ import annotations

import pandas as pd

from analysis.compute import context
from analysis.show import tables

PY = "Phú Yên"


def test_localised_tables_switch_language_and_number_format(traj):
    vi = tables.localised(traj, "vi", ["period", "timepoint", "rate", "households", "status"])
    assert list(vi.columns) == ["Thời kỳ", "Thời điểm", "Tỷ lệ hộ nghèo (%)", "Số hộ",
                                "Trạng thái"]
    assert vi.iloc[0].tolist() == ["2016", "đầu năm", "12,62", "30.803", "thực tế"]
    assert vi.iloc[2, 4] == "ước tính" and vi.iloc[2, 3] == ""
    en = tables.localised(traj, "en", ["rate", "households", "status"])
    assert en.iloc[0].tolist() == ["12.62", "30,803", "actual"]
    offsets = tables.localised(pd.DataFrame({"start": [1118]}), "en")
    assert offsets.iloc[0, 0] == "1118"


def test_overview_of_the_article(article):
    vi, en = tables.overview(article, "vi"), tables.overview(article, "en")
    assert len(vi) == len(en) == 4
    assert vi.iloc[0, 1] == en.iloc[0, 1] == article.headline.text
    assert en.iloc[3, 1] == f"{article.word_count:,}"


def test_rank_table_is_localised(data, ranks):
    ctx = context.province_context(data.gso, data.codes, ranks, "Phú Yên")
    vi = tables.rank_table(ctx, "vi")
    en = tables.rank_table(ctx, "en")
    assert vi["Phú Yên (%)"].iloc[-1] == "6,4" and en["Phú Yên (%)"].iloc[-1] == "6.4"
    assert vi["Thứ hạng (1 = tỷ lệ nghèo cao nhất)"].iloc[-1] == "31/62"
    assert en["Rank (1 = highest poverty rate)"].iloc[-1] == "31 of 62"
    assert "Bắc Trung Bộ và duyên hải miền Trung (%)" in vi.columns
    assert en["Status"].iloc[-1] == "preliminary"


def test_national_table_labels_every_row_with_measure_and_standard(data):
    table = tables.national_table(data.national, "en")
    assert table["Measure"].str.contains("MOLISA|VHLSS").all()
    assert table["Standard"].ne("").all()
    assert "about 5.8–6 (preliminary)" in table["Rate (%)"].tolist()
    assert "below 4" in table["Rate (%)"].tolist()


def test_a_long_header_of_a_number_column_wraps_instead_of_being_cut():
    """Numbers stay on one line; a header over them wraps (the HTML cell clips what overflows:
    'Northern Central and Central coastal area (%)' was cut to 'Northern Central and Cen')."""
    import re

    frame = pd.DataFrame({"Năm": ["2016"],
                          "Northern Central and Central coastal area (%)": ["8,0"]})
    html = tables.typeset(frame, label="tab-probe", lang="en")
    rules = re.findall(r"([^{}]+)\{([^}]*)\}", html)
    nowrap = [sel for sel, body in rules if "nowrap" in body]
    assert any(".gt_row.gt_right" in sel for sel in nowrap)
    assert not any("gt_col_heading" in sel for sel in nowrap), nowrap
