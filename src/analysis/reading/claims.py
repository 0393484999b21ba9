"""Quantitative claims about poverty reduction, read from Vietnamese prose.

`extract_claims` turns every amount that `analysis.reading.numbers.find_numbers` finds into a
claim when it has a unit (written: "%", "điểm phần trăm", "đồng"; a counted noun: hộ, người,
xã, huyện, thôn, …; a share of a count: "1/2 số hộ nghèo", "hơn một nửa"; or implied: "tỷ lệ …
là 12,97", "Tổng số hộ cận nghèo: 18.160") and an indicator can be read from the words around
it (hộ nghèo, cận nghèo, hộ nghèo và hộ cận nghèo, "tỷ lệ nghèo đa chiều", thoát nghèo, tái
nghèo, nghèo phát sinh, mức sống trung bình, kinh phí, giải ngân, …). Zero written in words is a
claim of 0 ("cơ bản không còn hộ nghèo", "xóa hết hộ nghèo"). Dates, times, decree numbers,
ordinals, years and periods never become claims, and neither does a number whose noun is not a
measured thing ("5 kinh nghiệm", "05 năm") or a count that only sizes a list ("trong số 10 tỉnh",
"10 tỉnh … giảm nhanh nhất").

The indicator comes from the noun phrase, then the nearest cue earlier in the sentence, later
in the sentence, earlier in the paragraph. A change ("giảm 0,68%", "tăng 137 hộ", "giảm tỷ lệ
hộ nghèo năm 2022 là 0,47%", "giảm đạt trên 3,5%") is a reduction or increase of its subject;
a fall of a rate written with "%" is in percentage points and a rate per year ("%/năm",
"bình quân mỗi năm") always a change; a written "điểm phần trăm" stays percentage points. A
share is read with its base ("chiếm 31,56% so với tổng số hộ nghèo toàn tỉnh": a share of the
poor; "so với tổng số hộ toàn tỉnh": the poverty rate; "vốn … chiếm 64%": a share of the funds),
"đạt 100% kế hoạch" is plan fulfilment, and the denominator of "612 hộ nghèo/41.280 hộ" is all
households.

The time, status and place of each claim are read from the whole text:
`analysis.reading.context` and `analysis.reading.places`.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from analysis.data.processed import CLAIM_COLUMNS, CLAIM_DTYPES
from analysis.errors import UserError
from analysis.reading.article import Article
from analysis.reading.context import Figure, read_context
from analysis.reading.normal import Normalised, normalise
from analysis.reading.numbers import NumberMatch, find_numbers
from analysis.reading.places import Places
from analysis.reading.text import TextIndex, starting_with

_W = r"(?![\wÀ-ỹ])"
_B = r"(?<![\wÀ-ỹ])"
# Counted nouns after a number → unit. Longest alternatives first.
_NOUNS: tuple[tuple[str, str], ...] = (
    (r"hộ\s+gia\s+đình|hộ|gia\s+đình", "households"),
    (r"nhân\s+khẩu|khẩu|người", "persons"),
    (r"lao\s+động", "workers"),
    (r"xã,\s+phường,\s+thị\s+trấn|xã|phường|thị\s+trấn", "communes"),
    (r"huyện,\s+thị\s+xã,\s+thành\s+phố|huyện|thị\s+xã", "districts"),
    (r"thôn,\s+bản|thôn,\s+buôn|thôn|bản|ấp|buôn|làng|khóm|tổ\s+dân\s+phố", "villages"),
    (r"căn\s+nhà|ngôi\s+nhà|căn|nhà", "houses"),
    (r"tỉnh", "provinces"),
    (r"mô\s+hình", "models"),
    (r"dự\s+án", "projects"),
    (r"công\s+trình", "works"),
    (r"lớp", "classes"),
    (r"thẻ\s+(?:bảo\s+hiểm\s+y\s+tế|BHYT)", "health_insurance_cards"),
    (r"lượt\s+hộ", "household_loans"),
    (r"con\s+(?:bò|trâu|dê|lợn|heo|gà|giống)", "livestock"),
    (r"học\s+sinh", "students"),
    (r"ha|héc-?ta", "hectares"),
)
_NOUN_RE = re.compile(r"\s+(?:" + "|".join(f"(?P<n{i}>{p})" for i, (p, _) in enumerate(_NOUNS))
                      + r")" + _W, re.IGNORECASE)
# A line that opens with a label and a colon: "Huyện Mường Nhé: …", "- Năm 2022: …".
_LABEL_LINE = re.compile(r"[ \t]*[-+•*]?[ \t]*[^\s:\d][^:\n]{1,40}:\s")
_SHARE_OF_COUNT = re.compile(r"\s+số\s+(?=hộ|người|nhân\s+khẩu|xã|huyện)", re.IGNORECASE)

_MULTI = r"đa\s+chi[ềể]u"  # "đa chiểu" is a common typing slip
# Who or what a figure is about, most specific first.
_SUBJECTS: tuple[tuple[str, str], ...] = (
    ("poor_and_near_poor", rf"hộ\s+nghèo(?:\s+{_MULTI})?\s+và\s+(?:hộ\s+)?cận\s+nghèo"
                           rf"|tỷ\s+lệ\s+nghèo\s+{_MULTI}"),
    ("re_and_new_poor", r"tái\s+nghèo\s+và\s+(?:hộ\s+)?(?:nghèo\s+)?phát\s+sinh(?:\s+mới)?"
                        r"|tái\s+nghèo\s+và\s+(?:hộ\s+)?nghèo\s+mới"),
    ("new_poor", r"(?:hộ\s+)?nghèo\s+phát\s+sinh(?:\s+mới)?|phát\s+sinh\s+(?:hộ\s+)?nghèo"
                 r"(?:\s+mới)?|hộ\s+nghèo\s+mới"),
    ("re_poor", r"tái\s+nghèo"),
    ("near_poor", r"cận\s+nghèo"),
    ("escaped", r"thoát\s+(?:khỏi\s+)?nghèo|vượt\s+(?:qua\s+)?(?:ngưỡng\s+)?nghèo"
                r"|ra\s+khỏi\s+(?:danh\s+sách\s+)?(?:hộ\s+)?nghèo"),
    ("average_living", r"mức\s+sống\s+trung\s+bình"),
    ("all_households", r"(?:tổng\s+)?số\s+hộ\s+(?:tự\s+nhiên|dân\s+cư)|hộ\s+dân\s+cư"),
    ("poverty_reduction", r"tỷ\s+lệ\s+giảm\s+nghèo"),
    ("poor", r"hộ\s+(?:gia\s+đình\s+)?(?:đồng\s+bào\s+)?(?:dân\s+tộc\s+thiểu\s+số\s+)?nghèo"
             r"|người\s+nghèo|nhân\s+khẩu\s+nghèo|tỷ\s+lệ\s+nghèo"),
)
_SUBJECT_RE = starting_with("htcnpvrms", "|".join(f"(?P<{k}>{p})" for k, p in _SUBJECTS) + _W,
                            re.IGNORECASE)
# A cue right after these words is a denominator or comparison, not the subject; a poverty
# standard is not a subject either.
_NOT_SUBJECT_BEFORE = re.compile(r"(?:so\s+với|trong|trên)\s+(?:tổng\s+)?(?:số\s+)?$"
                                 r"|chuẩn\s+$", re.IGNORECASE)

_COUNT_INDICATORS = {
    "households": {"poor": "poor_households", "near_poor": "near_poor_households",
                   "poor_and_near_poor": "poor_and_near_poor_households",
                   "escaped": "households_escaped_poverty", "re_poor": "re_poor_households",
                   "new_poor": "new_poor_households",
                   "re_and_new_poor": "re_and_new_poor_households",
                   "average_living": "average_living_standard_households",
                   "all_households": "households"},
    "persons": {"poor": "poor_persons", "near_poor": "near_poor_persons",
                "poor_and_near_poor": "poor_and_near_poor_persons",
                "escaped": "persons_escaped_poverty", "re_poor": "re_poor_persons",
                "new_poor": "new_poor_persons", "re_and_new_poor": "re_and_new_poor_persons",
                "average_living": "average_living_standard_persons",
                "all_households": "persons"},
}
_RATE_INDICATORS = {"poor": "poor_household_rate", "near_poor": "near_poor_household_rate",
                    "poor_and_near_poor": "poor_and_near_poor_household_rate",
                    "escaped": "poverty_exit_rate", "re_poor": "re_poverty_share",
                    "new_poor": "new_poverty_share", "re_and_new_poor": "re_poverty_share",
                    "average_living": "average_living_standard_household_rate"}
# Percentages with no poverty subject that still belong to poverty-reduction reporting.
_OTHER_RATES: tuple[tuple[str, str], ...] = (
    (r"bảo\s+hiểm\s+y\s+tế|BHYT", "health_insurance_coverage"),
    (r"qua\s+đào\s+tạo", "trained_worker_rate"),
    (r"nước\s+sạch|nước\s+hợp\s+vệ\s+sinh", "clean_water_access"),
    (r"giải\s+ngân", "disbursement_rate"),
)
# Words around places, workers, houses and money that name the indicator.
_PLACE_UNITS = ("communes", "districts", "villages", "provinces")
_ESCAPED = (r"thoát\s+(?:khỏi\s+)?(?:(?:huyện|xã|thôn|bản)\s+)?(?:nghèo|diện|tình\s+trạng)"
            r"|ra\s+khỏi")
_PLACE_QUALIFIERS: tuple[tuple[str, str], ...] = (
    (r"đặc\s+biệt\s+khó\s+khăn", "extremely_difficult_{u}"),
    (_ESCAPED, "{u}_escaped_poverty"),
    (r"nông\s+thôn\s+mới", "{u}_new_rural_standard"),
    (r"nghèo", "poor_{u}"),
)
_PLACE_NOUN_AFTER = re.compile(r"\s+(?:số\s+)?(?P<noun>huyện|xã|thôn|bản)" + _W, re.IGNORECASE)
_PLACE_NOUN_UNITS = {"huyện": "districts", "xã": "communes", "thôn": "villages",
                     "bản": "villages"}
_MONEY_INDICATORS: tuple[tuple[str, str], ...] = (
    (r"chuẩn\s+nghèo", "poverty_line"),
    (r"thu\s+nhập", "income"),
    (r"cho\s+vay|vay\s+vốn|dư\s+nợ|tín\s+dụng", "preferential_credit"),
    (r"kinh\s+phí|ngân\s+sách|vốn|huy\s+động|đầu\s+tư|hỗ\s+trợ", "budget"),
)
_MONEY_CONTEXT = re.compile(r"vốn|kinh\s+phí|ngân\s+sách|đầu\s+tư|cho\s+vay|dư\s+nợ|hỗ\s+trợ"
                            r"|huy\s+động|giải\s+ngân|nguồn\s+lực", re.IGNORECASE)
_DISBURSED = re.compile(r"giải\s+ngân", re.IGNORECASE)
_POVERTY_CONTEXT = re.compile(r"nghèo|an\s+sinh|khó\s+khăn|đói", re.IGNORECASE)

# "giảm 0,68%", "giảm bình quân 1,5%", "giảm tỷ lệ hộ nghèo năm 2022 là 0,47%", "tăng 137 hộ",
# "giảm … từ 1 - 1,5%", "giảm đạt trên 3,5%": a change; "giảm còn 3%", "giảm từ 5% xuống 3%":
# levels.
_CHANGE_BEFORE = re.compile(
    rf"{_B}(?P<verb>giảm|tăng)(?:\s+(?:được|thêm|đi|đạt|tới|bình\s+quân|trung\s+bình|mỗi\s+năm"
    rf"|hằng\s+năm|hàng\s+năm|tỷ\s+lệ|hộ|cận|nghèo|{_MULTI}|chung|số|năm\s+\d{{4}}|là"
    r"|ở\s+mức))*(?P<from>\s+từ)?\s*:?\s*$", re.IGNORECASE)
# After "từ X": a from–to pair, so X is a level.
_FROM_TO_AFTER = re.compile(rf"[^,;.]{{0,40}}?{_B}(?:xuống|còn|đến|tới){_W}", re.IGNORECASE)
_PER_YEAR = re.compile(r"mỗi\s+năm|hằng\s+năm|hàng\s+năm|bình\s+quân|/năm", re.IGNORECASE)
_PER_YEAR_AFTER = re.compile(r"\s*(?:trở\s+lên\s+)?(?:mỗi\s+năm|hằng\s+năm|hàng\s+năm|/năm)" + _W,
                             re.IGNORECASE)
_RATE_IMPLIED_BEFORE = re.compile(r"(?:là|còn|chiếm|đạt|ở\s+mức|xuống|bằng|từ)\s*$",
                                  re.IGNORECASE)
_COUNT_IMPLIED = re.compile(
    r"(?:tổng\s+)?số\s+(?P<noun>hộ|người|nhân\s+khẩu|lao\s+động|xã|huyện|thôn)(?![\wÀ-ỹ])"
    r"[^.;!?\d]{0,60}?(?:là|còn|có|đạt|:)\s*$", re.IGNORECASE)
# "chiếm 31,56% so với tổng số hộ nghèo toàn tỉnh": a share of the poor (not of a subgroup's).
_SHARE_BASE = re.compile(
    r"\s*(?:so\s+với|trên|trong)\s+tổng\s+số\s+hộ\s+(?P<sub>cận\s+nghèo|nghèo)"
    r"(?:\s+(?:toàn|cả|của|chung)(?:\s+[\wÀ-ỹ]+){1,2})?\s*(?=[,;.)]|$)", re.IGNORECASE)
_CHIEM_BEFORE = re.compile(r"chiếm\s+(?:tới\s+|khoảng\s+)?$", re.IGNORECASE)
_FUNDS_AFTER = re.compile(r"\s*(?:tổng\s+)?(?:nguồn\s+vốn|vốn|kinh\s+phí|ngân\s+sách)",
                          re.IGNORECASE)
# "đạt 100% kế hoạch", "bằng 125,5% kế hoạch": how much of a plan was done.
_PLAN_AFTER = re.compile(r"\s*(?:so\s+với\s+)?(?:kế\s+hoạch|chỉ\s+tiêu|mục\s+tiêu)" + _W,
                         re.IGNORECASE)
# "xây mới 2.111 căn nhà cho 1.701 hộ nghèo và 410 hộ cận nghèo": households supported.
_SUPPORTED_BEFORE = re.compile(
    r"(?:hỗ\s+trợ|xây|sửa\s+chữa|bàn\s+giao|trao|tặng|cấp)(?:[^,;.]|[.,](?=\d))*?cho\s+"
    r"(?:[\d.,]+\s+hộ\s+(?:cận\s+)?nghèo\s+(?:và|,)\s+)?$", re.IGNORECASE)
_SUPPORTED_DIRECT = re.compile(r"(?:hỗ\s+trợ|giúp\s+đỡ|trợ\s+giúp)(?:\s+(?:được|cho|thêm))?\s+$",
                               re.IGNORECASE)
# A target named after the figure that reaches it: "vượt chỉ tiêu đề ra (5%)".
_NAMED_TARGET_BEFORE = re.compile(
    r"(?:đạt|vượt|hoàn\s+thành)(?:\s+và\s+vượt)?\s+(?:các\s+)?(?:chỉ\s+tiêu|kế\s+hoạch|mục\s+tiêu)"
    r"[^,;.\d]{0,60}$", re.IGNORECASE)
# Counts that only size a list: "trong số 10 tỉnh", "10 tỉnh … giảm nhanh nhất".
_LIST_SIZE_BEFORE = re.compile(r"(?:trong\s+số|top|tốp)\s+$", re.IGNORECASE)
_LIST_SIZE_AFTER = re.compile(rf"[^;.]*?{_B}nhất{_W}", re.IGNORECASE)
# Zero in words.
_ZERO = starting_with(
    "vckx", rf"{_B}(?:(?P<q>(?:về\s+)?cơ\s+bản)\s+)?(?P<zero>không\s+còn|xó?a\s+hết|xoá\s+hết)\s+"
    r"(?P<noun>hộ\s+(?:cận\s+)?nghèo|huyện\s+nghèo|xã\s+nghèo)" + _W, re.IGNORECASE)


#: How far back before a figure its words are read (a sentence or clause can run on for pages
#: in a text without full stops; what says what a figure is stands close to it).
_LOOKBACK = 400


def _before(index: TextIndex, pos: int) -> tuple[int, int, int, int]:
    """(sentence start, sentence end, clause start, clause end) around `pos`, the starts no
    further back than `_LOOKBACK`."""
    sent, sent_end = index.sentence(pos)
    clause_start, clause_end = index.clause(pos)
    lo = pos - _LOOKBACK
    return max(sent, lo), sent_end, max(clause_start, lo), clause_end


@dataclass(frozen=True)
class _Cue:
    start: int
    end: int
    subject: str
    counted: bool  # "số hộ nghèo": the number of, not the rate


def _subject_cues(text: str) -> list[_Cue]:
    cues = []
    for m in _SUBJECT_RE.finditer(text):
        before = text[max(0, m.start() - 25):m.start()]
        if _NOT_SUBJECT_BEFORE.search(before):
            continue
        counted = bool(re.search(r"(?<![\wÀ-ỹ])số\s+$", before, re.IGNORECASE))
        cues.append(_Cue(m.start(), m.end(), m.lastgroup or "", counted))
    return cues


class _Subjects:
    """Subject cues looked up by position."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.cues = _subject_cues(text)
        self.starts = [c.start for c in self.cues]
        self.ends = [c.end for c in self.cues]

    def _last_before(self, pos: int, lo: int) -> _Cue | None:
        i = bisect_left(self.ends, pos + 1) - 1
        return self.cues[i] if i >= 0 and self.cues[i].start >= lo else None

    def of(self, n: NumberMatch, end: int, noun_start: int | None, index: TextIndex
           ) -> _Cue | None:
        """The figure's subject: its noun phrase ("hộ cận nghèo"), then the nearest cue earlier
        in the sentence, later in the sentence, earlier in the paragraph. The denominator of
        "612 hộ nghèo/41.280 hộ" has only its own noun phrase."""
        anchor = noun_start if noun_start is not None else end
        i = bisect_left(self.starts, anchor)
        if i < len(self.cues):
            c = self.cues[i]
            if c.start <= anchor + 12 and not re.search(r"[,;.()\d]", self.text[anchor:c.start]):
                return c
        if self.text[max(0, n.start - 1):n.start] == "/":
            return None
        para = index.line(n.start)[0]
        sent, sent_end = index.sentence(n.start)
        before = self._last_before(n.start, sent)
        if before:
            return before
        i = bisect_left(self.starts, end)
        if i < len(self.cues) and self.cues[i].end <= sent_end:
            return self.cues[i]
        return (self._last_before(sent, para) or self._list_intro(para, index)
                or self._parallel(para, index))

    def _parallel(self, line_start: int, index: TextIndex) -> _Cue | None:
        """The subject of the line before when both open alike with a label and a colon
        ("Huyện Tủa Chùa: năm 2022 còn 45,6% hộ nghèo; …" above "Huyện Mường Nhé: …")."""
        if not line_start or not _LABEL_LINE.match(self.text, line_start):
            return None
        start, end = index.line(line_start - 1)
        while start and not self.text[start:end].strip():
            start, end = index.line(start - 1)
        if not _LABEL_LINE.match(self.text, start):
            return None
        return self._last_before(end, start)

    def _list_intro(self, line_start: int, index: TextIndex) -> _Cue | None:
        """The subject of the lines a list hangs from: "Tỷ lệ hộ nghèo qua các năm:" above
        "Năm 2021: 8,5%" — back over lines with no closing full stop, up to the one ending
        in a colon."""
        for _ in range(30):
            if not line_start:
                return None
            start, end = index.line(line_start - 1)
            line = self.text[start:end].rstrip()
            if not line or line[-1] in ".!?…;":
                return None
            cue = self._last_before(end, start)
            if line.endswith(":"):
                return cue
            if cue is not None:
                return None
            line_start = start
        return None


