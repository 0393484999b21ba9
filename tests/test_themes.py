"""Theme codebook, automatic coding of the article's lessons, and human overrides."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.build.extract import update_lesson_themes
from analysis.data.codebook import codebook_table, load_codebook
from analysis.data.processed import LESSON_THEME_COLUMNS as COLUMNS
from analysis.data.processed import read_lesson_themes
from analysis.errors import UserError
from analysis.reading.lessons import extract_lessons
from analysis.reading.themes import code_lessons, effective_themes, merge_overrides

THEME_IDS = [
    "communication_persuasion", "party_leadership_mobilisation", "integrating_programmes_funds",
    "targeting_causes_of_poverty", "replicating_models_vocational_training",
    "growth_social_security", "monitoring_evaluation_learning", "self_reliance_of_the_poor",
    "priority_disadvantaged_areas", "special_mechanisms_roadmaps",
    "socialisation_mass_movements_extension", "fair_budget_allocation_oversight",
    "annual_reviews_rewards", "housing",
]

# The coding of the article's 15 lessons, checked by reading each lesson.
EXPECTED = {
    "phu-yen-1": {"communication_persuasion", "self_reliance_of_the_poor"},
    "phu-yen-2": {"party_leadership_mobilisation"},
    "phu-yen-3": {"integrating_programmes_funds"},
    "phu-yen-4": {"targeting_causes_of_poverty"},
    "phu-yen-5": {"replicating_models_vocational_training", "annual_reviews_rewards"},
    "hai-duong-1": {"party_leadership_mobilisation", "targeting_causes_of_poverty",
                    "replicating_models_vocational_training",
                    "socialisation_mass_movements_extension"},
    "hai-duong-2": {"communication_persuasion"},
    "hai-duong-3": {"growth_social_security"},
    "hai-duong-4": {"monitoring_evaluation_learning"},
    "hai-duong-5": {"communication_persuasion", "self_reliance_of_the_poor"},
    "an-giang-1": {"priority_disadvantaged_areas"},
    "an-giang-2": {"replicating_models_vocational_training", "special_mechanisms_roadmaps"},
    "an-giang-3": {"integrating_programmes_funds", "priority_disadvantaged_areas",
                   "socialisation_mass_movements_extension", "housing"},
    "an-giang-4": {"integrating_programmes_funds", "fair_budget_allocation_oversight"},
    "an-giang-5": {"monitoring_evaluation_learning", "annual_reviews_rewards", "housing"},
}





@pytest.fixture(scope="module")
def coded(lessons, codebook):
    return code_lessons(lessons, codebook)


def test_codebook_has_the_fourteen_themes(codebook):
    assert [t.id for t in codebook] == THEME_IDS
    for t in codebook:
        assert t.name_vi and t.name_en and t.definition and "\n" not in t.definition
        assert t.cues and all(c == c.lower() for c in t.cues)
    table = codebook_table(codebook)
    assert table.loc[13, ["theme_id", "name_en"]].tolist() == ["housing", "Housing"]
    assert "tuyên truyền" in table.loc[0, "cues"]


def test_every_article_lesson_gets_the_expected_themes(coded, lessons):
    assert list(coded.columns) == COLUMNS
    assert set(coded["lesson_id"]) == set(lessons["lesson_id"])
    got = coded.groupby("lesson_id")["theme_id"].apply(set).to_dict()
    assert got == EXPECTED
    assert len(coded) == 28


def test_evidence_is_located_in_the_page(coded, article, lessons):
    spans = lessons.set_index("lesson_id")[["start", "end"]]
    for row in coded.itertuples():
        assert article.text[row.cue_start:row.cue_end] == row.evidence
        assert " ".join(row.evidence.lower().split()) == row.cue
        assert row.cue in row.cues.split("; ")
        start, end = spans.loc[row.lesson_id]
        assert start <= row.cue_start < row.cue_end <= end
    first = coded[(coded.lesson_id == "phu-yen-1")
                  & (coded.theme_id == "communication_persuasion")].iloc[0]
    assert (first.cue, first.cue_start) == ("tuyên truyền", article.text.index("tuyên truyền"))
    housing = coded[(coded.lesson_id == "an-giang-3") & (coded.theme_id == "housing")].iloc[0]
    assert article.text[housing.cue_start - 4:housing.cue_end + 4] == "xóa nhà ở tạm"
    budget = coded[coded.theme_id == "fair_budget_allocation_oversight"]
    assert list(budget["lesson_id"]) == ["an-giang-4"]
    assert budget.iloc[0]["cue"] == "phân bổ ngân sách"
    assert (coded["coder_override"] == "").all() and (coded["coder_note"] == "").all()


def test_cue_matching_ignores_case_and_line_breaks_but_not_word_parts(codebook):
    lessons = extract_lessons("Một là, TUYÊN TRUYỀN sâu rộng.\nHai là, đẩy mạnh Xã hội\nhóa.\n"
                              "Ba là, khuyến nông dân lập.")
    got = code_lessons(lessons, codebook)
    rows = {(r.lesson_id, r.theme_id): r for r in got.itertuples()}
    assert rows[("lesson-1", "communication_persuasion")].evidence == "TUYÊN TRUYỀN"
    assert rows[("lesson-2", "socialisation_mass_movements_extension")].evidence == "Xã hội\nhóa"
    assert rows[("lesson-3", "socialisation_mass_movements_extension")].cue == "khuyến nông"
    # "nhà ở" must not match inside "nhà ởi" and "lộ trình" not inside "lộ trìnhx"
    none = code_lessons(extract_lessons("Một là, nhà ởi.\nHai là, lộ trìnhx."), codebook)
    assert none.empty and list(none.columns) == COLUMNS


def _write(tmp_path, text: str):
    path = tmp_path / "codebook.yml"
    path.write_text(text, encoding="utf-8")
    return path


ENTRY = """  - id: {id}
    name_vi: Nhà ở
    name_en: Housing
    definition: Houses.
    cues: [nhà ở]
