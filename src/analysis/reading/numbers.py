"""Numbers as Vietnamese news prose writes them.

The numeral itself is parsed with Babel's ``vi`` locale: the dot groups thousands and the
comma marks decimals, so "10.271" is 10271 and "3,93" is 3.93. What Babel does not know about
is kept here: ranges ("4 - 5%", "2011 - 2015"), scale words (nghìn/ngàn, triệu, tỷ/tỉ, "nghìn
tỷ"), qualifiers before (hơn, gần, khoảng, trên, dưới, gần như, "tối thiểu là", …) and after
(trở lên, trở xuống), fractions ("6/11 huyện", "một nửa"), percentage points, "%/năm", money
per person per year, the typing slips "%%" and "điểm phẩn trăm" — and what only looks like a
quantity: dates, times, years, periods, decree numbers ("80/NQ-CP"), programme names
("Chương trình 135"), ordinals, version numbers ("4.0").

Decision on a bare "2.5": a dot followed by other than exactly three digits cannot be a
thousands separator, so it is read as an English-style decimal point (2.5) and the match is
flagged ``ambiguous=True`` (Babel's non-strict parse would silently return 25). Callers that
report figures should show or skip ambiguous matches rather than trust them. A bare integer of
four digits from 1900 to 2100 written without a separator is a year: Vietnamese news writes
counts from a thousand up with a dot ("2.019 hộ").
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache

from babel.numbers import NumberFormatError, parse_decimal

from analysis.errors import UserError
from analysis.reading.normal import Normalised, normalise
from analysis.reading.text import starting_with

#: What a match is. Only ``quantity`` and ``fraction`` are amounts.
KINDS = ("quantity", "fraction", "year", "period", "date", "time", "document", "ordinal",
         "version")

#: Qualifiers written before a number, longest first (matched case-insensitively).
QUALIFIERS_BEFORE = ("gần như", "chưa đến", "chưa tới", "không quá", "ít nhất", "tối thiểu",
                     "tối đa", "xấp xỉ", "khoảng", "gần", "hơn", "trên", "dưới")
#: Qualifiers written after a number (and its unit).
QUALIFIERS_AFTER = ("trở lên", "trở xuống")

SCALES = {"nghìn": 1e3, "ngàn": 1e3, "triệu": 1e6, "tỷ": 1e9, "tỉ": 1e9}

_L = r"A-Za-zÀ-ỹĐđ"  # Vietnamese letters (NFC)
# A numeral: dot-grouped thousands with an optional decimal comma, a decimal comma, an
# English-style decimal point (ambiguous), or digits.
_NUMERAL = (r"\d{1,3}(?:\.\d{3})+(?:,\d+)?(?![.,]?\d)"
            r"|\d+,\d+(?![.,]?\d)"
            r"|\d+\.\d+(?![.,]?\d)"
            r"|\d+(?![.,]?\d)")
_NUM_RE = re.compile(rf"(?<![\d{_L}])(?:{_NUMERAL})(?![{_L}\d])")
_SCALE_RE = re.compile(r"\s*(nghìn|ngàn|triệu|tỷ|tỉ)(?:\s+(tỷ|tỉ))?(?!\s*(?:lệ|trọng)\b)(?!\w)")
_RANGE_SEP = re.compile(r"\s*(?:%{1,2}\s*)?(?:[-–—]|\s(?:đến|tới)\s)\s*(?=\d)")
_PERCENT_RE = re.compile(
    r"\s*(?P<pct>%{1,2}|phần\s+trăm(?!\w))(?P<per>\s*/\s*năm|\s+(?:mỗi|một|/)\s*năm)?"
    r"|\s*(?P<pp>điểm\s+ph(?:ầ|(?P<slip>ẩ))n\s+trăm|điểm\s*%)")
_MONEY_RE = re.compile(
    r"\s*(?P<cur>đồng|VNĐ|VND|đ|USD)(?![\w])"
    r"(?:\s*/\s*(?P<per>người|hộ|khẩu|lao động)(?:\s*/\s*(?P<time1>năm|tháng))?"
    r"|\s*/\s*(?P<time2>năm|tháng))?", re.IGNORECASE)
# "tối thiểu là 75.000 tỷ đồng": the qualifier with "là" or "ở mức" between.
_QUAL_BEFORE_RE = re.compile(
    r"(?<![\w])(?P<q>" + "|".join(QUALIFIERS_BEFORE) + r")\s+(?:(?:là|ở\s+mức)\s+)?$",
    re.IGNORECASE)
# A share written in words: "một nửa" (a half).
_HALF_RE = re.compile(r"(?<![\w])một\s+nửa(?![\w])", re.IGNORECASE)
_QUAL_AFTER_RE = re.compile(r"\s+(?P<q>" + "|".join(QUALIFIERS_AFTER) + r")(?!\w)",
                            re.IGNORECASE)

# What looks like a number but is not an amount. Order matters: earlier wins.
_NOT_AMOUNTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("time", starting_with("GU", r"(?<!\d)\d{1,2}(?::\d{2}){1,2}(?!\d)|(?<!\d)\d{1,2}h\d{2}(?!\d)"
                                 r"|(?:GMT|UTC)\s*[+-]\s*\d{1,2}(?::?\d{2})?", other=r"\d")),
    ("document", starting_with("", r"(?<![\w/])\d+[a-z]?(?:/\d+)*/[A-ZĐ][\wĐđ]*(?:-[\wĐđ]+)*",
                               other=r"\d")),
    ("date", starting_with(
        "nsctđh",
        r"(?<![\d/.\-])\d{1,2}([/.\-])\d{1,2}\1(?:19|20)?\d{2}(?![\d/])"
        r"|(?i:ngày|sáng|chiều|tối|trưa|đêm|hôm)\s+\d{1,2}([/\-])\d{1,2}(?:\2\d{2,4})?(?![\d/])"
        r"|(?<![\d/])(?:0?[1-9]|1[0-2])/(?:19|20)\d{2}(?![\d/])"
        r"|(?i:ngày)\s+\d{1,2}\s+(?i:tháng)\s+\d{1,2}(?:\s+(?i:năm)\s+\d{4})?"
        r"|(?i:tháng)\s+\d{1,2}(?![\d/,.])", other=r"\d")),
    ("document", starting_with(
        "nqtcklvđ",
        r"(?i:nghị quyết|quyết định|nghị định|thông tư|chỉ thị|kết luận|công văn|chương trình"
        r"|đề án|luật|văn bản|kế hoạch)(?:\s+(?i:số))?\s+\d+[a-z]?(?![\d,.]\d)")),
    ("ordinal", starting_with("thk", r"(?i:thứ|hạng|khóa|khoá|kỳ họp thứ)\s+\d+(?![\d,.]\d)"
                                     r"|(?m:^[ \t]*\d{1,2}[.)](?=\s))", other=r"\d \t")),
    ("version", starting_with("ccpw", r"(?i:công nghệ|công nghiệp|cách mạng|phiên bản|web)"
                                      r"\s+\d+\.\d+")),
)


@dataclass(frozen=True)
class NumberMatch:
    """One number found in a text, with its offsets.

    ``text == source[start:end]`` covers qualifier, numeral(s), scale word and measure
    ("hơn 17 nghìn tỷ đồng", "4 - 5%", "3,93%", "6/11"); ``num_start``/``num_end`` cover the
    numeral(s) only. ``value`` is in base units (đồng, percent, a count) with the scale word
    applied; ``value_max`` is the upper end of a range; ``denominator`` the Y of "X/Y".
    ``unit`` is the measure written with the number: percent, percentage_points,
    percent_per_year, vnd, vnd_per_person_per_year, vnd_per_household_per_month, usd, … or
    None when a noun (hộ, xã, …) or nothing follows.
    """

    text: str
    start: int
    end: int
    num_start: int
    num_end: int
    value: float
    value_max: float | None = None
    denominator: float | None = None
    kind: str = "quantity"
    unit: str | None = None
    scale: float = 1.0
    qualifier: str | None = None
    ambiguous: bool = False
    typo: str | None = None  # e.g. "doubled %"


@lru_cache(maxsize=1 << 16)
def _numeral(s: str) -> tuple[float, bool]:
    """(value, ambiguous) of one numeral such as '10.271', '3,93', '2.5' (cached: long texts
    repeat the same numerals, and Babel's parse is the slowest step of reading a number)."""
    if re.fullmatch(r"\d+\.\d+", s) and not re.fullmatch(r"\d{1,3}(?:\.\d{3})+", s):
        return float(s), True  # English-style decimal point: see the module docstring
    try:
        value: Decimal = parse_decimal(s, locale="vi", strict=True)
    except NumberFormatError as e:
        raise UserError(f"{s!r} is not a Vietnamese number", where="parameter s",
                        fix="write it like 10.271 or 3,93") from e
    return float(value), False


def parse_number(s: str) -> float:
    """Value of one number as written in Vietnamese prose, in base units.

    "10.271" → 10271, "3,93%" → 3.93, "hơn 17 nghìn tỷ" → 1.7e13, "2.5" → 2.5 (ambiguous, see
    the module docstring). Anything else than exactly one number (a range, a date, words)
    raises `UserError`.
    """
    if not isinstance(s, str):
        raise UserError(f"expected a text such as '10.271', got {type(s).__name__}",
                        where="parameter s")
    stripped = s.strip()
    found = find_numbers(stripped)
    if (len(found) != 1 or found[0].kind != "quantity" or found[0].value_max is not None
            or found[0].start != 0 or found[0].end != len(stripped)):
        raise UserError(f"{s!r} is not a single Vietnamese number", where="parameter s",
                        fix="pass one number, e.g. '10.271', '3,93%' or '17 nghìn tỷ'")
    return found[0].value


class _Spans:
    """Non-overlapping (start, end, kind) spans, sorted, with a bisect lookup of the one that
    covers a position — so checking a number against every blocked span costs log n, not n."""

    def __init__(self, spans: list[tuple[int, int, str]]) -> None:
        self.spans = spans
        self._starts = [s for s, _e, _k in spans]

    def covering(self, pos: int) -> bool:
        """Whether a span holds `pos` (start <= pos < end)."""
        i = bisect_right(self._starts, pos) - 1
        return i >= 0 and pos < self.spans[i][1]

    def overlapping(self, start: int, end: int) -> bool:
        """Whether a span overlaps [start, end)."""
        i = bisect_right(self._starts, start) - 1
        if i >= 0 and start < self.spans[i][1]:
            return True
        return i + 1 < len(self.spans) and self.spans[i + 1][0] < end


def _blocked(text: str) -> _Spans:
    """What is not an amount; a later pattern's match that overlaps an earlier one is dropped."""
    taken = _Spans([])
    for kind, pattern in _NOT_AMOUNTS:
        new = [(m.start(), m.end(), kind) for m in pattern.finditer(text)
               if not taken.overlapping(m.start(), m.end())]
        taken = _Spans(sorted(taken.spans + new))
    return taken


def _scale_at(text: str, pos: int) -> tuple[float, int]:
    m = _SCALE_RE.match(text, pos)
    if not m:
        return 1.0, pos
    scale = SCALES[m.group(1).lower()] * (SCALES[m.group(2).lower()] if m.group(2) else 1.0)
    return scale, m.end()


def _measure_at(text: str, pos: int) -> tuple[str | None, int, str | None]:
    """(unit, end, typo) of a measure written right after a number."""
    m = _PERCENT_RE.match(text, pos)
    if m:
        if m.group("pp"):
            return "percentage_points", m.end(), ("điểm phẩn trăm" if m.group("slip") else None)
        typo = "doubled %" if m.group("pct") == "%%" else None
        return ("percent_per_year" if m.group("per") else "percent"), m.end(), typo
    m = _MONEY_RE.match(text, pos)
    if m:
        cur = "usd" if m.group("cur").upper() == "USD" else "vnd"
        per, time = m.group("per"), m.group("time1") or m.group("time2")
        unit = cur
        if per:
            unit += "_per_" + {"người": "person", "hộ": "household", "khẩu": "person",
                               "lao động": "worker"}[per.lower()]
        if time:
            unit += "_per_" + {"năm": "year", "tháng": "month"}[time.lower()]
        return unit, m.end(), None
    return None, pos, None


def _is_year(token: str) -> bool:
    return bool(re.fullmatch(r"\d{4}", token)) and 1900 <= int(token) <= 2100


def find_numbers(text: str) -> list[NumberMatch]:
    """Every number in `text`, in order, each with its kind (see `KINDS`) and offsets.

    Amounts are ``kind == "quantity"`` (or ``"fraction"``); years and periods are reported so
    callers can date claims; dates, times, document numbers, ordinals and versions are
    reported so callers can see why they are not amounts. `text` may be in any Unicode form:
    it is read in NFC and every match's offsets and text index `text` itself.
    """
    norm = normalise(text)
    found = _find_numbers(norm.text)
    return found if norm.identity else [_in_source(n, norm) for n in found]


def _in_source(n: NumberMatch, norm: Normalised) -> NumberMatch:
    """`n`, read in `norm.text`, with its offsets and text in `norm.source`."""
    start, end = norm.source_span(n.start, n.end)
    return replace(n, text=norm.source[start:end], start=start, end=end,
                   num_start=norm.to_source(n.num_start),
                   num_end=norm.to_source(n.num_end, end=True))


def _find_numbers(text: str) -> list[NumberMatch]:
    """`find_numbers` on a text already in NFC."""
    blocked = _blocked(text)
    out: list[NumberMatch] = [
        NumberMatch(text[s:e], s, e, s, e, float("nan"), kind=kind) for s, e, kind in blocked.spans]
    pos = 0
    for m in _NUM_RE.finditer(text):
        if m.start() < pos or blocked.covering(m.start()):
            continue
        out_match = _read_amount(text, m, blocked)
        out.append(out_match)
        pos = out_match.end
    taken = _Spans(sorted((n.start, n.end, n.kind) for n in out))
    for m in _HALF_RE.finditer(text):
        if not taken.overlapping(m.start(), m.end()):
            out.append(_half(text, m))
    return sorted(out, key=lambda n: n.start)


def _half(text: str, m: re.Match[str]) -> NumberMatch:
    """"một nửa" as the fraction 1/2, with a qualifier written before it ("hơn một nửa")."""
    qualifier, start = None, m.start()
    q = _QUAL_BEFORE_RE.search(text, max(0, start - 20), start)
    if q:
        qualifier, start = q.group("q").lower(), q.start()
    return NumberMatch(text[start:m.end()], start, m.end(), m.start(), m.end(), 1.0,
                       denominator=2.0, kind="fraction", qualifier=qualifier)


def _read_amount(text: str, m: re.Match[str], blocked: _Spans) -> NumberMatch:
    a_tok = m.group(0)
    a, ambiguous = _numeral(a_tok)
    end = m.end()
    kind, value_max, denominator, unit, typo, scale = "quantity", None, None, None, None, 1.0

    frac = re.compile(rf"/({_NUMERAL})(?![{_L}\d/])").match(text, end)
    if frac:  # X/Y (dates and document numbers were taken out before)
        b, amb_b = _numeral(frac.group(1))
        kind, denominator, end, ambiguous = "fraction", b, frac.end(), ambiguous or amb_b
    else:
        scale, end = _scale_at(text, end)
        sep = _RANGE_SEP.match(text, end)
        b_match = _NUM_RE.match(text, sep.end()) if sep else None
        if b_match and not blocked.covering(b_match.start()):
            b, amb_b = _numeral(b_match.group(0))
            both_years = _is_year(a_tok) and _is_year(b_match.group(0))
            if b > a and (both_years or not _is_year(a_tok)):
                ambiguous = ambiguous or amb_b
                if both_years:
                    kind, value_max, end = "period", b, b_match.end()
                else:  # "4 - 5 triệu": a scale after the range applies to both ends
                    b_scale, end = _scale_at(text, b_match.end())
                    scale, value_max = (scale if scale != 1.0 else b_scale), b * b_scale
    num_end = end
    if kind == "quantity":
        a *= scale
        unit, end, typo = _measure_at(text, end)
        if value_max is None and scale == 1.0 and unit is None and _is_year(a_tok):
            kind = "year"
    qualifier, start = None, m.start()
    if kind in ("quantity", "fraction"):
        q = _QUAL_BEFORE_RE.search(text, max(0, start - 20), start)
        if q:
            qualifier, start = q.group("q").lower(), q.start()
        post = _QUAL_AFTER_RE.match(text, end)
        if post:
            qualifier, end = post.group("q").lower(), post.end()
    return NumberMatch(text[start:end], start, end, m.start(), num_end, a, value_max,
                       denominator, kind, unit, scale, qualifier, ambiguous, typo)