def _phrase_after(text: str, end: int, sent_end: int) -> str:
    """The words right after a figure, up to the next comma, semicolon, stop or bracket (at
    most 40 characters)."""
    return re.split(r"[,;.()]", text[end:min(sent_end, end + 80)], maxsplit=1)[0][:40]


def _first(patterns: Sequence[tuple[str, str]], text: str) -> str | None:
    for pattern, name in patterns:
        if re.search(pattern, text, re.IGNORECASE):
            return name
    return None


def _nearest(patterns: Sequence[tuple[str, str]], text: str) -> str | None:
    """Name of the pattern matched last in `text` (the cue closest before a figure)."""
    best: tuple[int, str] | None = None
    for pattern, name in patterns:
        for m in re.finditer(pattern, text, re.IGNORECASE):
            if best is None or m.end() > best[0]:
                best = (m.end(), name)
    return best[1] if best else None


def _unit_and_scale(n: NumberMatch, text: str, sent: int) -> tuple[str | None, float, int,
                                                                    int | None]:
    """(unit, divisor, end of quote, start of the counted noun) of one amount."""
    if n.unit is not None:
        if n.unit.startswith("vnd"):
            rest = n.unit[3:]
            if rest:
                return "million_vnd" + rest, 1e6, n.end, None
            big = n.value >= 1e9
            return ("billion_vnd" if big else "million_vnd"), (1e9 if big else 1e6), n.end, None
        if n.unit.startswith("usd"):
            big = n.value >= 1e6 and not n.unit[3:]
            return ("million_usd" + n.unit[3:] if big else n.unit), (1e6 if big else 1.0), \
                n.end, None
        return n.unit, 1.0, n.end, None
    m = _NOUN_RE.match(text, n.end)
    if m:
        unit = _NOUNS[int((m.lastgroup or "n0")[1:])][1]
        return unit, 1.0, m.end(), m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
    if n.kind == "fraction":  # "1/2 số hộ nghèo", "hơn một nửa": a share of a count
        share = _SHARE_OF_COUNT.match(text, n.end)
        if share or n.text.lower().endswith("nửa"):
            return "fraction", 1.0, n.end, share.end() if share else None
        return None, 1.0, n.end, None
    before = text[sent:n.start]
    if n.kind == "quantity" and n.scale >= 1e6 and _MONEY_CONTEXT.search(before):
        big = n.value >= 1e9
        return ("billion_vnd" if big else "million_vnd"), (1e9 if big else 1e6), n.end, None
    clause = before[before.rfind("(") + 1:]
    if (n.kind == "quantity" and n.value_max is None and n.value <= 100
            and re.search(r"tỷ\s+lệ", clause, re.IGNORECASE)
            and _RATE_IMPLIED_BEFORE.search(clause)):
        return "percent", 1.0, n.end, None  # "tỷ lệ … là 12,97" with the % sign left out
    m = _COUNT_IMPLIED.search(clause)
    if m and n.kind == "quantity":
        noun = _NOUN_RE.match(" " + m.group("noun"))
        unit = _NOUNS[int((noun.lastgroup or "n0")[1:])][1] if noun else None
        return unit, 1.0, n.end, None
    return None, 1.0, n.end, None