"""


def test_codebook_duplicate_id_names_file_and_entry(tmp_path):
    path = _write(tmp_path, "themes:\n" + ENTRY.format(id="housing") + ENTRY.format(id="housing"))
    with pytest.raises(UserError, match=r"codebook\.yml: themes\[1\].*duplicate theme id "
                                        r"'housing' \(also themes\[0\]\)"):
        load_codebook(path)


def test_codebook_invalid_yaml_names_file_and_line(tmp_path):
    path = _write(tmp_path, "themes:\n  - id: housing\n    cues: [nhà ở\n  - id: x\n")
    with pytest.raises(UserError, match=r"codebook\.yml:\d+:\d+: invalid YAML"):
        load_codebook(path)


@pytest.mark.parametrize(("text", "message"), [
    (ENTRY.format(id="housing").replace("    definition: Houses.\n", ""),
     r"themes\[0\] \(id 'housing'\): missing field 'definition'"),
    (ENTRY.format(id="Housing"), r"themes\[0\] \(id 'Housing'\): field 'id' 'Housing' is not "
                                 r"snake_case"),
    (ENTRY.format(id="housing").replace("[nhà ở]", "[Nhà ở]"), r"cue 'Nhà ở' is not lower-case"),
    (ENTRY.format(id="housing").replace("[nhà ở]", "[]"), r"missing field 'cues'"),
    (ENTRY.format(id="housing") + "    colour: red\n", r"unknown field 'colour'"),
])
def test_codebook_entry_errors_name_the_field(tmp_path, text, message):
    with pytest.raises(UserError, match=message):
        load_codebook(_write(tmp_path, "themes:\n" + text))


def test_codebook_without_themes_list(tmp_path):
    with pytest.raises(UserError, match="no 'themes' list"):
        load_codebook(_write(tmp_path, "- just a list\n"))
    with pytest.raises(UserError, match="codebook not found"):
        load_codebook(tmp_path / "missing.yml")


def _decide(coded: pd.DataFrame) -> pd.DataFrame:
    """What a coder does to a saved table: remove one theme, annotate one, add one."""
    saved = coded.copy()
    hd1 = (saved.lesson_id == "hai-duong-1")
    saved.loc[hd1 & (saved.theme_id == "socialisation_mass_movements_extension"),
              ["coder_override", "coder_note"]] = ["remove", "businesses only as donors"]
    saved.loc[hd1 & (saved.theme_id == "targeting_causes_of_poverty"),
              "coder_note"] = "surveys of each group"
    added = pd.DataFrame([{"lesson_id": "phu-yen-4", "place": "Phú Yên", "ordinal": 4,
                           "theme_id": "priority_disadvantaged_areas", "cue": "", "evidence": "",
                           "cue_start": None, "cue_end": None, "cues": "",
                           "coder_override": "add", "coder_note": "xã nghèo, xã khó khăn"}])
    return pd.concat([saved, added], ignore_index=True)


def test_overrides_survive_a_rerun(coded, lessons, codebook):
    previous = _decide(coded)
    merged = merge_overrides(code_lessons(lessons, codebook), previous)
    assert len(merged) == 29
    row = merged.set_index(["lesson_id", "theme_id"])
    removed = row.loc[("hai-duong-1", "socialisation_mass_movements_extension")]
    assert (removed.coder_override, removed.coder_note) == ("remove",
                                                            "businesses only as donors")
    assert removed.cue == "các tổ chức xã hội"  # the automatic evidence is refreshed, kept
    assert row.loc[("hai-duong-1", "targeting_causes_of_poverty")].coder_note == \
        "surveys of each group"
    added = row.loc[("phu-yen-4", "priority_disadvantaged_areas")]
    assert (added.coder_override, added.cue) == ("add", "")
    # the added row sits with its lesson, after that lesson's automatic rows
    assert list(merged.loc[merged.lesson_id == "phu-yen-4", "theme_id"]) == [
        "targeting_causes_of_poverty", "priority_disadvantaged_areas"]
    effective = effective_themes(merged).groupby("lesson_id")["theme_id"].apply(set)
    assert effective["hai-duong-1"] == EXPECTED["hai-duong-1"] - {
        "socialisation_mass_movements_extension"}
    assert effective["phu-yen-4"] == {"targeting_causes_of_poverty",
                                      "priority_disadvantaged_areas"}
    assert len(effective_themes(merged)) == 28


def test_overrides_survive_rerun_through_the_saved_csv(tmp_path, lessons, codebook, coded):
    path = tmp_path / "lesson_themes.csv"
    first = update_lesson_themes(lessons, codebook, path)
    assert first.equals(coded)
    _decide(read_lesson_themes(path)).to_csv(path, index=False)
    again = update_lesson_themes(lessons, codebook, path)
    third = update_lesson_themes(lessons, codebook, path)
    assert again.equals(third)  # stable: re-running changes nothing
    assert (again["coder_override"] != "").sum() == 2
    assert set(again.loc[again.coder_note != "", "coder_note"]) == {
        "businesses only as donors", "surveys of each group", "xã nghèo, xã khó khăn"}
    reread = read_lesson_themes(path)
    assert reread["coder_override"].tolist() == again["coder_override"].tolist()
    assert str(reread["cue_start"].dtype) == "Int64"


def test_a_note_whose_cue_no_longer_matches_is_kept_but_codes_nothing(coded):
    previous = coded.copy()
    previous.loc[0, "coder_note"] = "check wording"
    auto = coded.iloc[1:].reset_index(drop=True)  # pretend the cue vanished from the codebook
    merged = merge_overrides(auto, previous)
    assert len(merged) == len(coded)
    kept = merged[merged.coder_note == "check wording"].iloc[0]
    assert kept.lesson_id == "phu-yen-1"
    assert len(effective_themes(merge_overrides(auto, None))) == len(coded) - 1


def test_bad_override_value_names_file_row_and_column(tmp_path, coded):
    path = tmp_path / "lesson_themes.csv"
    bad = coded.copy()
    bad.loc[2, "coder_override"] = "delete"
    bad.to_csv(path, index=False)
    with pytest.raises(UserError, match=r"lesson_themes\.csv:4, column coder_override: "
                                        r"coder_override 'delete'"):
        read_lesson_themes(path)
    twice = pd.concat([coded, coded.iloc[[0]]], ignore_index=True)
    with pytest.raises(UserError, match=r"saved\.csv:30: lesson 'phu-yen-1'"):
        merge_overrides(coded, twice, source="saved.csv")
