"""Enumerated lessons: exact spans from the article, and the forms prose uses elsewhere."""

from __future__ import annotations

from analysis.data.paths import ARTICLE
from analysis.data.processed import LESSON_COLUMNS as COLUMNS
from analysis.data.raw import read_article_text
from analysis.reading.lessons import extract_lessons, lesson_body

CAPTION = "Nhiều mô hình áp dụng có hiệu quả trong thực tế."

# lesson_id: (marker, start, end, first words) — read off data/raw/000_e03e84a75c12cd48.txt
EXPECTED = {
    "phu-yen-1": ("Một là", 1949, 2233, "Một là, tiếp tục đẩy mạnh"),
    "phu-yen-2": ("Hai là", 2235, 2431, "Hai là, cần tăng cường sự"),
    "phu-yen-3": ("Ba là", 2433, 2615, "Ba là, phải thực hiện lồng"),
    "phu-yen-4": ("Bốn là", 2617, 2827, "Bốn là, xác định rõ nguyên"),
    "phu-yen-5": ("Năm là", 2829, 3136, "Năm là, đẩy mạnh công tác"),
    "hai-duong-1": ("Một là", 3284, 4132, "Một là, cần tăng cường sự"),
    "hai-duong-2": ("Hai là", 4242, 4804, "Hai là, đẩy mạnh công tác"),
    "hai-duong-3": ("Ba là", 4806, 5675, "Ba là, đẩy mạnh tăng trưởng"),
    "hai-duong-4": ("Bốn là", 5677, 6163, "Bốn là, thường xuyên nghiên cứu,"),
    "hai-duong-5": ("Năm là", 6165, 6770, "Năm là, phát huy vai trò"),
    "an-giang-1": ("Thứ nhất", 6907, 7517, "Thứ nhất, phải xác định xóa"),
    "an-giang-2": ("Thứ hai", 7519, 8109, "Thứ hai, xây dựng lộ trình"),
    "an-giang-3": ("Thứ ba", 8111, 8833, "Thứ ba, xã hội hóa các"),
    "an-giang-4": ("Thứ tư", 8835, 9326, "Thứ tư, thiết lập cơ chế"),
    "an-giang-5": ("Thứ năm", 9328, 9659, "Thứ năm, hằng năm, tổ chức"),
}




def test_article_has_five_lessons_per_province(lessons):
    assert list(lessons.columns) == COLUMNS
    assert lessons.groupby("place").size().to_dict() == {"Phú Yên": 5, "Hải Dương": 5,
                                                         "An Giang": 5}
    assert list(lessons["place"].unique()) == ["Phú Yên", "Hải Dương", "An Giang"]
    assert list(lessons["ordinal"]) == [1, 2, 3, 4, 5] * 3
    assert list(lessons["enumeration"]) == [1] * 5 + [2] * 5 + [3] * 5


def test_article_spans_markers_and_first_words(article, lessons):
    assert list(lessons["lesson_id"]) == list(EXPECTED)
    for row in lessons.itertuples():
        marker, start, end, first = EXPECTED[row.lesson_id]
        assert (row.marker, row.start, row.end) == (marker, start, end), row.lesson_id
        assert article.text[row.start:row.end] == row.text
        assert row.text.startswith(first)
        assert row.text == row.text.strip() and row.text.endswith((".", "..."))


def test_article_lessons_end_where_their_paragraphs_end(article, lessons):
    assert lessons.loc[4, "text"].endswith("tổ chức sơ, tổng kết kịp thời.")
    assert lessons.loc[14, "text"].endswith("cho những năm tiếp theo.")
    assert lessons.loc[11, "text"].endswith("giảm nghèo ở Thừa Thiên - Huế.")


def test_caption_and_next_section_are_not_swallowed(article, lessons):
    caption_at = article.text.index(CAPTION)
    for row in lessons.itertuples():
        assert CAPTION not in row.text
        assert not row.start <= caption_at < row.end
        assert "đúc rút" not in row.text and "bài học thực tế" not in row.text
        assert "rút ra được một số bài học" not in row.text
        assert "Phạm Nguyễn" not in row.text and "Giảm nghèo từ ứng dụng" not in row.text
    # Hải Dương's first lesson stops before the photo that follows it.
    assert lessons.loc[5, "text"].endswith("của địa phương, đơn vị.")
    assert lessons.loc[5, "end"] < caption_at


def test_raw_page_gives_the_same_lessons(article, lessons):
    """Without masking, blank lines still keep the caption out of Hải Dương's first lesson."""
    raw = extract_lessons(read_article_text(ARTICLE))
    assert raw[["lesson_id", "start", "end"]].equals(lessons[["lesson_id", "start", "end"]])


def test_thu_nhat_style_with_colon_and_place_from_prose():
    text = ("Qua thực hiện, tỉnh Quảng Nam rút ra bài học:\n"
            "Thứ nhất: làm tốt tuyên truyền.\n"
            "Thứ hai, lồng ghép nguồn vốn.\n"
            "Thứ ba, khen thưởng kịp thời.")
    got = extract_lessons(text)
    assert list(got["lesson_id"]) == ["quang-nam-1", "quang-nam-2", "quang-nam-3"]
    assert list(got["marker"]) == ["Thứ nhất", "Thứ hai", "Thứ ba"]
    assert list(got["text"]) == ["Thứ nhất: làm tốt tuyên truyền.",
                                 "Thứ hai, lồng ghép nguồn vốn.", "Thứ ba, khen thưởng kịp thời."]
    assert (got["place"] == "Quảng Nam").all()