def _change(text: str, n: NumberMatch, clause_start: int, end: int) -> str | None:
    """"reduction" or "increase" when the figure is a change ("giảm 0,68%", "tăng 137 hộ"),
    None for a level ("giảm còn 3%", "giảm từ 5% xuống 3%")."""
    m = _CHANGE_BEFORE.search(text, clause_start, n.start)
    if not m:
        return None
    if m.group("from") and n.value_max is None and _FROM_TO_AFTER.match(text, end):
        return None
    return "reduction" if m.group("verb").lower() == "giảm" else "increase"


def _per_year(text: str, n: NumberMatch, clause_start: int, end: int) -> bool:
    """Whether a change is per year: "mỗi năm giảm", "giảm bình quân", "… hằng năm từ"."""
    m = _CHANGE_BEFORE.search(text, clause_start, n.start)
    lo = max(clause_start, (m.start() if m else n.start) - 20)
    return bool(_PER_YEAR.search(text, lo, n.start) or _PER_YEAR_AFTER.match(text, end))


def _rate_indicator(unit: str, cue: _Cue | None, n: NumberMatch, text: str, end: int,
                    index: TextIndex) -> tuple[str | None, str]:
    """(indicator, unit) of a figure written in percent (see the module docstring)."""
    sent, sent_end, clause_start, clause_end = _before(index, n.start)
    subject = cue.subject if cue else None
    before, after = text[sent:n.start], _phrase_after(text, end, sent_end)
    if _PLAN_AFTER.match(text, end):
        return "plan_achievement_rate", unit
    covered = _first(_OTHER_RATES, after)  # "100% hộ nghèo được cấp thẻ BHYT"
    if covered is not None:
        return covered, unit
    other = _first(_OTHER_RATES, text[clause_start:n.start])  # "đã giải ngân …, đạt 45%"
    if other is not None and (cue is None or cue.start < clause_start):
        return other, unit
    place = _PLACE_NOUN_AFTER.match(text, end)
    if place and re.search(_ESCAPED, text[end:clause_end], re.IGNORECASE):
        return f"{_PLACE_NOUN_UNITS[place.group('noun').lower()]}_escaped_poverty", unit
    chiem = _CHIEM_BEFORE.search(text, clause_start, n.start)
    if chiem and (_FUNDS_AFTER.match(text, end) or (
            _MONEY_CONTEXT.search(text, clause_start, n.start)
            and (cue is None or cue.start < clause_start))):
        return "budget_share", unit
    share = _SHARE_BASE.match(text, end)
    if share and subject in ("poor", "near_poor"):
        whole = "near_poor" if "cận" in share.group("sub").lower() else "poor"
        return f"{whole}_households_share", unit
    change = _change(text, n, clause_start, end)
    if change and unit == "percent" and _per_year(text, n, clause_start, end):
        unit = "percent_per_year"
    if unit == "percent_per_year" and change is None:
        change = "increase" if re.search(rf"{_B}tăng{_W}", text[clause_start:n.start],
                                         re.IGNORECASE) else "reduction"
    if subject is None:
        rate = _first(_OTHER_RATES, before)
        if rate is None:
            return None, unit
    elif subject == "poverty_reduction":
        return "poverty_rate_reduction", ("percentage_points" if unit == "percent" else unit)
    elif subject == "all_households":
        return None, unit
    elif change and cue is not None and cue.counted and subject in (
            "poor", "near_poor", "poor_and_near_poor"):
        return f"{_COUNT_INDICATORS['households'][subject]}_{change}", unit
    else:
        rate = _RATE_INDICATORS[subject]
    change = change or _rate_change_of_count(text, n, clause_start)
    if change:
        if unit == "percent":
            unit = "percentage_points"  # a difference of two rates
        if rate == "poor_household_rate":
            return f"poverty_rate_{change}", unit
        return f"{rate}_{change}", unit
    return rate, unit


