"""Quantitative claims about poverty reduction, read from Vietnamese prose.

`extract_claims` turns every amount that `analysis.reading.numbers.find_numbers` finds into a claim
when it has a unit (written: "%", "điểm phần trăm", "đồng"; or a counted noun: hộ, người, xã,
huyện, thôn, …; or implied: "tỷ lệ … là 12,97") and an indicator can be read from the words
around it (hộ nghèo, cận nghèo, thoát nghèo, tái nghèo, nghèo phát sinh, kinh phí, …). Dates,
times, decree numbers, ordinals, years and periods never become claims, and neither does a
number whose noun is not a measured thing ("5 kinh nghiệm", "05 năm").

Context is read the way a reader would: the indicator from the noun phrase, then the nearest
cue earlier in the sentence, later in the sentence, then earlier in the paragraph; the period
from a year written right after the number, else the nearest earlier one in the sentence, then
in the paragraph ("so với giai đoạn 2006 - 2010" is a comparison base, not the period); status
from the nearest cue earlier in the clause (dự ước/dự kiến/ước đạt → estimate; phấn đấu/mục
tiêu/chỉ tiêu/… trở lên → target; else actual); place from the paragraph (district, province,
"cả nước"), else the section the claim sits in, else the nearest earlier province mention.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd

from analysis.data.processed import CLAIM_COLUMNS, CLAIM_DTYPES
from analysis.data.provinces import find_provinces
from analysis.errors import UserError
from analysis.reading.article import Article
from analysis.reading.normal import Normalised, normalise
from analysis.reading.numbers import NumberMatch, find_numbers

_T = TypeVar("_T", "_TimeRef", "_Cue")


_W = r"(?![\wÀ-ỹ])"
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

# Who or what a figure is about, most specific first.
_SUBJECTS: tuple[tuple[str, str], ...] = (
    ("re_and_new_poor", r"tái\s+nghèo\s+và\s+(?:hộ\s+)?(?:nghèo\s+)?phát\s+sinh(?:\s+mới)?"
                        r"|tái\s+nghèo\s+và\s+(?:hộ\s+)?nghèo\s+mới"),
    ("new_poor", r"(?:hộ\s+)?nghèo\s+phát\s+sinh(?:\s+mới)?|phát\s+sinh\s+(?:hộ\s+)?nghèo"
                 r"(?:\s+mới)?|hộ\s+nghèo\s+mới"),
    ("re_poor", r"tái\s+nghèo"),
    ("near_poor", r"cận\s+nghèo"),
    ("escaped", r"thoát\s+(?:khỏi\s+)?nghèo|vượt\s+(?:qua\s+)?(?:ngưỡng\s+)?nghèo"
                r"|ra\s+khỏi\s+(?:danh\s+sách\s+)?(?:hộ\s+)?nghèo"),
    ("poor", r"hộ\s+(?:gia\s+đình\s+)?(?:đồng\s+bào\s+)?(?:dân\s+tộc\s+thiểu\s+số\s+)?nghèo"
             r"|người\s+nghèo|nhân\s+khẩu\s+nghèo|tỷ\s+lệ\s+nghèo"),
)
_SUBJECT_RE = re.compile("|".join(f"(?P<{k}>{p})" for k, p in _SUBJECTS) + _W, re.IGNORECASE)
# A cue right after these words is a denominator or comparison, not the subject.
_NOT_SUBJECT_BEFORE = re.compile(r"(?:so\s+với|trong|trên)\s+(?:tổng\s+)?(?:số\s+)?$",
                                 re.IGNORECASE)

_COUNT_INDICATORS = {
    "households": {"poor": "poor_households", "near_poor": "near_poor_households",
                   "escaped": "households_escaped_poverty", "re_poor": "re_poor_households",
                   "new_poor": "new_poor_households",
                   "re_and_new_poor": "re_and_new_poor_households"},
    "persons": {"poor": "poor_persons", "near_poor": "near_poor_persons",
                "escaped": "persons_escaped_poverty", "re_poor": "re_poor_persons",
                "new_poor": "new_poor_persons", "re_and_new_poor": "re_and_new_poor_persons"},
}
_RATE_INDICATORS = {"poor": "poor_household_rate", "near_poor": "near_poor_household_rate",
                    "escaped": "poverty_exit_rate", "re_poor": "re_poverty_share",
                    "new_poor": "new_poverty_share", "re_and_new_poor": "re_poverty_share"}
# Percentages with no poverty subject that still belong to poverty-reduction reporting.
_OTHER_RATES: tuple[tuple[str, str], ...] = (
    (r"bảo\s+hiểm\s+y\s+tế|BHYT", "health_insurance_coverage"),
    (r"qua\s+đào\s+tạo", "trained_worker_rate"),
    (r"nước\s+sạch|nước\s+hợp\s+vệ\s+sinh", "clean_water_access"),
    (r"giải\s+ngân", "disbursement_rate"),
)
# Words around places, workers, houses and money that name the indicator.
_PLACE_UNITS = ("communes", "districts", "villages", "provinces")
_PLACE_QUALIFIERS: tuple[tuple[str, str], ...] = (
    (r"đặc\s+biệt\s+khó\s+khăn", "extremely_difficult_{u}"),
    (r"thoát\s+(?:khỏi\s+)?(?:nghèo|diện|tình\s+trạng)|ra\s+khỏi", "{u}_escaped_poverty"),
    (r"nông\s+thôn\s+mới", "{u}_new_rural_standard"),
    (r"nghèo", "poor_{u}"),
)
_MONEY_INDICATORS: tuple[tuple[str, str], ...] = (
    (r"chuẩn\s+nghèo", "poverty_line"),
    (r"thu\s+nhập", "income"),
    (r"cho\s+vay|vay\s+vốn|dư\s+nợ|tín\s+dụng", "preferential_credit"),
    (r"kinh\s+phí|ngân\s+sách|vốn|huy\s+động|đầu\s+tư|hỗ\s+trợ", "budget"),
)
_MONEY_CONTEXT = re.compile(r"vốn|kinh\s+phí|ngân\s+sách|đầu\s+tư|cho\s+vay|dư\s+nợ|hỗ\s+trợ"
                            r"|huy\s+động|giải\s+ngân|nguồn\s+lực", re.IGNORECASE)
_POVERTY_CONTEXT = re.compile(r"nghèo|an\s+sinh|khó\s+khăn|đói", re.IGNORECASE)

# "giảm 0,68%", "giảm bình quân 1,5%", "giảm tỷ lệ hộ nghèo 2%", "giảm … từ 1 - 1,5%": a change;
# "giảm còn 3%", "giảm từ 5% xuống 3%": levels.
_CHANGE_BEFORE = re.compile(
    r"(?<![\wÀ-ỹ])(?P<verb>giảm|tăng)(?:\s+(?:được|thêm|bình\s+quân|trung\s+bình|mỗi\s+năm"
    r"|hằng\s+năm|hàng\s+năm|tỷ\s+lệ(?:\s+hộ)?(?:\s+cận)?\s+nghèo))*"
    r"(?P<from>\s+từ)?\s*$", re.IGNORECASE)
_PER_YEAR = re.compile(r"mỗi\s+năm|hằng\s+năm|hàng\s+năm|bình\s+quân|/năm", re.IGNORECASE)
_RATE_IMPLIED_BEFORE = re.compile(r"(?:là|còn|chiếm|đạt|ở\s+mức|xuống|bằng|từ)\s*$",
                                  re.IGNORECASE)
_COUNT_IMPLIED = re.compile(
    r"(?:tổng\s+)?số\s+(?P<noun>hộ|người|nhân\s+khẩu|lao\s+động|xã|huyện|thôn)(?![\wÀ-ỹ])"
    r"[^.;!?\d]{0,60}?(?:là|còn|có|đạt|:)\s*$", re.IGNORECASE)

_STATUS_RE = re.compile(
    r"(?P<estimate>dự\s+ước|ước\s+(?:đạt|tính|thực\s+hiện|cả\s+năm|khoảng)|dự\s+kiến"
    r"|(?<![\wÀ-ỹ])ước\s+(?=(?:cuối|hết|năm|đến|còn|giảm)(?![\wÀ-ỹ])))"
    r"|(?P<target>phấn\s+đấu|mục\s+tiêu|chỉ\s+tiêu|kế\s+hoạch\s+(?:đề\s+ra|đặt\s+ra|năm|đến|giảm)"
    r"|phải\s+(?:giảm|đạt)|sẽ\s+(?:giảm|đạt|còn))"
    r"|(?P<actual>(?<![\wÀ-ỹ])đã(?![\wÀ-ỹ])|kết\s+quả|thực\s+tế)", re.IGNORECASE)
# "đạt chỉ tiêu", "thực hiện mục tiêu": a target named, not a target figure.
_NOT_TARGET_BEFORE = re.compile(r"(?:đạt|vượt|hoàn\s+thành|thực\s+hiện|theo|của)\s+$",
                                re.IGNORECASE)

_NATIONAL_RE = re.compile(r"(?<![\wÀ-ỹ])(?:cả\s+nước|toàn\s+quốc|Việt\s+Nam|nước\s+ta)"
                          r"(?![\wÀ-ỹ])", re.IGNORECASE)
_UPPER = "A-ZĐÂĂÊÔƠƯÁÀẢÃẠẤẦẨẪẬẮẰẲẴẶÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴ"
_DISTRICT_RE = re.compile(
    rf"(?<![\wÀ-ỹ])(?i:huyện|thị\s+xã|thành\s+phố)\s+[{_UPPER}][\wÀ-ỹ]*(?:\s+[{_UPPER}][\wÀ-ỹ]*)*")


# Words that start another statement between a figure and a later year.
_GAP_STOP = re.compile(r"(?<![\wÀ-ỹ])(?:và|còn|dự|ước|xuống|giảm|tăng|so|đạt|chiếm)(?![\wÀ-ỹ])",
                       re.IGNORECASE)


@dataclass(frozen=True)
class _TimeRef:
    start: int
    end: int
    period: str
    timepoint: str | None
    comparison: bool


def _sentence_starts(text: str) -> list[int]:
    starts = {0}
    for m in re.finditer(r"\n|[.!?…]+[\"”')\]]*[ \t]+", text):
        nxt = text[m.end():m.end() + 2]
        if m.group(0) == "\n" or (nxt and (nxt[0].isupper() or nxt[0] in "\"“(")):
            starts.add(m.end())
    return sorted(starts)


def _bounds(text: str, starts: list[int], pos: int) -> tuple[int, int, int]:
    """(paragraph start, sentence start, sentence end) around `pos`."""
    para = text.rfind("\n", 0, pos) + 1
    sent = max([s for s in starts if s <= pos] + [para])
    nxt = [s for s in starts if s > pos]
    return para, sent, (nxt[0] if nxt else len(text))


def _time_refs(text: str, numbers: list[NumberMatch]) -> list[_TimeRef]:
    refs = []
    for n in numbers:
        if n.kind not in ("year", "period"):
            continue
        before = text[max(0, n.start - 40):n.start]
        if n.kind == "period":
            period = f"{int(n.value)}-{int(n.value_max or n.value)}"
            timepoint: str | None = "period"
            m = re.search(r"(?:giai\s+đoạn|thời\s+kỳ|nhiệm\s+kỳ|từ|trong)\s+(?:năm\s+)?$",
                          before, re.IGNORECASE)
        else:
            period, timepoint = str(int(n.value)), None
            m = re.search(r"(?:(?P<end>cuối|hết|đến\s+(?:hết\s+|cuối\s+)?)|(?P<start>đầu))?"
                          r"\s*(?:năm|vào|trong)?\s*$", before, re.IGNORECASE)
            if m and m.group("end"):
                timepoint = "end_of_year"
            elif m and m.group("start"):
                timepoint = "start_of_year"
        start = n.start - (len(m.group(0)) if m else 0)
        comparison = bool(re.search(
            r"so\s+với\s+(?:cùng\s+kỳ\s+)?(?:(?:năm|giai\s+đoạn|thời\s+kỳ|cuối\s+năm"
            r"|đầu\s+năm)\s+)?$", before, re.IGNORECASE))
        refs.append(_TimeRef(start, n.end, period, timepoint, comparison))
    return refs


def _nearest_before(items: Sequence[_T], pos: int, lo: int) -> _T | None:
    found = [it for it in items if lo <= it.start and it.end <= pos]
    return max(found, key=lambda it: it.end) if found else None


def _period(text: str, refs: list[_TimeRef], start: int, end: int, para: int, sent: int,
            sent_end: int) -> tuple[str | None, str | None]:
    current = None
    for r in refs:  # a year after the figure in its clause: "5% năm 2019", "… trong năm 2020"
        gap = text[end:r.start]
        if r.start >= end and not r.comparison and (
                (len(gap) <= 20 and re.fullmatch(r"[\s(,]*(?:vào|trong|tính\s+đến|đến)?\s*", gap))
                or (len(gap) <= 40 and re.search(r"(?:trong|vào|của|tính\s+đến)\s*$", gap)
                    and not re.search(r"[,;.()\d]", gap) and not _GAP_STOP.search(gap))):
            current = r
            break
    plain = [r for r in refs if not r.comparison]
    current = (current or _nearest_before(plain, start, sent)
               or _nearest_before(plain, start, para))
    base = next((r for r in refs if r.comparison and end <= r.start < sent_end
                 and r.start - end <= 60 and not re.search(r"\d", text[end:r.start])), None)
    if current is None:
        return (base.period, base.timepoint) if base else (None, None)
    if base is not None:
        return f"{current.period} vs {base.period}", "period"
    return current.period, current.timepoint


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


def _subject(cues: list[_Cue], start: int, end: int, noun_start: int | None, para: int,
             sent: int, sent_end: int, text: str) -> _Cue | None:
    # 1. the noun phrase itself: "hộ cận nghèo", "hộ thoát nghèo", "% hộ nghèo"
    anchor = noun_start if noun_start is not None else end
    for c in cues:
        if anchor <= c.start <= anchor + 12 and not re.search(r"[,;.()\d]", text[anchor:c.start]):
            return c
    # 2. earlier in the sentence, 3. later in the sentence, 4. earlier in the paragraph
    before = _nearest_before(cues, start, sent)
    if before:
        return before
    after = [c for c in cues if end <= c.start and c.end <= sent_end]
    if after:
        return after[0]
    return _nearest_before(cues, sent, para)


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


def _status(text: str, start: int, sent: int, qualifier: str | None) -> str:
    lo = max(sent, text.rfind(";", sent, start) + 1)
    found = None
    for m in _STATUS_RE.finditer(text, lo, start):
        if m.lastgroup == "target" and _NOT_TARGET_BEFORE.search(text[max(0, m.start() - 15):
                                                                       m.start()]):
            continue
        found = m.lastgroup
    if qualifier in ("trở lên", "trở xuống") and found != "estimate":
        return "target"
    return found if found in ("estimate", "target") else "actual"


def _places(text: str) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
    """(province mentions, sentence-level mentions: provinces, districts, national)."""
    provinces = [(s, e, name) for name, s, e in find_provinces(text)]
    local = list(provinces)
    for m in _DISTRICT_RE.finditer(text):
        if not any(s < m.end() and m.start() < e for s, e, _ in provinces):
            name = re.sub(r"\s+", " ", m.group(0))
            local.append((m.start(), m.end(), name[0].lower() + name[1:]))
    for m in _NATIONAL_RE.finditer(text):
        local.append((m.start(), m.end(), "Việt Nam"))
    return provinces, sorted(local)


def _place(start: int, para: int, provinces: list, local: list,
           sections: Sequence[tuple[int, int, str]]) -> str | None:
    in_paragraph = [p for p in local if para <= p[0] and p[1] <= start]
    if in_paragraph:
        return max(in_paragraph, key=lambda p: p[1])[2]
    for s, e, place in sections:
        if s <= start < e:
            return place
    earlier = [p for p in provinces if p[1] <= start]
    return max(earlier, key=lambda p: p[1])[2] if earlier else None


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


def _indicator(unit: str, cue: _Cue | None, n: NumberMatch, text: str, end: int, sent: int,
               sent_end: int) -> tuple[str | None, str]:
    """(indicator, unit) — a fall of a rate written with % becomes percentage points."""
    subject = cue.subject if cue else None
    sentence_before = text[sent:n.start]
    phrase_after = re.split(r"[,;.()]", text[end:sent_end], maxsplit=1)[0][:40]
    if unit in ("percent", "percentage_points", "percent_per_year"):
        change = _CHANGE_BEFORE.search(sentence_before)
        if change and change.group("from") and n.value_max is None:
            change = None  # "giảm từ 5% xuống 3%"
        if change and _PER_YEAR.search(text[max(sent, n.start - len(change.group(0)) - 20):
                                            n.start]):
            unit = "percent_per_year"
        covered = _first(_OTHER_RATES, phrase_after)  # "100% hộ nghèo được cấp thẻ BHYT"
        if covered is not None:
            return covered, unit
        if subject is None:
            rate = _first(_OTHER_RATES, sentence_before)
            if rate is None:
                return None, unit
        elif change and cue is not None and cue.counted and subject in ("poor", "near_poor"):
            counted = _COUNT_INDICATORS["households"][subject]
            verb = "reduction" if change.group("verb").lower() == "giảm" else "increase"
            return f"{counted}_{verb}", unit
        else:
            rate = _RATE_INDICATORS[subject]
        if change:
            if unit == "percent":
                unit = "percentage_points"  # a difference of two rates
            verb = "reduction" if change.group("verb").lower() == "giảm" else "increase"
            if rate == "poor_household_rate":
                return f"poverty_rate_{verb}", unit
            return f"{rate}_{verb}", unit
        return rate, unit
    if unit in _COUNT_INDICATORS:
        if subject is None:
            return (unit if _POVERTY_CONTEXT.search(text[text.rfind("\n", 0, n.start) + 1:
                                                         sent_end]) else None), unit
        return _COUNT_INDICATORS[unit][subject], unit
    if unit in _PLACE_UNITS:
        name = _first(_PLACE_QUALIFIERS, phrase_after)
        return (name.format(u=unit) if name else unit), unit
    if "vnd" in unit or "usd" in unit:
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


def extract_claims(text: str, *, sections: Sequence[tuple[int, int, str]] = ()) -> pd.DataFrame:
    """One row per quantitative claim about poverty reduction in `text`
    (columns: `analysis.data.processed.CLAIM_COLUMNS`).

    `quote == text[start:end]`. `sections` — (start, end, place) spans such as an article's
    province sections — give the place of a claim whose paragraph names none before it.
    `text` may be in any Unicode form: it is read in NFC, and quotes and offsets (of sections
    too) index `text` itself.
    """
    if not isinstance(text, str):
        raise UserError(f"extract_claims needs the text itself, got {type(text).__name__}",
                        where="parameter text", fix="pass a str, e.g. article.masked_text()")
    norm = normalise(text)
    sections = [(norm.from_source(s), norm.from_source(e, end=True), place)
                for s, e, place in sections]
    rows = _claim_rows(norm.text, sections)
    if not norm.identity:
        _rows_in_source(rows, norm)
    return _frame(rows)


def _rows_in_source(rows: list[dict], norm: Normalised) -> None:
    """Claims read in `norm.text` pointed back at `norm.source`: offsets and quotes."""
    for row in rows:
        start, end = norm.source_span(row["start"], row["end"])
        row.update(start=start, end=end, quote=norm.source[start:end])


def _claim_rows(text: str, sections: Sequence[tuple[int, int, str]]) -> list[dict]:
    """One dict per claim of a text in NFC (the columns of `extract_claims` but the ids)."""
    numbers = find_numbers(text)
    refs = _time_refs(text, numbers)
    cues = _subject_cues(text)
    provinces, local = _places(text)
    starts = _sentence_starts(text)
    rows = []
    for n in numbers:
        if n.kind not in ("quantity", "fraction"):
            continue
        para, sent, sent_end = _bounds(text, starts, n.num_start)
        unit, divisor, end, noun_start = _unit_and_scale(n, text, sent)
        if unit is None:
            continue
        qualifier = n.qualifier
        post = re.compile(r"\s+(?:[\wÀ-ỹ]+\s+){0,3}?(trở\s+lên|trở\s+xuống)(?![\wÀ-ỹ])",
                          re.IGNORECASE).match(text, end)
        if post and qualifier is None and not re.search(r"[,;.]", post.group(0)):
            qualifier, end = post.group(1).lower(), post.end()
        cue = _subject(cues, n.start, end, noun_start, para, sent, sent_end, text)
        indicator, unit = _indicator(unit, cue, n, text, end, sent, sent_end)
        if indicator is None:
            continue
        period, timepoint = _period(text, refs, n.start, end, para, sent, sent_end)
        rows.append({
            "quote": text[n.start:end], "start": n.start, "end": end,
            "value": n.value / divisor,
            "value_max": n.value_max / divisor if n.value_max is not None else math.nan,
            "unit": unit, "indicator": indicator, "period": period, "timepoint": timepoint,
            "status": _status(text, n.start, sent, qualifier),
            "place": _place(n.start, para, provinces, local, sections),
            "qualifier": qualifier,
        })
    return rows


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
    placed in the province section they sit in unless their paragraph names another place first."""
    sections = [(s.start, s.end, s.place) for s in article.sections]
    return extract_claims(article.masked_text(), sections=sections)
