"""The record layer: what a notebook shows carries a label and a machine-readable record;
documents find outputs by label. Checked here in-process, capturing what would be displayed."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis.errors import UserError  # noqa: E402
from analysis.show import record, tables  # noqa: E402
from analysis.show.style import add_source  # noqa: E402


@pytest.fixture
def shown(monkeypatch, tmp_path):
    """Every output the record layer displays, as a notebook's outputs would hold it."""
    outputs: list[dict] = []

    def display(data, metadata=None, raw=False):
        assert raw
        outputs.append({"output_type": "display_data", "data": data, "metadata": metadata or {}})

    monkeypatch.setattr(record, "display", display)
    monkeypatch.setenv("ANALYSIS_REPORTS_DIR", str(tmp_path))
    record.reset_labels()
    return outputs


def _notebook(outputs: list[dict]) -> dict:
    return {"cells": [{"cell_type": "code", "outputs": outputs}]}


def test_a_figure_is_svg_with_its_caption_ids_and_files(shown, tmp_path):
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([2016, 2019], [12.62, 3.93])
    add_source(fig, "Bài báo", ["c09", "c02", "res80_text"])
    record.show_figure(ax, label="fig-rate", lang="vi", caption="Tỷ lệ hộ nghèo",
                       stem="01_probe", params={"province": "phu-yen", "lang": "vi"})
    figure, caption = shown
    assert set(figure["data"]) == {"image/svg+xml", "text/plain"}  # vector, no raster
    assert figure["data"]["image/svg+xml"].lstrip().startswith(("<?xml", "<svg"))
    rec = record.read_records(_notebook(shown))["fig-rate"]
    assert (rec.kind, rec.caption, rec.ids) == ("figure", "Tỷ lệ hộ nghèo",
                                                ("c09", "c02", "res80_text"))
    assert rec.files == ("01-probe_phu-yen_vi.svg",)  # one file: the image shown, byte for byte
    saved = (tmp_path / "figures" / rec.files[0]).read_text(encoding="utf-8")
    assert saved == figure["data"]["image/svg+xml"] and "<!-- Bài báo" in saved
    assert record.is_caption(caption) and "*Tỷ lệ hộ nghèo.*" in caption["data"]["text/markdown"]
    assert "#claim-c09" in caption["data"]["text/markdown"]
    assert not plt.fignum_exists(fig.number)  # closed: shown once


def test_a_table_is_typeset_and_recorded_with_its_cells(shown):
    frame = pd.DataFrame({"period": ["2016", "2019"], "rate": [12.62, 3.9],
                          "households": [30803, None], "qualifier": [None, None],
                          "claim_ids": ["c09", "c02;c11"]})
    record.show_table(frame, label="tab-rate", lang="vi", caption="Tỷ lệ",
                      links={"claim_ids": "claim"})
    caption, table = shown
    assert record.is_caption(caption)
    rec = record.read_records(_notebook(shown))["tab-rate"]
    header = tables.header
    assert rec.values["columns"] == [header(c, "vi") for c in
                                     ("period", "rate", "households", "claim_ids")]
    assert rec.values["rows"][0][:3] == ["2016", "12,62", "30.803"]  # localised, no index
    # years, rates and counts are numbers: right-aligned; the id column is text
    assert rec.values["numeric"] == [header(c, "vi") for c in ("period", "rate", "households")]
    page = table["data"]["text/html"]
    assert 'id="tbl-tab-rate"' in page and "gt_right" in page and "…" not in page
    assert "3,9\u2007" in page  # one decimal padded to line up with 12,62
    assert page.count("#claim-c") == 3


def test_a_named_index_is_a_column_an_unnamed_one_is_not(shown):
    by_year = pd.DataFrame({"rate": [18.5, 6.4]}, index=pd.Index([2006, 2016], name="year"))
    assert tables.reader_table(by_year, "en").iloc[:, 0].tolist() == ["2006", "2016"]
    plain = pd.DataFrame({"rate": [18.5, 6.4]})
    assert list(tables.reader_table(plain, "en").columns) == [tables.header("rate", "en")]


def test_facts_reach_no_reader_format(shown):
    record.record_facts("key-values", {"rate": 12.62, "missing": float("nan")})
    (out,) = shown
    assert set(out["data"]) == {record.FACTS_MIME}  # no text/plain, no JSON a reader sees
    assert record.read_records(_notebook(shown))["key-values"].values == {"rate": 12.62,
                                                                          "missing": None}


@pytest.mark.parametrize("label", ["Fig 1", "", "fig_1", "-x"])
def test_a_label_must_be_lower_case_words(shown, label):
    with pytest.raises(UserError, match="label"):
        record.record_facts(label, {})


def test_a_label_is_shown_once(shown):
    record.record_facts("facts", {"a": 1})
    with pytest.raises(UserError, match="'facts' is shown twice"):
        record.record_facts("facts", {"a": 2})
    twice = _notebook(shown + shown)
    with pytest.raises(UserError, match="recorded twice"):
        record.read_records(twice)


def test_decimal_marks_line_up_without_adding_digits():
    assert tables.decimal_aligned(["12,62", "3,9", "30.803", ""], "vi") == [
        "12,62", "3,9\u2007", "30.803\u2008\u2007\u2007", ""]
    assert tables.decimal_aligned(["12.62", "7.1%", "5"], "en") == [
        "12.62", "7.1\u2007%", "5\u2008\u2007\u2007"]