def _rate_change_of_count(text: str, n: NumberMatch, clause_start: int) -> str | None:
    """"tăng 137 hộ so với đầu năm, chiếm tỷ lệ 0,04%": the change of a count as a share of all
    households is a change of the rate ("increase" / "reduction")."""
    m = re.search(rf"{_B}(giảm|tăng)(?:\s+(?:được|thêm|đi|tới))?\s+[\d.,]+\s+(?:hộ|người){_W}"
                  r"[^;()\d]{0,40}?,\s*chiếm\s+(?:tỷ\s+lệ\s+)?$",
                  text[clause_start:n.start], re.IGNORECASE)
    return None if m is None else ("reduction" if m.group(1).lower() == "giảm" else "increase")


def _indicator(unit: str, cue: _Cue | None, n: NumberMatch, text: str, end: int,
               index: TextIndex) -> tuple[str | None, str]:
    """(indicator, unit) of one figure; `unit` may change ("%" of a fall → percentage points,
    a count per year → households_per_year)."""
    if unit in ("percent", "percentage_points", "percent_per_year"):
        return _rate_indicator(unit, cue, n, text, end, index)
    subject = cue.subject if cue else None
    sent, sent_end, clause_start, clause_end = _before(index, n.start)
    sentence_before = text[sent:n.start]
    phrase_after = _phrase_after(text, end, sent_end)
    if unit == "fraction":
        change = _change(text, n, clause_start, end)
        if subject not in ("poor", "near_poor", "poor_and_near_poor"):
            return None, unit
        count = _COUNT_INDICATORS["households"][subject]
        return (f"{count}_{change}" if change else f"{count}_share"), unit
    if unit in _COUNT_INDICATORS:
        if subject is None or subject == "poverty_reduction":
            line = index.line(n.start)
            return (unit if _POVERTY_CONTEXT.search(text, line[0], sent_end) else None), unit
        indicator = _COUNT_INDICATORS[unit][subject]
        change = _change(text, n, clause_start, end)
        if change and subject in ("poor", "near_poor", "poor_and_near_poor"):
            if unit == "households" and _per_year(text, n, clause_start, end):
                unit = "households_per_year"
            return f"{indicator}_{change}", unit
        if (unit == "households" and subject in ("poor", "near_poor")
                and (_SUPPORTED_BEFORE.search(text, clause_start, n.start)
                     or _SUPPORTED_DIRECT.search(text, clause_start, n.start))):
            return f"{indicator}_supported", unit
        return indicator, unit
    if unit in _PLACE_UNITS:
        if _LIST_SIZE_BEFORE.search(text, max(0, n.start - 12), n.start) or (
                _LIST_SIZE_AFTER.match(text, end, clause_end)):
            return None, unit
        # its own words first ("14 huyện nghèo và 128 xã …"), else what the coordinated
        # counts share ("4/6 huyện và 35/110 xã thoát nghèo")
        own = re.split(r"\s+(?:và|cùng)\s+(?=\d)", phrase_after, maxsplit=1)[0]
        name = _first(_PLACE_QUALIFIERS, own) or _first(_PLACE_QUALIFIERS, phrase_after)
        return (name.format(u=unit) if name else unit), unit
    if "vnd" in unit or "usd" in unit:
        if _DISBURSED.search(text, clause_start, n.start):
            return "disbursed_funds", unit
        name = (_nearest(_MONEY_INDICATORS, sentence_before)
                or _first(_MONEY_INDICATORS, phrase_after) or "budget")
        if name == "income" and "_per_person" in unit:
            name = "income_per_capita"
        return name, unit
    if unit == "workers":
        return _first(((r"đào\s+tạo|học\s+nghề|dạy\s+nghề", "workers_trained"),
                       (r"xuất\s+khẩu\s+lao\s+động|nước\s+ngoài", "workers_sent_abroad"),
                       (r"việc\s+làm", "workers_employed")),
                      sentence_before + phrase_after) or unit, unit
    if unit == "houses":
        supported = re.search(r"hỗ\s+trợ|xây|sửa|bàn\s+giao|xóa\s+nhà|làm\s+nhà",
                              sentence_before + phrase_after, re.IGNORECASE)
        return ("houses_supported" if supported else unit), unit
    return unit, unit


