"""Text reuse between lessons: Phú Yên's 2nd lesson opens Hải Dương's 1st word for word."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from analysis.errors import UserError
from analysis.reading.lessons import extract_lessons, lesson_body
from analysis.reading.similarity import PAIR_COLUMNS, lesson_pairs, lesson_similarity, reused_pairs


@pytest.fixture(scope="module")
def pairs(lessons):
    return lesson_pairs(lessons)


def test_matrix_is_square_symmetric_and_indexed_by_lesson(lessons):
    m = lesson_similarity(lessons)
    assert m.shape == (15, 15)
    assert list(m.index) == list(m.columns) == list(lessons["lesson_id"])
    values = m.to_numpy()
    assert np.allclose(values, values.T) and np.allclose(np.diag(values), 1.0)
    assert ((values >= 0) & (values <= 1)).all()
    assert m.loc["phu-yen-2", "hai-duong-1"] == pytest.approx(0.5428, abs=1e-3)


def test_every_pair_once(pairs):
    assert list(pairs.columns) == PAIR_COLUMNS
    assert len(pairs) == 15 * 14 // 2
    assert not pairs.duplicated(["lesson_a", "lesson_b"]).any()
    assert pairs["same_place"].sum() == 3 * 10
    assert pairs["similarity"].is_monotonic_decreasing


def test_top_cross_province_pair_is_phu_yen_2_and_hai_duong_1(pairs):
    cross = pairs[~pairs["same_place"]]
    top, second = cross.iloc[0], cross.iloc[1]
    assert (top.lesson_a, top.lesson_b) == ("phu-yen-2", "hai-duong-1")
    assert (top.place_a, top.place_b) == ("Phú Yên", "Hải Dương")
    assert 0.5 < top.similarity < 0.6  # long lesson B dilutes the cosine …
    assert top.containment > 0.99  # … but all of lesson A recurs in it
    assert top.similarity - second.similarity > 0.15
    assert second.containment < 0.6
    # it is the top pair overall, within provinces too
    assert (pairs.iloc[0].lesson_a, pairs.iloc[0].lesson_b) == ("phu-yen-2", "hai-duong-1")


def test_shared_passage_is_all_of_phu_yen_2_and_located_in_both(article, lessons, pairs):
    top = pairs.iloc[0]
    py2 = lessons.set_index("lesson_id").loc["phu-yen-2"]
    body = lesson_body(py2.text, py2.marker)
    assert top.shared_words == len(re.findall(r"\w+", body)) == 41
    assert top.shared_text == body.rstrip(".")
    assert top.shared_text.startswith("cần tăng cường sự lãnh đạo của các cấp ủy Đảng")
    assert article.text[top.shared_a_start:top.shared_a_end] == top.shared_text
    assert article.text[top.shared_b_start:top.shared_b_end] == top.shared_text
    hd1 = lessons.set_index("lesson_id").loc["hai-duong-1"]
    assert top.shared_b_start == hd1.start + len("Một là, ")
    assert top.shared_b_end < hd1.end  # Hải Dương's lesson goes on after the copied passage


def test_reused_pairs_finds_only_that_pair(lessons):
    reused = reused_pairs(lessons)
    assert list(zip(reused.lesson_a, reused.lesson_b, strict=True)) == [
        ("phu-yen-2", "hai-duong-1")]
    by_cosine = reused_pairs(lessons, 0.5, measure="similarity")
    assert list(by_cosine.lesson_b) == ["hai-duong-1"]
    assert len(reused_pairs(lessons, 0.3, measure="similarity")) > 1


def test_short_passages_identical_and_unrelated():
    text = ("Phú Yên: bài học\nMột là, lồng ghép các chương trình giảm nghèo.\n"
            "Hai là, khen thưởng kịp thời.\n"
            "Quảng Nam: bài học\nMột là, lồng ghép các chương trình giảm nghèo.\n"
            "Hai là, xóa nhà tạm cho hộ nghèo.")
    lessons = extract_lessons(text)
    pairs = lesson_pairs(lessons).set_index(["lesson_a", "lesson_b"])
    same = pairs.loc[("phu-yen-1", "quang-nam-1")]
    assert same.similarity == pytest.approx(1.0) and same.containment == pytest.approx(1.0)
    assert same.shared_words == 7
    assert pairs.loc[("phu-yen-2", "quang-nam-2")].similarity < 0.3
    reused = reused_pairs(lessons)
    assert list(reused.lesson_a) == ["phu-yen-1"] and list(reused.lesson_b) == ["quang-nam-1"]


def test_bad_input_is_a_user_error(lessons):
    with pytest.raises(UserError, match="threshold 1.5 is not between 0 and 1"):
        reused_pairs(lessons, 1.5)
    with pytest.raises(UserError, match="unknown measure 'jaccard'"):
        reused_pairs(lessons, measure="jaccard")
    twice = pd.concat([lessons, lessons.iloc[[0]]], ignore_index=True)
    with pytest.raises(UserError, match="lesson_id 'phu-yen-1' appears twice"):
        lesson_similarity(twice)
    with pytest.raises(UserError, match="lacks column 'marker'"):
        lesson_pairs(lessons.drop(columns="marker"))
    with pytest.raises(UserError, match="no words after their markers"):
        lesson_pairs(extract_lessons("Một là,\nHai là,"))


def test_fewer_than_two_lessons_gives_no_pairs():
    assert lesson_pairs(extract_lessons("Không có bài học nào.")).empty
    assert lesson_similarity(extract_lessons("")).shape == (0, 0)
