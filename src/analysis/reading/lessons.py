"""Enumerated lessons ("Một là, …", "Thứ nhất, …") with their exact place in the source.

Vietnamese reports list lessons with spelled-out ordinals. A marker counts only when it
stands at the start of a line or a sentence, is followed by a comma or colon, and belongs to
a run 1, 2, 3, … of the same style — so "năm 2020" (the year) or "Năm là năm bản lề" never
become a fifth lesson. Each lesson is one row with offsets into the text it was read from;
its `text` is exactly `source[start:end]`, marker included, so a reader can find it again.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass

import pandas as pd

from analysis.data.files import slugify
from analysis.data.processed import LESSON_COLUMNS
from analysis.data.provinces import find_provinces
from analysis.reading.article import Article, heading_place
from analysis.reading.normal import normalise

# "Một là" … "Mười là"
_LA = {"một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "bẩy": 7,
       "tám": 8, "chín": 9, "mười": 10}
# "Thứ nhất" … "Thứ mười"
_THU = {"nhất": 1, "hai": 2, "ba": 3, "tư": 4, "năm": 5, "sáu": 6, "bảy": 7, "bẩy": 7,
        "tám": 8, "chín": 9, "mười": 10}


def _alt(words: dict[str, int]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_MARKER = re.compile(
    rf"(?<!\w)(?P<marker>(?P<la>{_alt(_LA)})[ \t]+là|thứ[ \t]+(?P<thu>{_alt(_THU)}))"
    r"(?!\w)[ \t]*[,:]",
    re.IGNORECASE,
)
_SENTENCE_END = ".!?…:;"
_BULLETS = "-+•*–—"
_QUOTES = "”\"»’)"
# A paragraph break: a line holding nothing but spaces (masked captions become such lines).
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")


@dataclass(frozen=True)
class _Marker:
    style: str  # "là" | "thứ"
    number: int
    start: int
    end: int  # end of the marker words, before the comma/colon
    after: int  # end of the comma/colon


def _at_sentence_start(text: str, pos: int) -> bool:
    """Whether `pos` opens a line (bullets allowed) or follows the end of a sentence."""
    line_start = text.rfind("\n", 0, pos) + 1
    before = text[line_start:pos]
    if before.strip(" \t" + _BULLETS) == "":
        return True
    stripped = before.rstrip()
    if len(stripped) == len(before):  # no space between the previous word and the marker
        return False
    last = stripped[-1]
    if last in _QUOTES and len(stripped) > 1:
        last = stripped[-2]
    return last in _SENTENCE_END


def _markers(text: str) -> list[_Marker]:
    out = []
    for m in _MARKER.finditer(text):
        if not m.group("marker")[0].isupper() or not _at_sentence_start(text, m.start()):
            continue
        style, word = ("là", m.group("la")) if m.group("la") else ("thứ", m.group("thu"))
        number = (_LA if style == "là" else _THU)[word.lower()]
        out.append(_Marker(style, number, m.start(), m.end("marker"), m.end()))
    return out


def _headings(text: str) -> list[tuple[int, int, str]]:
    """Section headings such as 'Hải Dương: đúc rút 5 bài học': (start, end, province)."""
    out, pos = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            place = heading_place(stripped)
            if place is not None:
                start = pos + line.index(stripped)
                out.append((start, start + len(stripped), place))
        pos += len(line) + 1
    return out


def _heading_between(starts: list[int], lo: int, hi: int) -> int | None:
    """Start of the first heading strictly between `lo` and `hi` (`starts` sorted), if any."""
    i = bisect_right(starts, lo)
    return starts[i] if i < len(starts) and starts[i] < hi else None


def _enumerations(markers: list[_Marker], headings: list[tuple[int, int, str]]
                  ) -> list[list[_Marker]]:
    """Runs 1, 2, 3, … of one marker style; a heading or a new 'one' closes a run."""
    starts = [h[0] for h in headings]
    runs: list[list[_Marker]] = []
    current: list[_Marker] = []
    for mk in markers:
        continues = (
            current and mk.style == current[-1].style and mk.number == current[-1].number + 1
            and _heading_between(starts, current[-1].start, mk.start) is None
        )
        if continues:
            current.append(mk)
        elif mk.number == 1:
            runs.append(current)
            current = [mk]
        # any other marker out of sequence is ordinary prose ("Ba là" with no "Hai là")
    runs.append(current)
    return [r for r in runs if len(r) >= 2]  # a lone "Một là" is not an enumeration


def _lesson_end(text: str, start: int, limit: int, heading_starts: list[int]) -> int:
    """End of a lesson: next marker (`limit`), a blank line, a section heading or the end."""
    end = limit
    blank = _BLANK_LINE.search(text, start, limit)
    if blank:
        end = blank.start()
    heading = _heading_between(heading_starts, start, end)
    if heading is not None:
        end = heading
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


class _Taken:
    """Spans of the lessons read so far, sorted, with a bisect test for 'inside one of them'."""

    def __init__(self) -> None:
        self.spans: list[tuple[int, int]] = []

    def add(self, start: int, end: int) -> None:
        insort(self.spans, (start, end))

    def holds(self, start: int, end: int) -> bool:
        i = bisect_right(self.spans, (start, float("inf"))) - 1
        return any(a <= start and end <= b for a, b in self.spans[max(0, i - 1):i + 1])


def _place(start: int, headings: list[tuple[int, int, str]], heading_starts: list[int],
           provinces: list[tuple[str, int, int]], province_ends: list[int],
           taken: _Taken) -> str | None:
    """Province of the enclosing section heading, else the last one named before `start`
    outside the lessons already read (`provinces`: every mention in the text, in order)."""
    i = bisect_left(heading_starts, start)
    if i:
        return headings[i - 1][2]
    for k in range(bisect_right(province_ends, start) - 1, -1, -1):
        name, s, e = provinces[k]
        if not taken.holds(s, e):
            return name
    return None


def extract_lessons(text: str) -> pd.DataFrame:
    """One row per enumerated lesson in `text`, with offsets: `text[start:end]` is the lesson.

    Columns (`analysis.data.processed.LESSON_COLUMNS`): lesson_id ("phu-yen-1"; "lesson-1"
    without a place; a place's second list gets "phu-yen-l2-1"), place, enumeration (1.. in reading
    order), ordinal
    (1..n), marker (as written: "Một là", "Thứ nhất"), start, end, text (marker included).
    A lesson ends at the next marker, a blank line, a section heading or the end of `text`.
    `text` may be in any Unicode form: it is read in NFC, and offsets, markers and texts index
    `text` itself.
    """
    norm = normalise(text)
    rows = _lesson_rows(norm.text)
    if not norm.identity:
        for row in rows:
            start, end = norm.source_span(int(row["start"]), int(row["end"]))
            marker_end = norm.to_source(int(row["start"]) + len(str(row["marker"])), end=True)
            row.update(start=start, end=end, text=text[start:end],
                       marker=text[start:marker_end])
    frame = pd.DataFrame(rows, columns=LESSON_COLUMNS)
    return frame.astype({"lesson_id": "str", "place": "str", "enumeration": "int64",
                         "ordinal": "int64", "marker": "str", "start": "int64", "end": "int64",
                         "text": "str"})


def _lesson_rows(text: str) -> list[dict[str, object]]:
    """The rows of `extract_lessons` for a text in NFC."""
    headings = _headings(text)
    heading_starts = [h[0] for h in headings]
    provinces = find_provinces(text)
    province_ends = [e for _n, _s, e in provinces]
    rows: list[dict[str, object]] = []
    taken = _Taken()
    lists_per_place: dict[str, int] = {}
    for k, run in enumerate(_enumerations(_markers(text), headings), start=1):
        place = _place(run[0].start, headings, heading_starts, provinces, province_ends, taken)
        key = slugify(place) if place else "lesson"
        lists_per_place[key] = lists_per_place.get(key, 0) + 1
        prefix = key if lists_per_place[key] == 1 else f"{key}-l{lists_per_place[key]}"
        for i, mk in enumerate(run):
            limit = run[i + 1].start if i + 1 < len(run) else len(text)
            end = _lesson_end(text, mk.after, limit, heading_starts)
            taken.add(mk.start, end)
            rows.append({
                "lesson_id": f"{prefix}-{mk.number}", "place": place, "enumeration": k,
                "ordinal": mk.number, "marker": text[mk.start:mk.end], "start": mk.start,
                "end": end, "text": text[mk.start:end],
            })
    return rows


def extract_article_lessons(article: Article) -> pd.DataFrame:
    """Lessons of the article's own text (captions, teasers and chrome blanked out).

    Runs on `article.masked_text()`, which has the page's length, so offsets index the page.
    """
    return extract_lessons(article.masked_text())


def lesson_body(text: str, marker: str) -> str:
    """A lesson's text without its marker and the comma/colon after it (for comparing)."""
    if marker and text.startswith(marker):
        text = text[len(marker):].lstrip(" \t,:")
    return text