def _kind(unit: str, indicator: str) -> str:
    """What a figure is, for reading its time: level, change, per_year or follow."""
    if unit.endswith("_per_year") and not ("vnd" in unit or "usd" in unit):
        return "per_year"
    if indicator == "plan_achievement_rate":
        return "follow"
    if indicator.endswith(("_reduction", "_increase")) or unit == "percentage_points":
        return "change"
    return "level"


@dataclass
class _Read:
    """One figure as read before its context: offsets, value, unit, indicator, qualifier."""

    start: int
    end: int
    value: float
    value_max: float
    unit: str
    indicator: str
    qualifier: str | None


def _read_amount(n: NumberMatch, text: str, index: TextIndex, subjects: _Subjects
                 ) -> _Read | None:
    """One amount of `find_numbers` as a figure, or None when it is not a claim."""
    sent = _before(index, n.num_start)[0]
    unit, divisor, end, noun_start = _unit_and_scale(n, text, sent)
    if unit is None:
        return None
    qualifier = n.qualifier
    post = re.compile(r"\s+(?:[\wÀ-ỹ]+\s+){0,3}?(trở\s+lên|trở\s+xuống)(?![\wÀ-ỹ])",
                      re.IGNORECASE).match(text, end)
    if post and qualifier is None and not re.search(r"[,;.]", post.group(0)):
        qualifier, end = post.group(1).lower(), post.end()
    cue = subjects.of(n, end, noun_start, index)
    indicator, unit = _indicator(unit, cue, n, text, end, index)
    if indicator is None:
        return None
    value, value_max = n.value / divisor, (n.value_max / divisor if n.value_max is not None
                                           else math.nan)
    if unit == "fraction" and n.denominator:
        value = n.value / n.denominator
    return _Read(n.start, end, value, value_max, unit, indicator, qualifier)


