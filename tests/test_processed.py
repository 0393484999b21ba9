"""data/processed is generated, committed, and regenerated here byte for byte; every table
is validated on load with an error naming the file, the column and the row."""

import pandas as pd
import pytest

from analysis.build.extract import extract
from analysis.data import paths
from analysis.data.processed import (
    CLAIMS,
    LESSON_THEMES,
    LESSONS,
    load_claims,
    load_lesson_themes,
    load_lessons,
)
from analysis.errors import UserError


def test_committed_processed_files_equal_a_fresh_extraction(tmp_path):
    written = extract(out_dir=tmp_path)
    assert [p.name for p in written] == [CLAIMS, LESSONS, LESSON_THEMES]
    for path in written:
        committed = paths.PROCESSED / path.name
        assert committed.read_bytes() == path.read_bytes(), (
            f"data/processed/{path.name} is stale: run `make extract` and commit it")


def test_loaded_tables_hold_the_articles_figures():
    claims = load_claims()
    assert len(claims) == 12
    by_quote = claims.set_index("claim_id")
    assert by_quote.loc["c09", ["value", "unit", "period", "timepoint"]].tolist() == [
        12.62, "percent", "2016", "start_of_year"]
    assert by_quote.loc["c04", "quote"] == "hơn 37.600 hộ"
    raw = paths.ARTICLE.read_text(encoding="utf-8")
    assert all(raw[s:e] == q for q, s, e in claims[["quote", "start", "end"]].itertuples(
        index=False))
    lessons = load_lessons()
    assert lessons.groupby("place").size().to_dict() == {"An Giang": 5, "Hải Dương": 5,
                                                         "Phú Yên": 5}
    themes = load_lesson_themes()
    assert set(themes["lesson_id"]) == set(lessons["lesson_id"])


def test_claims_say_where_period_and_status_were_read():
    claims = load_claims().set_index("claim_id")
    raw = paths.ARTICLE.read_text(encoding="utf-8")

    def words(cid, field):
        row = claims.loc[cid]
        return raw[row[f"{field}_cue_start"]:row[f"{field}_cue_end"]]

    assert words("c03", "period") == "cuối năm 2020" and words("c03", "status") == "dự ước"
    assert words("c06", "period") == "giai đoạn 2011 - 2015"
    assert words("c06", "base") == "so với giai đoạn 2006 - 2010"
    assert claims.loc["c01", ["base_cue_start", "status_cue_start"]].isna().all()


def test_claims_written_before_the_cue_columns_still_load(tmp_path):
    frame = pd.read_csv(paths.PROCESSED / CLAIMS, dtype=str, keep_default_na=False)
    old = tmp_path / CLAIMS
    frame.drop(columns=[c for c in frame if "_cue_" in c]).to_csv(old, index=False)
    loaded = load_claims(old)
    assert list(loaded.columns) == list(frame.columns) and len(loaded) == 12
    assert loaded["period_cue_start"].isna().all()


def _broken_claims(tmp_path, edit):
    frame = pd.read_csv(paths.PROCESSED / CLAIMS, dtype=str, keep_default_na=False)
    frame = edit(frame)
    path = tmp_path / CLAIMS
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        (lambda f: f.drop(columns=["unit"]), "missing column 'unit'"),
        (lambda f: f.assign(value=f["value"].where(f.index != 3, "nhiều")),
         ":5 (row 4), column 'value'"),
        (lambda f: f.assign(claim_id=f["claim_id"].where(f.index != 2, "c01")), "duplicated key"),
        (lambda f: f.assign(value=f["value"].where(f.index != 1, "393")), "row 2"),
        (lambda f: f.assign(value=f["value"].where(f.index != 0, "-10271")), "row 1"),
        (lambda f: f.assign(status=f["status"].where(f.index != 0, "rumour")), "column 'status'"),
    ],
    ids=["missing-column", "wrong-type", "duplicate-id", "rate-above-100", "negative-count",
         "bad-status"],
)
def test_a_broken_claims_file_is_named_with_column_and_row(tmp_path, edit, fragment):
    path = _broken_claims(tmp_path, edit)
    with pytest.raises(UserError) as err:
        load_claims(path)
    message = str(err.value)
    assert str(path) in message and fragment in message and "\n" not in message


def test_a_missing_processed_file_says_how_to_fix(tmp_path):
    with pytest.raises(UserError, match="not found"):
        load_lessons(tmp_path / LESSONS)
