"""The article body out of the saved page: pieces, offsets, and the page chrome left out."""

import unicodedata
from datetime import datetime, timedelta, timezone

import pytest

from analysis.data.raw import read_article_text
from analysis.errors import UserError
from analysis.reading.article import load_article, parse_article, sections_frame


def test_headline_dateline_byline(article):
    assert article.headline.text == "Những bài học kinh nghiệm từ công tác giảm nghèo bền vững"
    assert article.published == datetime(2020, 12, 20, 15, 38, tzinfo=timezone(timedelta(hours=7)))
    assert article.byline.text == "Phạm Nguyễn"
    assert article.lead.text.startswith("Từ công tác giảm nghèo bền vững trong thời gian qua")


def test_every_block_points_at_its_own_text(article):
    assert len(article.blocks) > 20
    for b in article.blocks:
        assert article.text[b.start:b.end] == b.text


def test_three_province_sections_in_order(article):
    assert [(s.place, s.heading.text) for s in article.sections] == [
        ("Phú Yên", "Phú Yên: 5 kinh nghiệm"),
        ("Hải Dương", "Hải Dương: đúc rút 5 bài học"),
        ("An Giang", "An Giang: bài học thực tế"),
    ]
    frame = sections_frame(article)
    assert frame["paragraphs"].tolist() == [8, 6, 6]
    assert frame["start"].is_monotonic_increasing


def test_chrome_captions_and_other_stories_are_not_body(article):
    body = article.body_text
    for chrome in ("Trang chủ Chính trị", "Thủ tướng Nguyễn Xuân Phúc",
                   "Nhiều mô hình áp dụng có hiệu quả trong thực tế.",
                   "Giảm nghèo từ ứng dụng công nghệ 4.0", "Các tin bài khác", "Đọc nhiều",
                   "Tập Cận Bình", "Bắc Bling"):
        assert chrome not in body, chrome
    assert "Phạm Nguyễn" not in body  # the byline is its own block
    kinds = {b.text: b.kind for b in article.blocks}
    assert kinds["Nhiều mô hình áp dụng có hiệu quả trong thực tế."] == "caption"
    assert body.rstrip().endswith("cho những năm tiếp theo.")


def test_masked_text_keeps_offsets_and_only_the_body(article):
    masked = article.masked_text()
    assert len(masked) == len(article.text)
    start = article.text.index("đến cuối năm 2019 còn 10.271 hộ nghèo")
    assert masked[start:start + 36] == article.text[start:start + 36]
    assert "Nhiều mô hình áp dụng" not in masked
    assert "Tập Cận Bình" not in masked


def test_text_is_nfc(tmp_path, article):
    assert unicodedata.is_normalized("NFC", article.text)
    nfd = tmp_path / "nfd.txt"
    nfd.write_text(unicodedata.normalize("NFD", article.text), encoding="utf-8")
    again = load_article(nfd)
    assert again.headline.text == article.headline.text
    assert [s.place for s in again.sections] == ["Phú Yên", "Hải Dương", "An Giang"]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "empty"),
        ("Giảm nghèo".encode("utf-16"), "UTF-16"),
        ("Giảm nghèo ở Phú Yên".encode("cp1258", errors="replace") + b"\xec\xf2", "not UTF-8"),
    ],
)
def test_unreadable_files_get_a_one_line_error(tmp_path, content, fragment):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(UserError) as err:
        read_article_text(path)
    assert fragment in str(err.value) and str(path) in str(err.value)
    assert "\n" not in str(err.value) and "fix:" in str(err.value)


def test_bom_is_dropped(tmp_path, article):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + article.text.encode("utf-8"))
    assert read_article_text(path) == article.text


def test_a_page_without_an_article_body_is_refused():
    with pytest.raises(UserError, match="no recognisable article body"):
        parse_article("Trang chủ\n15:38 | 20/12/2020 GMT+7\nTiêu đề\naa\n")


def test_a_plain_article_without_page_chrome_is_read():
    art = parse_article("Giảm nghèo ở Phú Yên\n\nNăm 2020, tỉnh Phú Yên còn 2,54% hộ nghèo theo"
                        " chuẩn nghèo đa chiều giai đoạn 2016 - 2020.\n")
    assert art.published is None
    assert art.headline.text == "Giảm nghèo ở Phú Yên"
    assert art.lead.text.startswith("Năm 2020")