def _zeros(text: str) -> list[_Read]:
    """Zero written in words: "(cơ bản) không còn hộ nghèo", "xóa hết hộ nghèo"."""
    out = []
    for m in _ZERO.finditer(text):
        noun = re.sub(r"\s+", " ", m.group("noun").lower())
        unit, indicator = {"hộ nghèo": ("households", "poor_households"),
                           "hộ cận nghèo": ("households", "near_poor_households"),
                           "huyện nghèo": ("districts", "poor_districts"),
                           "xã nghèo": ("communes", "poor_communes")}[noun]
        qualifier = re.sub(r"\s+", " ", m.group("q").lower()) if m.group("q") else None
        out.append(_Read(m.start("zero"), m.end(), 0.0, math.nan, unit, indicator, qualifier))
    return out


def _named_targets(found: list[_Read], text: str, index: TextIndex) -> None:
    """A bare percentage named as the target of the change before it ("đã giảm 6,2% hộ nghèo,
    vượt chỉ tiêu đề ra (5%)") measures what that change measures."""
    for k in range(1, len(found)):
        r, before = found[k], found[k - 1]
        clause_start = index.clause(r.start)[0]
        if (r.unit == "percent" and before.start >= clause_start
                and before.unit in ("percentage_points", "percent_per_year")
                and _NAMED_TARGET_BEFORE.search(text, before.end, r.start)
                and not r.indicator.endswith(("_reduction", "_increase"))):
            r.unit, r.indicator = before.unit, before.indicator