def test_no_space_after_comma():
    text = "Một là, tuyên truyền.\nHai là,vận động.\nBa là,tổ chức sơ kết hằng năm."
    got = extract_lessons(text)
    assert list(got["marker"]) == ["Một là", "Hai là", "Ba là"]
    assert got.loc[2, "text"] == "Ba là,tổ chức sơ kết hằng năm."
    assert lesson_body(got.loc[2, "text"], "Ba là") == "tổ chức sơ kết hằng năm."
    assert got.loc[2, "start"] == text.index("Ba là,tổ")


def test_line_breaks_inside_a_lesson():
    text = ("Một là, tăng cường công tác\ntuyên truyền đến\n  từng hộ dân.\n"
            "Hai là, huy động\nnguồn lực xã hội.")
    got = extract_lessons(text)
    assert len(got) == 2
    assert got.loc[0, "text"] == "Một là, tăng cường công tác\ntuyên truyền đến\n  từng hộ dân."
    assert got.loc[1, "text"] == "Hai là, huy động\nnguồn lực xã hội."
    assert got.loc[1, "end"] == len(text)


def test_nam_meaning_year_is_not_a_fifth_lesson():
    text = ("Một là, đến năm 2020 giảm 2% hộ nghèo. Năm 2020 là năm bản lề.\n"
            "Hai là, rà soát hộ nghèo năm là, theo kỳ điều tra, mỗi năm một lần.\n"
            "Ba là, Năm là năm cuối giai đoạn.\n"
            "Bốn là, tổng kết vào cuối năm 2020.\n\n"
            "Năm 2021, tỉnh tiếp tục thực hiện.")
    got = extract_lessons(text)
    assert list(got["ordinal"]) == [1, 2, 3, 4]
    assert got.loc[0, "text"] == "Một là, đến năm 2020 giảm 2% hộ nghèo. Năm 2020 là năm bản lề."
    assert got.loc[1, "text"].endswith("mỗi năm một lần.")
    assert got.loc[3, "text"] == "Bốn là, tổng kết vào cuối năm 2020."


def test_markers_must_run_in_sequence():
    text = "Một là, A.\nHai là, B.\nNăm là, không phải bài học thứ năm.\n\nMột là, lẻ loi."
    got = extract_lessons(text)
    # "Năm là" after "Hai là" is prose inside lesson 2; a lone "Một là" is no enumeration.
    assert list(got["ordinal"]) == [1, 2]
    assert got.loc[1, "text"] == "Hai là, B.\nNăm là, không phải bài học thứ năm."
    assert list(got["lesson_id"]) == ["lesson-1", "lesson-2"]
    assert got["place"].isna().all()


def test_one_to_ten_inline_after_sentences():
    words = ["Một", "Hai", "Ba", "Bốn", "Năm", "Sáu", "Bảy", "Tám", "Chín", "Mười"]
    text = "Kinh nghiệm gồm: " + " ".join(f"{w} là, việc số {i}." for i, w in
                                          enumerate(words, start=1))
    got = extract_lessons(text)
    assert list(got["ordinal"]) == list(range(1, 11))
    assert got.loc[9, "text"] == "Mười là, việc số 10."
    assert got.loc[4, "text"] == "Năm là, việc số 5."
    thu = ["nhất", "hai", "ba", "tư", "năm", "sáu", "bảy", "tám", "chín", "mười"]
    text = "\n".join(f"Thứ {w}, việc {i}." for i, w in enumerate(thu, start=1))
    assert list(extract_lessons(text)["marker"])[-1] == "Thứ mười"


def test_headings_end_lessons_and_set_places():
    text = ("Phú Yên: 5 kinh nghiệm\nMột là, tuyên truyền.\nHai là, lồng ghép.\n"
            "Hải Dương: đúc rút 2 bài học\nTỉnh rút ra:\nMột là, lãnh đạo.\nHai là, giám sát.\n\n"
            "Ảnh: các mô hình hiệu quả.")
    got = extract_lessons(text)
    assert list(got["lesson_id"]) == ["phu-yen-1", "phu-yen-2", "hai-duong-1", "hai-duong-2"]
    assert got.loc[1, "text"] == "Hai là, lồng ghép."
    assert got.loc[3, "text"] == "Hai là, giám sát."
    # a heading also stops a run: "Hai là" under a new heading does not continue it
    broken = extract_lessons("Phú Yên: bài học\nMột là, a.\nHải Dương: bài học\nHai là, b.")
    assert broken.empty


def test_second_list_for_the_same_place_gets_its_own_ids():
    text = "Tại Phú Yên:\nMột là, a.\nHai là, b.\n\nVề lâu dài:\nMột là, c.\nHai là, d."
    got = extract_lessons(text)
    assert list(got["lesson_id"]) == ["phu-yen-1", "phu-yen-2", "phu-yen-l2-1", "phu-yen-l2-2"]
    assert list(got["enumeration"]) == [1, 1, 2, 2]


def test_no_lessons_gives_typed_empty_frame():
    got = extract_lessons("Năm 2020, tỉnh giảm 2% hộ nghèo. Một là chuyện khác.")
    assert got.empty and list(got.columns) == COLUMNS
    assert str(got["start"].dtype) == "int64"
