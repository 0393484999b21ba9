"""The time and status of every figure, read from the whole text as a reader reads them.

A reader does not date a figure by the nearest year on its line. A year or date stated once
governs what follows — across sentences, line breaks, "Theo đó", "Trong đó" and list lines —
until another time reference replaces it ("the scene"); so does a heading or an opening clause
("Tính đến ngày 31/12/2021, …"). `read_context` walks the text once, in reading order, and
keeps that scene; each figure is then dated by, in this order:

1. a time attached to it: a year right after it ("5,9% năm 2021", "vào cuối năm 2025") or in
   brackets right after it ("9,8% (năm 2021)") — a bracketed one belongs to it alone;
2. a time inside the brackets it stands in ("(… của giai đoạn 2006-2010 là 12,97)");
3. the scene, when it was set in the figure's own sentence; else the span of a programme or plan
   named in the sentence ("triển khai Chương trình … giai đoạn 2021 - 2025, … đặt mục tiêu
   giảm … 3 - 5%/năm") — a name's span is the figure's, and becomes the scene after it;
4. the scene set earlier, else the span of the last programme named;
5. in a headline or sub-heading, the body figure it restates.

What is not a time reference for what follows: a poverty standard's span ("chuẩn nghèo đa
chiều giai đoạn 2022 - 2025"), a comparison ("so với năm 2020"), the date of a cited document
("Kế hoạch số 3341/KH-UBND ngày 06/10/2022", every date in a "Căn cứ …" paragraph), a page's
dateline, a photo caption ("hồi năm 2022. (Ảnh: …)"), a year in brackets after a number.

How the figure's time becomes its period depends on what the figure is (`Figure.kind`):
a level holds at a year (with its time point) or over a span; a change is over its year, over a
span, or between its time and what it is compared with ("2021 vs 2020"; "so với đầu năm" is the
year itself, "so với đầu kỳ" the start of the plan period); a from–to pair makes its own span
("giảm từ 9,8% (năm 2021) xuống 6,1% (năm 2023), tương đương giảm 3,7%": 2021-2023); a rate per
year takes the span it averages over — the plan period that holds its year, or the five-year
plan it falls in ("bình quân 1,21%/năm" at the end of 2024: 2021-2024); a target reduction by
the last year of a plan takes the plan's span; "bằng 125,5% kế hoạch" takes the period of the
figure it measures.

Status (actual, estimate, target) is read the same way: a cue in the figure's clause ("dự
kiến", "ước", "sẽ còn" → estimate; "phấn đấu", "mục tiêu", "chỉ tiêu" → target; "đã", "kết
quả" → actual); an announcement of targets governs the list it opens — across semicolons,
bullets and sentences, to the end of its paragraph and on through paragraphs that continue it
("Trong đó", a bullet) — until a sentence says otherwise; a target named after "đạt", "vượt"
("đạt kế hoạch đề ra (1-1,5%/năm)") is a target, the figure reaching it is not; a programme's
name ("Chương trình mục tiêu quốc gia …") is no cue; "Trong đó" takes the status of the whole it
breaks down; a change computed from an estimate is an estimate; a cue opening a sentence
governs it; a minimum ("tối thiểu", "trở lên") is a target; a level dated after the text's
present (its dateline, or "Sau 3 năm thực hiện" a 2021-2025 programme: 2024) is a projection
— the year the text estimates dates only "năm nay"; a heading that restates a body figure
takes that figure's status.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace

from analysis.reading.numbers import NumberMatch
from analysis.reading.text import TextIndex, starting_with

_W = r"(?![\wÀ-ỹ])"
_B = r"(?<![\wÀ-ỹ])"

# ------------------------------------------------------------------------ time references

#: What a time reference does for the figures around it.
ROLES = ("scene", "name", "standard", "comparison", "document", "dateline")

_COMPARISON = re.compile(
    r"so\s+(?:với\s+)?(?:cùng\s+kỳ\s+)?(?:(?:năm|giai\s+đoạn|thời\s+kỳ|cuối\s+năm|đầu\s+năm"
    r"|hết\s+năm|kỳ|thời\s+điểm)\s+)?$", re.IGNORECASE)
_STANDARD = re.compile(r"chuẩn\s+nghèo[^,;.()\n]{0,60}?(?:giai\s+đoạn|thời\s+kỳ)\s*$",
                       re.IGNORECASE)
_NAME = re.compile(
    rf"{_B}(?:chương\s+trình|CTMTQG|MTQG|nghị\s+quyết|đề\s+án|kế\s+hoạch|chiến\s+lược"
    r"|định\s+hướng)[^,;.\n]{0,120}?(?:giai\s+đoạn|thời\s+kỳ|nhiệm\s+kỳ)\s*$", re.IGNORECASE)
_DOCUMENT_DATE = re.compile(
    r"(?:\d[\w.-]*/[\w/.-]*[A-ZĐ][\w/.-]*|(?i:luật|bộ\s+luật|hiến\s+pháp|tờ\s+trình|công\s+văn"
    r"|thông\s+báo|nghị\s+định|thông\s+tư|quyết\s+định|chỉ\s+thị)[^,;.\n]{0,80}?)"
    r"\s+(?:(?i:ban\s+hành\s+)?(?i:ngày)\s+)?$")
_CITATION = re.compile(r"^\s*(?:Căn\s+cứ|Xét\s+đề\s+nghị)", re.IGNORECASE)
_PLACE_DATE_LINE = re.compile(r"^[^\d,]{2,40},\s*ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}"
                              r"\s*$", re.IGNORECASE)
_CLOCK = re.compile(r"\d{1,2}:\d{2}")
# Words before a year that say where in it a figure holds, and the words that open the phrase.
_YEAR_LEAD = re.compile(
    r"(?P<lead>(?:(?:tính\s+)?(?:đến|tới)\s+|vào\s+|trong\s+|từ\s+|hồi\s+|tại\s+|của\s+)?"
    r"(?:(?P<months>\d{1,2})\s+tháng\s+(?:đầu\s+|cuối\s+)?"
    r"|(?P<quarter>quý\s+(?:[IV]{1,3}|\d))\s*(?:/\s*|năm\s+)"
    r"|tháng\s+(?P<month>\d{1,2})\s*(?:[/\-–]\s*|năm\s+)"
    r"|(?P<end>cuối|hết)\s+|(?P<start>đầu)\s+|(?P<mid>giữa)\s+)?"
    r"(?:năm\s+|giai\s+đoạn\s+|thời\s+kỳ\s+|nhiệm\s+kỳ\s+)?)$", re.IGNORECASE)
_DATE_PARTS = re.compile(r"(\d{1,2})\s*(?:[/.\-]|\s+tháng\s+)\s*(\d{1,2})\s*(?:[/.\-]|\s+năm\s+)"
                         r"\s*(\d{2,4})|(?<!\d)(\d{1,2})\s*/\s*((?:19|20)\d\d)", re.IGNORECASE)
_DATE_LEAD = re.compile(r"(?:(?:tính\s+)?(?:đến|tới)\s+(?:hết\s+)?|vào\s+|từ\s+|trước\s+)?"
                        r"(?:ngày\s+|tháng\s+)?$", re.IGNORECASE)
_UNTIL_NOW = re.compile(r"\s*(?:đến|tới)\s+(?:nay|hiện\s+nay|thời\s+điểm\s+này)" + _W,
                        re.IGNORECASE)
_FROM_TO_YEAR = re.compile(r"\s*(?:đến|tới|-|–)\s*(?:hết\s+|cuối\s+)?năm\s+((?:19|20)\d\d)" + _W,
                           re.IGNORECASE)
_FOOTNOTE_YEAR = re.compile(r"(?<=năm\s)((?:19|20)\d\d)\d$", re.IGNORECASE)
# Time said without a number: resolved against the text's present or its plan period.
_RELATIVE = starting_with(
    "scđhgnt",
    rf"{_B}(?P<cmp>so\s+(?:với\s+)?(?:các\s+|những\s+)?)?(?:"
    r"(?:(?P<tp>cuối|hết|đầu|giữa)\s+)?năm\s+nay"
    r"|(?P<now>(?:cho\s+)?(?:đến|tới)\s+(?:nay|hiện\s+nay)|hiện\s+nay)"
    r"|(?P<span_start>đầu\s+(?:giai\s+đoạn|kỳ|nhiệm\s+kỳ))"
    r"|(?P<in_year>(?P<point>đầu|cuối|giữa|hết|cả)\s+năm)(?!\s+(?:nay|trước|ngoái|\d))"
    r"|(?P<previous>cùng\s+kỳ(?:\s+năm\s+trước)?|năm\s+trước(?:\s+đó)?|năm\s+ngoái))" + _W,
    re.IGNORECASE)
# "Sau 3 năm thực hiện" a plan: its first year and three more is the present.
_AFTER_YEARS = re.compile(rf"{_B}sau\s+(?:hơn\s+|gần\s+)?(\d{{1,2}})\s+năm\s+"
                          r"(?:triển\s+khai|thực\s+hiện)", re.IGNORECASE)


@dataclass(frozen=True)
class TimeRef:
    """One time reference: the words that make it (`start`, `end`), its years, its role.

    `first`/`last` are the years (equal for one year; 0 when the reference names no year and
    is read against the scene or the plan period: "đầu giai đoạn", "so với đầu kỳ", "cuối
    năm", "năm nay" when the present is unknown); `base` says what a comparison or a relative
    reference is measured from: "year" (its own years), "start_of_year", "start_of_span",
    "previous_year", "in_year" (a point of the scene's year), "now" (the present).
    """

    start: int
    end: int
    first: int
    last: int
    timepoint: str | None
    role: str
    base: str = "year"

    @property
    def is_span(self) -> bool:
        return self.last > self.first

    @property
    def label(self) -> str:
        return f"{self.first}-{self.last}" if self.is_span else str(self.first)


def _role(text: str, index: TextIndex, start: int, is_date: bool) -> str:
    """What a reference starting at `start` is for (one of `ROLES`)."""
    line_start, line_end = index.line(start)
    before = text[max(line_start, start - 160):start]
    if _CITATION.match(text, line_start):
        return "document"
    if _COMPARISON.search(before):
        return "comparison"
    if _STANDARD.search(before):
        return "standard"
    if is_date and _DOCUMENT_DATE.search(before):
        return "document"
    if is_date and (_CLOCK.search(text, max(line_start, start - 12), min(line_end, start + 24))
                    or _PLACE_DATE_LINE.match(text[line_start:line_end].strip())):
        return "dateline"
    if _NAME.search(before):
        return "name"
    return "scene"


def _year_ref(text: str, index: TextIndex, n: NumberMatch, first: int, last: int) -> TimeRef:
    """The reference a year or span makes, with the words before it that say when in it."""
    line_start = index.line(n.start)[0]
    m = _YEAR_LEAD.search(text, max(line_start, n.start - 40), n.start)
    lead = m.start() if m else n.start
    timepoint: str | None = "period" if last > first else None
    if m and last == first:
        if m.group("months") or m.group("quarter"):
            timepoint = "partial_year"
        elif m.group("month"):
            timepoint = _month_timepoint(int(m.group("month")))
        elif m.group("end"):
            timepoint = "end_of_year"
        elif m.group("start"):
            timepoint = "start_of_year"
        elif m.group("mid"):
            timepoint = "mid_year"
    role = _role(text, index, n.start, is_date=False)
    cmp_lead = re.search(r"so\s+(?:với\s+)?(?:cùng\s+kỳ\s+)?$",
                         text[max(line_start, lead - 20):lead], re.IGNORECASE)
    if role == "comparison" and cmp_lead:
        lead -= len(cmp_lead.group(0))
    return TimeRef(lead, n.end, first, last, timepoint, role)


def _month_timepoint(month: int) -> str:
    return "end_of_year" if month == 12 else "mid_year" if month == 6 else "partial_year"


def _date_ref(text: str, index: TextIndex, n: NumberMatch) -> TimeRef | None:
    """The reference a date makes ("31/12/2019", "ngày 30/6/2021", "tháng 9/2022")."""
    m = _DATE_PARTS.search(n.text)
    if not m:
        return None
    if m.group(3):
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        year += 2000 if year < 100 else 0
        if day == 1 and month == 1:
            timepoint = "start_of_year"
        elif month == 12 and day >= 28:
            timepoint = "end_of_year"
        elif (day, month) in ((30, 6), (1, 7)):
            timepoint = "mid_year"
        else:
            timepoint = "partial_year"
    else:
        month, year = int(m.group(4)), int(m.group(5))
        timepoint = _month_timepoint(month)
    if not 1900 <= year <= 2100:
        return None
    line_start = index.line(n.start)[0]
    lead = _DATE_LEAD.search(text, max(line_start, n.start - 30), n.start)
    start = lead.start() if lead else n.start
    return TimeRef(start, n.end, year, year, timepoint, _role(text, index, n.start, is_date=True))


def time_refs(text: str, index: TextIndex, numbers: list[NumberMatch]) -> list[TimeRef]:
    """Every time reference written with a number, in order: years, spans, dates, a year with
    a footnote mark glued on ("cuối năm 20171"), "từ năm 2021 đến năm 2023"."""
    refs = []
    for n in numbers:
        if n.kind == "year":
            year = int(n.value)
            span_end = _FROM_TO_YEAR.match(text, n.end)
            if span_end and re.search(r"từ\s+(?:năm\s+)?$", text[max(0, n.start - 12):n.start],
                                      re.IGNORECASE):
                ref = _year_ref(text, index, n, year, int(span_end.group(1)))
                refs.append(TimeRef(ref.start, span_end.end(), ref.first, ref.last, "period",
                                    ref.role))
                continue
            refs.append(_year_ref(text, index, n, year, year))
        elif n.kind == "period":
            refs.append(_year_ref(text, index, n, int(n.value), int(n.value_max or n.value)))
        elif n.kind == "date":
            ref = _date_ref(text, index, n)
            if ref is not None:
                refs.append(ref)
        elif n.kind == "quantity" and n.unit is None and n.qualifier is None:
            m = _FOOTNOTE_YEAR.search(text, max(0, n.start - 4), n.end)
            if m and m.start() == n.start:
                year = int(m.group(1))
                refs.append(_year_ref(text, index, n, year, year))
    refs = [r for i, r in enumerate(refs) if not (i and refs[i - 1].end > r.start
                                                  and refs[i - 1].last == r.first)]
    return sorted(refs, key=lambda r: r.start)


def present_year(text: str, refs: list[TimeRef], cues: list[StatusCue]) -> tuple[int | None,
                                                                                  bool]:
    """(year, firm): the year the text was written in, as far as the text itself says — its
    dateline, or the year after "Sau 3 năm thực hiện" a programme of 2021-2025 (2024, the
    programme named in its sentence or before): firm; else the latest year it estimates
    ("dự kiến đến cuối năm 2025"): not firm (good for "năm nay", not for calling a later
    figure a projection)."""
    dated = [r.first for r in refs if r.role == "dateline"]
    if dated:
        return dated[0], True
    starts = [r.start for r in refs]
    for m in _AFTER_YEARS.finditer(text):
        span = _plan_of(text, refs, starts, m.start())
        if span is not None:
            return span.first + int(m.group(1)), True
    estimated = []
    for c in cues:
        if c.status != "estimate" or c.kind != "clause":
            continue
        i = bisect_left(starts, c.end)
        if (i < len(refs) and refs[i].role == "scene" and not refs[i].is_span
                and refs[i].start - c.end <= 30 and not re.search(r"[,;.\d]",
                                                                   text[c.end:refs[i].start])):
            estimated.append(refs[i].first)
    return (max(estimated), False) if estimated else (None, False)


def _plan_of(text: str, refs: list[TimeRef], starts: list[int], pos: int) -> TimeRef | None:
    """The plan a phrase at `pos` speaks of: the first span after it in its sentence, else the
    last span written before it."""
    end = re.compile(r"[.;\n]").search(text, pos)
    i = bisect_left(starts, pos)
    while i < len(refs) and refs[i].start < (end.start() if end else len(text)):
        if refs[i].is_span and refs[i].role in ("scene", "name"):
            return refs[i]
        i += 1
    i = bisect_left(starts, pos) - 1
    while i >= 0:
        if refs[i].is_span and refs[i].role in ("scene", "name"):
            return refs[i]
        i -= 1
    return None


def _overlaps(refs: list[TimeRef], starts: list[int], r: TimeRef) -> bool:
    """Whether `r` overlaps one of `refs` (sorted by start; `starts` their starts)."""
    i = bisect_left(starts, r.end)
    return any(refs[j].end > r.start for j in range(max(0, i - 3), i))


def relative_refs(text: str, index: TextIndex, present: int | None) -> list[TimeRef]:
    """Time said without a year: "năm nay", "đến nay" (the present), "đầu giai đoạn" (the start
    of the plan period), "so với đầu năm", "so với đầu kỳ", "so với cùng kỳ năm trước"."""
    out = []
    for m in _RELATIVE.finditer(text):
        role = "comparison" if m.group("cmp") else "scene"
        if _CITATION.match(text, index.line(m.start())[0]):
            continue
        if m.group("span_start"):
            out.append(TimeRef(m.start(), m.end(), 0, 0, None, role, "start_of_span"))
        elif m.group("in_year"):  # a point of the year the scene is in
            point = m.group("point").lower()
            if role == "comparison":
                if point == "đầu":
                    out.append(TimeRef(m.start(), m.end(), 0, 0, None, role, "start_of_year"))
            elif not re.search(r"tháng\s+$", text[max(0, m.start() - 12):m.start()],
                               re.IGNORECASE):
                timepoint = {"đầu": "start_of_year", "cuối": "end_of_year",
                             "hết": "end_of_year", "giữa": "mid_year"}.get(point)
                out.append(TimeRef(m.start(), m.end(), 0, 0, timepoint, "scene", "in_year"))
        elif m.group("previous"):  # compared with, or opening a clause: the year before
            opens = re.search(r"(?:^|[,.;:])\s*$",
                              text[max(index.line(m.start())[0], m.start() - 8):m.start()])
            if role == "comparison" or opens:
                out.append(TimeRef(m.start(), m.end(), 0, 0, None, role, "previous_year"))
        elif role == "scene" and (present is not None or not m.group("now")):
            # the present; "năm nay" unknown when the text does not say ends the scene (0),
            # "hiện nay", "đến nay" leave it as it was (the latest time the text reported)
            tp = (m.group("tp") or "").lower()
            timepoint = {"cuối": "end_of_year", "hết": "end_of_year", "đầu": "start_of_year",
                         "giữa": "mid_year"}.get(tp)
            year = present or 0
            out.append(TimeRef(m.start(), m.end(), year, year, timepoint, "scene", "now"))
    return out


def _until_now(text: str, refs: list[TimeRef], present: int | None) -> list[TimeRef]:
    """"Từ năm 2021 đến nay" read as the span from 2021 to the present."""
    if present is None:
        return refs
    out = []
    for r in refs:
        m = _UNTIL_NOW.match(text, r.end)
        if (m and not r.is_span and r.first < present and r.role == "scene"
                and re.match(r"từ\s", text[r.start:r.end], re.IGNORECASE)):
            r = TimeRef(r.start, m.end(), r.first, present, "period", r.role)
        out.append(r)
    return out


# ------------------------------------------------------------------------ status cues

_STATUS = starting_with(
    "dưspmckđt",
    rf"(?P<estimate>dự\s+ước|dự\s+kiến|dự\s+báo|{_B}ước\s+(?:kết\s+quả|tính|đạt|thực\s+hiện|"
    rf"lượng)|{_B}ước{_W})"
    rf"|(?P<weak>{_B}sẽ\s+(?:còn|giảm|đạt|có|tăng|xuống|lên|thoát|hoàn\s+thành){_W})"
    rf"|(?P<target>phấn\s+đấu|{_B}mục\s+tiêu|{_B}chỉ\s+tiêu|{_B}kế\s+hoạch\s+(?:đề\s+ra|đặt\s+ra"
    rf"|năm|đến|giảm)|{_B}theo\s+kế\s+hoạch{_W}(?!\s+(?:số|\d))|{_B}phải\s+(?:giảm|đạt){_W})"
    rf"|(?P<actual>{_B}đã{_W}|{_B}kết\s+quả|{_B}thực\s+tế{_W})", re.IGNORECASE)
# Words around "ước" that make it another word (mong ước, ước mơ, công ước …).
_NOT_ESTIMATE_BEFORE = re.compile(r"(?:mong|công|hiệp|điều|quy|giao|thỏa|thoả|khế|cam)\s*$",
                                  re.IGNORECASE)
_NOT_ESTIMATE_AFTER = re.compile(r"\s*(?:mơ|muốn|vọng|nguyện|ao|mong)" + _W, re.IGNORECASE)
# A target named rather than set: "đạt kế hoạch đề ra", "vượt chỉ tiêu", "bằng 125,5% kế hoạch".
_NAMED_BEFORE = re.compile(
    r"(?:đạt|vượt|hoàn\s+thành|bằng|so\s+với)(?:\s+và\s+vượt)?(?:\s+(?:mức|so\s+với|các))?\s*$"
    r"|%\s*(?:so\s+với\s+)?$", re.IGNORECASE)
# "các mục tiêu", "đúng mục tiêu", "thực hiện mục tiêu …", "19 chỉ tiêu": the word, not a
# target set.
_NOT_TARGET_BEFORE = re.compile(r"(?:các|những|đúng|với|thực\s+hiện|theo|của|vì|\d)\s+$",
                                re.IGNORECASE)
_PROGRAMME_AFTER = re.compile(r"\s+quốc\s+gia" + _W, re.IGNORECASE)
# A list announced: the cue's sentence goes on after a colon, "cụ thể", "như sau" or with ";".
_ANNOUNCES_LIST = re.compile(r"cụ\s+thể|như\s+sau|:|;", re.IGNORECASE)
# A paragraph or sentence that continues what came before.
_CONTINUES = re.compile(r"\s*(?:[-+•*–—]|\d{1,2}[.)]\s|[a-zđ][.)]\s|Trong\s+đó|Cụ\s+thể|Riêng"
                        r"|Đồng\s+thời)", re.IGNORECASE)
_OF_WHICH = re.compile(rf"{_B}trong\s+đó{_W}", re.IGNORECASE)


@dataclass(frozen=True)
class StatusCue:
    """Words that give figures a status: `kind` "clause" (the figures after it in its clause),
    "weak" ("sẽ còn", "sẽ giảm": an estimate unless a target governs), "named" (a target named
    after "đạt", "vượt": the figures of its phrase are that target)."""

    start: int
    end: int
    status: str
    kind: str


def status_cues(text: str) -> list[StatusCue]:
    """Every status cue of `text`, in order (a programme's name and "các mục tiêu" left out)."""
    out = []
    for m in _STATUS.finditer(text):
        status = m.lastgroup or ""
        before = text[max(0, m.start() - 20):m.start()]
        kind = "clause"
        if status == "weak":
            status, kind = "estimate", "weak"
        elif status == "estimate" and m.group(0).lower() == "ước" and (
                _NOT_ESTIMATE_BEFORE.search(before) or _NOT_ESTIMATE_AFTER.match(text, m.end())):
            continue
        elif status == "target":
            if _PROGRAMME_AFTER.match(text, m.end()) or _NOT_TARGET_BEFORE.search(before):
                continue
            if _NAMED_BEFORE.search(before):
                kind = "named"
        out.append(StatusCue(m.start(), m.end(), status, kind))
    return out


def _named_phrase_end(text: str, index: TextIndex, cue: StatusCue) -> int:
    """Where the phrase of a named target ends: the next comma, semicolon, full stop, or the
    bracket that closes around it."""
    end = index.clause(cue.start)[1]
    m = re.compile(r"[,.;]|\)").search(text, cue.end, end)
    if m and m.group(0) == ")":
        opened = index.bracket(m.start())
        if opened is not None and opened[0] > cue.end:  # "đạt kế hoạch đề ra (1-1,5%/năm)"
            m = re.compile(r"[,.;]").search(text, opened[1], end)
    return m.start() if m else end


def target_scopes(text: str, index: TextIndex, cues: list[StatusCue]) -> list[tuple[int, int,
                                                                                       int]]:
    """(start, end, cue number) of the stretch each target cue governs: its sentence; when it
    announces a list, to the end of its paragraph; and on through paragraphs that continue it
    ("Trong đó, …", a bullet) — cut at the first later sentence with a cue of its own."""
    strong = [c for c in cues if c.kind == "clause" and c.status != "target"]
    strong_starts = [c.start for c in strong]
    out = []
    for k, cue in enumerate(cues):
        if cue.status != "target" or cue.kind != "clause":
            continue
        sent_end = end = index.sentence(cue.start)[1]
        line_end = index.line(cue.start)[1]
        if index.line_kind(cue.start) == "caption":
            out.append((cue.start, line_end, k))
            continue
        if _ANNOUNCES_LIST.search(text, cue.end, min(end, cue.end + 400)):
            end = line_end
        nxt = index.next_line(end - 1) if end >= line_end else (end, line_end)
        while nxt is not None and _CONTINUES.match(text, nxt[0]):
            end = index.line(nxt[0])[1]
            nxt = index.next_line(end)
        i = bisect_left(strong_starts, sent_end)
        if i < len(strong) and strong[i].start < end:
            end = index.sentence(strong[i].start)[0]
        out.append((cue.start, max(end, cue.end), k))
    return out


# ------------------------------------------------------------------------ figures


@dataclass(frozen=True)
class Figure:
    """What the context is read for: a claim's quote span, value, unit, indicator, qualifier
    and kind — "level", "change" (a difference), "per_year" (a change per year) or "follow"
    (a figure measured against another: "bằng 125,5% kế hoạch")."""

    start: int
    end: int
    value: float
    unit: str
    indicator: str
    qualifier: str | None
    kind: str


@dataclass(frozen=True)
class Context:
    """A figure's period, time point and status, with the words that set each; `restates` is
    the number of the body figure a heading's figure restates."""

    period: str | None
    timepoint: str | None
    period_cue: tuple[int, int] | None
    status: str
    status_cue: tuple[int, int] | None
    restates: int | None = None
    base_cue: tuple[int, int] | None = None  # what a change "A vs B" is compared with


def _plans(spans: list[TimeRef]) -> dict[tuple[int, bool], tuple[int, int]]:
    """For each (year, whether a span's own first year counts) the longest span of `spans`
    that holds it (the latest written of equals): the plan period a year is read in."""
    best: dict[tuple[int, bool], TimeRef] = {}
    for s in spans:
        for year in range(s.first, min(s.last, s.first + 50) + 1):
            for with_first in (True, False):
                if year == s.first and not with_first:
                    continue
                old = best.get((year, with_first))
                if old is None or (s.last - s.first, s.start) > (old.last - old.first,
                                                                 old.start):
                    best[(year, with_first)] = s
    return {k: (v.first, v.last) for k, v in best.items()}


class _Stretches:
    """(start, end, cue number) stretches of text looked up by position in logarithmic time
    (they may overlap: the latest-starting one that holds the position wins)."""

    def __init__(self, stretches: list[tuple[int, int, int]]) -> None:
        self.items = sorted(stretches)
        self.starts = [s for s, _e, _c in self.items]
        self.reach: list[int] = []  # the furthest end of the stretches up to each one
        for _s, e, _c in self.items:
            self.reach.append(max(e, self.reach[-1]) if self.reach else e)

    def holding(self, pos: int) -> int | None:
        """Cue number of the stretch that holds `pos`, if any."""
        i = bisect_right(self.starts, pos) - 1
        while i >= 0 and self.reach[i] > pos:
            if self.items[i][1] > pos:
                return self.items[i][2]
            i -= 1
        return None


@dataclass(frozen=True)
class _When:
    """A figure's time before it becomes a period: a reference (or a from–to pair)."""

    ref: TimeRef
    pair: bool = False  # made by a from–to pair: a span for changes, its end for levels
    cue: tuple[int, int] | None = None


class _Reader:
    """One pass through the text: the scene, the figures read so far, the lookups."""

    def __init__(self, text: str, index: TextIndex, numbers: list[NumberMatch],
                 figures: list[Figure], present: int | None = None) -> None:
        self.text, self.index, self.figures = text, index, figures
        self.cues = status_cues(text)
        refs = time_refs(text, index, numbers)
        self.present, self.firm = ((present, True) if present is not None
                                   else present_year(text, refs, self.cues))
        refs = _until_now(text, refs, self.present)
        starts = [r.start for r in refs]
        refs = sorted(refs + [r for r in relative_refs(text, index, self.present)
                              if not _overlaps(refs, starts, r)], key=lambda r: r.start)
        self.refs = refs
        self.ref_starts = [r.start for r in refs]
        self.spans = [r for r in refs if r.is_span and r.role in ("scene", "name")]
        self.span_starts = [r.start for r in self.spans]
        self.plans = _plans(self.spans)
        self.plan_ends = {s.last for s in self.spans if s.last - s.first >= 2}
        self.cue_starts = [c.start for c in self.cues]
        self.named = _Stretches([(c.start, _named_phrase_end(text, index, c), k)
                                 for k, c in enumerate(self.cues) if c.kind == "named"])
        self.scopes = _Stretches(target_scopes(text, index, self.cues))
        self.figure_starts = [f.start for f in figures]
        self.of_which = [m.start() for m in _OF_WHICH.finditer(text)]
        self.scene: _When | None = None
        self.last_name: TimeRef | None = None
        self.used: set[int] = set()  # references a figure took as its own (attached)

    # -- where a figure's time comes from

    def advance(self, pos: int, upto: list[int]) -> None:
        """Move the scene over the references that start before `pos`."""
        while upto[0] < len(self.refs) and self.refs[upto[0]].start < pos:
            i = upto[0]
            r = self.refs[i]
            upto[0] += 1
            if i in self.used or self._local(r):
                continue
            if r.role == "scene":  # a time the text does not give ends the scene
                resolved = self.resolve(r)
                self.scene = None if resolved is None else _When(resolved, cue=(r.start, r.end))
            elif r.role == "name":
                self.last_name = r

    def _bracketed(self, r: TimeRef) -> str | None:
        """None when `r` is not in brackets; "time" when the brackets hold nothing but it,
        "clause" when they hold more ("(năm 2022: 4,9%)")."""
        bracket = self.index.bracket(r.start)
        if bracket is None:
            return None
        rest = self.text[bracket[0] + 1:r.start] + self.text[r.end:bracket[1]]
        return "time" if not rest.strip(" \t,.;:") else "clause"

    def _local(self, r: TimeRef) -> bool:
        """A reference that governs only its own line (a caption) or its own brackets."""
        if self.index.line_kind(r.start) == "caption":
            return True
        bracketed = self._bracketed(r)
        if bracketed is None:
            return False
        bracket = self.index.bracket(r.start) or (r.start, r.start)
        after_number = re.search(r"[\d%]\s*$", self.text[max(0, bracket[0] - 3):bracket[0]])
        return bracketed == "clause" or bool(after_number)

    def attached(self, k: int, f: Figure) -> int | None:
        """Index of the reference written right after figure `f` in its clause ("5,9% năm
        2021", "9,8% (năm 2021)", "… hộ nghèo vào cuối năm 2021"), if any."""
        clause_end = self.index.clause(f.start)[1]
        i = bisect_left(self.ref_starts, f.end)
        if i >= len(self.refs) or self.refs[i].start >= clause_end:
            return None
        r = self.refs[i]
        if r.role not in ("scene", "name") or self._bracketed(r) == "clause":
            return None
        lead = _LEAD_WORD.match(self.text, r.start, r.end)
        gap = self.text[f.end:lead.end() if lead else r.start]
        close = ((len(gap) <= 20 and _GAP_CLOSE.fullmatch(gap))
                 or (len(gap) <= 40 and _GAP_OF.search(gap)
                     and not re.search(r"[,;.()\d]", gap) and not _GAP_STOP.search(gap)))
        if not close:
            return None
        later = k + 1 < len(self.figures) and self.figures[k + 1].start < r.start
        # "…17,24%, đến cuối năm 2024, tỷ lệ này …": a time after a comma opening the next
        # statement is not the figure's
        opens_next = "," in gap and not _CLAUSE_ENDS.match(self.text, r.end)
        return None if later or opens_next else i

    def in_brackets(self, f: Figure) -> TimeRef | None:
        """A time written inside the brackets that hold `f`, before it."""
        bracket = self.index.bracket(f.start)
        if bracket is None:
            return None
        i = bisect_left(self.ref_starts, f.start) - 1
        while i >= 0 and self.refs[i].start > bracket[0]:
            if self.refs[i].role in ("scene", "name"):
                return self.refs[i]
            i -= 1
        return None

    def standard_in_sentence(self, f: Figure) -> TimeRef | None:
        """The poverty standard's span named before `f` in its sentence, if any."""
        sent_start = self.index.sentence(f.start)[0]
        i = bisect_left(self.ref_starts, f.start) - 1
        while i >= 0 and self.refs[i].start >= sent_start:
            if self.refs[i].role == "standard" and self.refs[i].is_span:
                return self.refs[i]
            i -= 1
        return None

    def name_in_sentence(self, f: Figure) -> TimeRef | None:
        sent_start = self.index.sentence(f.start)[0]
        i = bisect_left(self.ref_starts, f.start) - 1
        while i >= 0 and self.refs[i].start >= sent_start:
            if self.refs[i].role == "name":
                return self.refs[i]
            i -= 1
        return None

    def when(self, k: int, f: Figure) -> _When | None:
        """The time figure `f` is read at (see the module docstring, 1-4)."""
        a = self.attached(k, f)
        if a is not None:
            self.used.add(a)
            r = self.refs[a]
            own = _When(r, cue=(r.start, r.end))
            pair = self._pair(k, f, r)
            if pair is not None:
                self.scene = pair
            elif not self._local(r):
                self.scene = own
            return own
        inner = self.in_brackets(f)
        if inner is not None:
            return _When(inner, cue=(inner.start, inner.end))
        sent_start = self.index.sentence(f.start)[0]
        caption = self.index.line_kind(f.start) == "caption"
        if caption:
            line_start = self.index.line(f.start)[0]
            i = bisect_left(self.ref_starts, f.start) - 1
            if i >= 0 and self.refs[i].start >= line_start and self.refs[i].role == "scene":
                return _When(self.refs[i], cue=(self.refs[i].start, self.refs[i].end))
        if self.scene is not None and self.scene.ref.start >= sent_start:
            return self.scene
        name = self.name_in_sentence(f)
        if name is not None:
            when = _When(name, cue=(name.start, name.end))
            if not caption:
                self.scene = when
            return when
        if self.scene is not None:
            return self.scene
        if self.last_name is not None:
            return _When(self.last_name, cue=(self.last_name.start, self.last_name.end))
        return None

    def _pair(self, k: int, f: Figure, r: TimeRef) -> _When | None:
        """A from–to pair ending at `f`: the previous figure of its sentence, of the same unit,
        has a year of its own written right after it, earlier than `r`'s."""
        if not k or r.is_span:
            return None
        g = self.figures[k - 1]
        if g.unit != f.unit or g.start < self.index.sentence(f.start)[0]:
            return None
        a = self.attached(k - 1, g)
        if a is None or self.refs[a].is_span or self.refs[a].first >= r.first:
            return None
        first = self.refs[a]
        span = TimeRef(first.start, r.end, first.first, r.first, "period", "scene")
        return _When(span, pair=True, cue=(first.start, r.end))

    # -- spans, comparisons, periods

    def plan_start(self, year: int) -> int | None:
        """First year of the plan period a year falls in: the longest span of the text that
        holds it (after its first year), else the five-year plan (2016-2020, 2021-2025, …)."""
        span = self.plans.get((year, False))
        if span is not None:
            return span[0]
        start = year - (year - 1) % 5
        return start if start < year else None

    def plan(self, year: int) -> tuple[int, int] | None:
        """(first, last) year of the plan period `year` falls in: the longest span of the text
        that holds it, else the five-year plan."""
        span = self.plans.get((year, True))
        if span is not None:
            return span
        start = year - (year - 1) % 5
        return start, start + 4

    def plan_end(self, year: int) -> bool:
        """Whether `year` closes a plan period (a span of the text, or a five-year plan)."""
        return year % 5 == 0 or year in self.plan_ends

    def comparison(self, f: Figure) -> TimeRef | None:
        """What a change is compared with: the first comparison after it in its clause (one
        "so với năm 2022" after two coordinated changes serves both), one that opens the
        clause ("So với đầu giai đoạn, …"), or one right before the brackets it stands in."""
        clause_start, clause_end = self.index.clause(f.start)
        clause_end = min(clause_end, f.end + _NEAR)
        i = bisect_left(self.ref_starts, f.end)
        while i < len(self.refs) and self.refs[i].start < clause_end:
            if self.refs[i].role == "comparison":
                return self.refs[i]
            i += 1
        i = bisect_left(self.ref_starts, clause_start)
        if i < len(self.refs) and self.refs[i].start < f.start:
            r = self.refs[i]
            if r.role == "comparison" and not self.text[clause_start:r.start].strip(" \t,"):
                return r
        bracket = self.index.bracket(f.start)
        if bracket is not None:
            i = bisect_left(self.ref_starts, bracket[0]) - 1
            if (i >= 0 and self.refs[i].role == "comparison"
                    and not self.text[self.refs[i].end:bracket[0]].strip()):
                return self.refs[i]
        return None

    def resolve(self, ref: TimeRef) -> TimeRef | None:
        """A reference with its years: "đầu giai đoạn" is the first year of the plan period
        the scene is in (or of the last span named)."""
        if ref.first or ref.base not in ("start_of_span", "now", "in_year", "previous_year"):
            return ref
        if ref.base == "previous_year":  # "Năm trước đó, …": the year before the scene's
            scene = self.scene.ref if self.scene is not None else None
            if scene is None or scene.is_span or not scene.first:
                return None
            year = scene.first - 1
            return TimeRef(ref.start, ref.end, year, year, None, "scene")
        if ref.base == "now":
            return None
        if ref.base == "in_year":  # "đầu năm", "cuối năm", "cả năm" of the scene's year
            scene = self.scene.ref if self.scene is not None else None
            if scene is None or scene.is_span or not scene.first:
                return None
            return TimeRef(ref.start, ref.end, scene.first, scene.first, ref.timepoint, "scene")
        around = self.scene.ref if self.scene is not None else None
        before = bisect_left(self.span_starts, ref.start)
        if around is not None and around.is_span:
            start: int | None = around.first
        elif around is not None:
            start = self.plan_start(around.last)
        elif before:
            start = self.spans[before - 1].first
        else:
            return None
        return None if start is None else TimeRef(ref.start, ref.end, start, start, None, "scene")

    def period(self, f: Figure, when: _When | None, status: str, previous: list[Context],
               k: int) -> tuple[str | None, str | None, tuple[int, int] | None]:
        """(period, timepoint, cue) of figure `f` read at `when` (see the module docstring)."""
        ref = self.resolve(when.ref) if when is not None else None
        cue = when.cue if when is not None else None
        if f.indicator == "poverty_line":  # the standard's own figure: the standard's span
            standard = self.standard_in_sentence(f)
            if standard is not None:
                return standard.label, "period", (standard.start, standard.end)
        if f.kind == "follow":
            j = k - 1
            if j >= 0 and self.figures[j].start >= self.index.clause(f.start)[0]:
                return previous[j].period, previous[j].timepoint, previous[j].period_cue
        if ref is None:
            if f.kind in ("change", "per_year"):
                base = self.comparison(f)
                if base is not None and base.first:
                    return base.label, None, (base.start, base.end)
            return None, None, None
        if f.kind == "per_year":
            if ref.is_span:
                return ref.label, "period", cue
            if status == "target":
                plan = self.plan(ref.last)
                if plan is not None:
                    return f"{plan[0]}-{plan[1]}", "period", cue
            start = self.plan_start(ref.last)
            return (f"{start}-{ref.last}", "period", cue) if start else (ref.label, None, cue)
        if (f.kind == "level" and f.indicator.endswith("_escaped_poverty") and not ref.is_span
                and re.match(r"(?:tính\s+)?(?:đến|tới)\s", self.text[ref.start:ref.end],
                             re.IGNORECASE)):
            start = self.plan_start(ref.first)  # counted up to a time: since the plan began
            if start:
                return f"{start}-{ref.first}", "period", cue
        if f.kind == "change":
            return self._change_period(f, ref, status, cue)
        if when is not None and when.pair:
            return str(ref.last), None, cue
        end = self.pair_end(k)
        if end is not None and ref.is_span:  # "giai đoạn 2016-2020, … giảm từ 12% xuống 4%"
            return str(ref.first if end == "start" else ref.last), None, cue
        if end == "start" and (ref.first, False) in self.plans:
            # "Đến nay (2024), sau 4 năm thực hiện, … giảm từ 21,69% xuống 11,8%": from the
            # start of the plan the text names
            return str(self.plans[(ref.first, False)][0]), None, cue
        return ref.label, ref.timepoint if not ref.is_span else "period", cue

    def _change_period(self, f: Figure, ref: TimeRef, status: str, cue: tuple[int, int] | None
                       ) -> tuple[str | None, str | None, tuple[int, int] | None]:
        """A change's period: its span, its year, or its time against what it is compared with;
        a target reduction by the end of a plan period is the plan's span."""
        if status == "target" and not ref.is_span and self.plan_end(ref.first):
            start = self.plan_start(ref.first)
            if start:
                return f"{start}-{ref.first}", "period", cue
        part = ref.timepoint in ("partial_year", "mid_year")  # a change over part of a year
        own = ((ref.label, "period", cue) if ref.is_span else
               (ref.label, "partial_year" if part else None, cue))
        base = self.comparison(f)
        if base is None or base.base == "start_of_year":
            return own
        if base.base == "start_of_span":
            start = None if ref.is_span else self.plan_start(ref.first)
            return (f"{ref.label} vs {start}", "period", cue) if start else own
        if base.base == "previous_year":
            return (own if ref.is_span else
                    (f"{ref.label} vs {ref.first - 1}", "period", cue))
        if base.label == ref.label:
            return own
        return f"{ref.label} vs {base.label}", "period", cue

    # -- status

    def pair_end(self, k: int) -> str | None:
        """"start" or "end" when figure `k` is an end of a from–to pair in its clause ("giảm
        từ 12% xuống 4%")."""
        f = self.figures[k]
        clause_start = self.index.clause(f.start)[0]
        if (re.search(rf"{_B}từ\s+$", self.text[max(clause_start, f.start - 20):f.start],
                      re.IGNORECASE)
                and k + 1 < len(self.figures) and self.figures[k + 1].unit == f.unit
                and _TO.fullmatch(self.text[f.end:self.figures[k + 1].start])):
            return "start"
        if (k and self.figures[k - 1].unit == f.unit
                and _TO.fullmatch(self.text[self.figures[k - 1].end:f.start])
                and self.pair_end(k - 1) == "start"):
            return "end"
        return None

    def status(self, k: int, f: Figure, previous: list[Context]) -> tuple[str, tuple[int, int]
                                                                                | None]:
        """(status, cue) of figure `f` before its time is known (see the module docstring)."""
        if self.pair_end(k) == "start":  # "dự kiến giảm từ 4,5% xuống 3,2%": 4,5% is not
            return "actual", None
        named = self.named.holding(f.start)
        if named is not None:
            return "target", (self.cues[named].start, self.cues[named].end)
        in_scope = self._scope(f)
        clause_start = self.index.clause(f.start)[0]
        i = bisect_left(self.cue_starts, f.start) - 1
        while i >= 0 and self.cues[i].start >= clause_start:
            c = self.cues[i]
            if c.kind == "named":
                i -= 1
                continue
            if c.kind == "weak" and in_scope is not None:
                break
            return c.status, (c.start, c.end)
        opening = self._opening_cue(k, f)
        if opening is not None:
            return opening.status, (opening.start, opening.end)
        if f.qualifier in ("trở lên", "trở xuống", "tối thiểu", "tối đa"):
            return "target", (f.start, f.end)
        if in_scope is not None:
            return "target", in_scope
        return self._inherited(k, f, previous)

    def _opening_cue(self, k: int, f: Figure) -> StatusCue | None:
        """An estimate or target cue that opens the figure's sentence — before its first
        figure and its first semicolon ("Ước đến cuối năm 2024, toàn tỉnh còn …; hộ cận nghèo
        còn …") — governs the whole sentence."""
        sent_start = self.index.sentence(f.start)[0]
        first = bisect_left(self.figure_starts, sent_start)
        opening_end = min(self.figures[first].start, self.index.clause(sent_start)[1])
        i = bisect_left(self.cue_starts, sent_start)
        while i < len(self.cues) and self.cues[i].start < opening_end:
            c = self.cues[i]
            if c.kind == "clause" and c.status in ("estimate", "target"):
                return c
            i += 1
        return None

    def _scope(self, f: Figure) -> tuple[int, int] | None:
        """The cue of the target list that holds `f`, if any."""
        c = self.scopes.holding(f.start)
        return None if c is None else (self.cues[c].start, self.cues[c].end)

    def _inherited(self, k: int, f: Figure, previous: list[Context]
                   ) -> tuple[str, tuple[int, int] | None]:
        """"Trong đó" takes the status of the whole it breaks down; a change computed from an
        estimate (the figure before it in its paragraph) is an estimate."""
        if not k:
            return "actual", None
        g, before = self.figures[k - 1], previous[k - 1]
        line_start = self.index.line(f.start)[0]
        lo = min(g.end, self.index.sentence(f.start)[0])
        i = bisect_left(self.of_which, f.start) - 1
        if i >= 0 and self.of_which[i] >= lo:  # the whole is the figure before "trong đó"
            j = max(0, bisect_left(self.figure_starts, self.of_which[i]) - 1)
            return previous[j].status, previous[j].status_cue
        if (f.kind in ("change", "per_year") and before.status == "estimate"
                and g.start >= line_start):
            return before.status, before.status_cue
        return "actual", None

    def future(self, period: str | None, status: str) -> bool:
        """Whether an 'actual' figure is dated after the text's present: a projection."""
        if status != "actual" or self.present is None or not self.firm or not period:
            return False
        year = period.split(" vs ")[0]
        return "-" not in year and int(year) > self.present


#: How far after a figure what it is compared with is looked for, and how far into the body a
#: heading's figure is looked for again (characters).
_NEAR = 300
_BODY_OF_HEADING = 5000
# Between the ends of a from–to pair: "(năm 2021) xuống còn", " đến ".
_TO = re.compile(r"(?:\s*\([^()]*\))?\s*(?:xuống(?:\s+còn)?|còn|đến|tới|lên)\s+", re.IGNORECASE)
# The connective a time phrase opens with ("trong năm 2020", "vào cuối năm 2025").
_LEAD_WORD = re.compile(r"(?:(?:tính\s+)?(?:đến|tới)|vào|trong|từ|hồi|tại|của)\s+", re.IGNORECASE)
# Between a figure and its own time: nothing but spaces, a bracket or comma and a connective;
# or a few words ending in one ("… hộ nghèo vào cuối năm 2021").
_GAP_CLOSE = re.compile(r"[\s(,]*(?:vào|trong|tính\s+đến|đến)?\s*", re.IGNORECASE)
_GAP_OF = re.compile(r"(?:trong|vào|của|tính\s+đến)\s*$", re.IGNORECASE)
_CLAUSE_ENDS = re.compile(r"\s*(?:[;.)\n]|$)")
# Words that start another statement between a figure and a later year.
_GAP_STOP = re.compile(rf"{_B}(?:và|còn|dự|ước|xuống|giảm|tăng|so|đạt|chiếm){_W}",
                       re.IGNORECASE)


def read_context(text: str, index: TextIndex, numbers: list[NumberMatch],
                 figures: list[Figure], present: int | None = None) -> list[Context]:
    """The period, time point and status of each figure (in text order) read from the whole
    text (`numbers`: `find_numbers(text)`; `present`: the year the text was written, when the
    caller knows it — else read from the text; see the module docstring)."""
    reader = _Reader(text, index, numbers, figures, present)
    upto = [0]
    out: list[Context] = []
    headings: list[int] = []
    for k, f in enumerate(figures):
        reader.advance(f.start, upto)
        when = reader.when(k, f)
        status, status_cue = reader.status(k, f, out)
        period, timepoint, period_cue = reader.period(f, when, status, out, k)
        if reader.future(period, status):
            status, status_cue = "estimate", period_cue
        base = reader.comparison(f) if period and " vs " in period else None
        out.append(Context(period, timepoint, period_cue, status, status_cue,
                           base_cue=(base.start, base.end) if base is not None else None))
        if index.line_kind(f.start) == "heading":
            headings.append(k)
    for k in headings:
        out[k] = _heading(reader, k, figures, out)
    return out


def _heading(reader: _Reader, k: int, figures: list[Figure], out: list[Context]) -> Context:
    """A heading's figure restated in the body takes the body figure's time and status; one
    with no time of its own takes the first time the body gives."""
    f, mine = figures[k], out[k]
    line_end = reader.index.line(f.start)[1]
    for j in range(k + 1, len(figures)):
        g = figures[j]
        if g.start > line_end + _BODY_OF_HEADING:
            break
        if g.start < line_end or reader.index.line_kind(g.start) == "heading":
            continue
        if g.unit == f.unit and _restates(f, g):
            body = out[j]
            has_own_time = mine.period_cue is not None and line_end >= mine.period_cue[0] >= (
                reader.index.line(f.start)[0])
            if has_own_time:
                return Context(mine.period, mine.timepoint, mine.period_cue, body.status,
                               body.status_cue, j)
            return replace(body, restates=j)
    if mine.period is None:
        i = bisect_left(reader.ref_starts, line_end)
        while i < len(reader.refs) and reader.refs[i].start < line_end + _BODY_OF_HEADING:
            r = reader.refs[i]
            if r.role == "scene" and r.first and not reader._local(r):
                return Context(r.label, r.timepoint if not r.is_span else "period",
                               (r.start, r.end), mine.status, mine.status_cue)
            i += 1
    return mine


def _restates(f: Figure, g: Figure) -> bool:
    """Whether body figure `g` states heading figure `f` (the same value; about it when `f` is
    written as "gần", "khoảng", "hơn", … — within a twentieth)."""
    if f.value == g.value:
        return True
    return f.qualifier is not None and g.value > 0 and abs(f.value - g.value) <= 0.05 * g.value