def _inside(found: list[_Read], ends: list[int], z: _Read) -> bool:
    """Whether `z` overlaps one of `found` (in text order; `ends` their ends)."""
    i = bisect_left(ends, z.start + 1)
    return i < len(found) and found[i].start < z.end


def extract_claims(text: str, *, sections: Sequence[tuple[int, int, str]] = (),
                   present: int | None = None) -> pd.DataFrame:
    """One row per quantitative claim about poverty reduction in `text`
    (columns: `analysis.data.processed.CLAIM_COLUMNS`).

    `quote == text[start:end]`; `text[period_cue_start:period_cue_end]`,
    `text[base_cue_start:base_cue_end]` and `text[status_cue_start:status_cue_end]` are the
    words that set the claim's period, what a change is compared with, and its status (empty
    when none did). `sections` — (start, end, place) spans such as an article's
    province sections — give the place of a claim whose paragraph names none before it.
    `present` is the year the text was written ("năm nay", "đến nay"; a level dated later is a
    projection), when the caller knows it; else it is read from the text (its dateline, …).
    `text` may be in any Unicode form: it is read in NFC, and quotes and offsets (of sections
    too) index `text` itself.
    """
    if not isinstance(text, str):
        raise UserError(f"extract_claims needs the text itself, got {type(text).__name__}",
                        where="parameter text", fix="pass a str, e.g. article.masked_text()")
    norm = normalise(text)
    sections = [(norm.from_source(s), norm.from_source(e, end=True), place)
                for s, e, place in sections]
    rows = _claim_rows(norm.text, sections, present)
    if not norm.identity:
        _rows_in_source(rows, norm)
    return _frame(rows)


def _rows_in_source(rows: list[dict], norm: Normalised) -> None:
    """Claims read in `norm.text` pointed back at `norm.source`: offsets and quotes."""
    for row in rows:
        start, end = norm.source_span(row["start"], row["end"])
        row.update(start=start, end=end, quote=norm.source[start:end])
        for field in ("period", "base", "status"):
            if row[f"{field}_cue_start"] is not None:
                cue_start, cue_end = norm.source_span(row[f"{field}_cue_start"],
                                                      row[f"{field}_cue_end"])
                row.update({f"{field}_cue_start": cue_start, f"{field}_cue_end": cue_end})


def _claim_rows(text: str, sections: Sequence[tuple[int, int, str]], present: int | None
                ) -> list[dict]:
    """One dict per claim of a text in NFC (the columns of `extract_claims` but the ids)."""
    index = TextIndex(text)
    numbers = find_numbers(text)
    subjects = _Subjects(text)
    found = [r for n in numbers if n.kind in ("quantity", "fraction")
             if (r := _read_amount(n, text, index, subjects)) is not None]
    ends = [r.end for r in found]
    found += [z for z in _zeros(text) if not _inside(found, ends, z)]
    found.sort(key=lambda r: r.start)
    _named_targets(found, text, index)
    figures = [Figure(r.start, r.end, r.value, r.unit, r.indicator, r.qualifier,
                      _kind(r.unit, r.indicator)) for r in found]
    contexts = read_context(text, index, numbers, figures, present)
    places = Places(text, index, sections)
    rows = []
    for r, c in zip(found, contexts, strict=True):
        indicator = found[c.restates].indicator if c.restates is not None else r.indicator
        rows.append({
            "quote": text[r.start:r.end], "start": r.start, "end": r.end, "value": r.value,
            "value_max": r.value_max, "unit": r.unit, "indicator": indicator,
            "period": c.period, "timepoint": c.timepoint, "status": c.status,
            "place": places.place(r.start), "qualifier": r.qualifier,
            **_cue("period", c.period_cue), **_cue("base", c.base_cue),
            **_cue("status", c.status_cue),
        })
    return rows


def _cue(field: str, span: tuple[int, int] | None) -> dict[str, int | None]:
    """The columns holding where `field` (period, base, status) was read from."""
    start, end = span if span is not None else (None, None)
    return {f"{field}_cue_start": start, f"{field}_cue_end": end}


def _frame(rows: list[dict]) -> pd.DataFrame:
    width = max(2, len(str(len(rows))))
    seen: dict[tuple, str] = {}
    for i, row in enumerate(rows, start=1):
        row["claim_id"] = f"c{i:0{width}d}"
        key = (row["indicator"], row["unit"], round(row["value"], 9),
               None if math.isnan(row["value_max"]) else round(row["value_max"], 9),
               row["period"], row["timepoint"], row["place"])
        row["same_as"] = seen.get(key)
        seen.setdefault(key, row["claim_id"])
    df = pd.DataFrame(rows, columns=CLAIM_COLUMNS)
    return df.astype(CLAIM_DTYPES)


def extract_article_claims(article: Article) -> pd.DataFrame:
    """Claims of an `Article`'s body (its `masked_text()`, so offsets index the raw page),
    placed in the province section they sit in unless their paragraph names another place
    first, read in the year the article was published."""
    sections = [(s.start, s.end, s.place) for s in article.sections]
    present = article.published.year if article.published is not None else None
    return extract_claims(article.masked_text(), sections=sections, present=present)
