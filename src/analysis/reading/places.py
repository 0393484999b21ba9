"""Where a figure is about: the province, district, region or country the text names for it.

A figure's place is the nearest one named before it in its paragraph; failing that, the
province section it sits in (an article's "Phú Yên: 5 kinh nghiệm"); failing that, the first
place named by the nearest paragraph before it that names one; when nothing is named before it,
the first province (region, country) named after it; and in a text that names no place but the
country's bodies (the Government, the ministry, the national target programme), the country.
Places are provinces (the 63-province table), districts and cities ("huyện Bảo Thắng",
"thành phố Lào Cai", "T.P Thái Nguyên"), the six socio-economic regions (and the older "Tây
Bắc") and the country ("cả nước", "toàn quốc"); "toàn tỉnh" is the province named last before
it (the one named after it when none is before; none when the text names none). Two places
written together before a figure ("huyện Bảo Thắng và thành phố Lào Cai cơ bản không còn hộ
nghèo") are both its place.

What is not a place: the country as a yardstick ("cao nhất cả nước", "so với cả nước", "thứ
hai cả nước") and whatever a photo caption names.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from analysis.data.provinces import find_provinces
from analysis.reading.text import TextIndex, starting_with

_UPPER = "A-ZĐÂĂÊÔƠƯÁÀẢÃẠẤẦẨẪẬẮẰẲẴẶÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴ"
_B, _W = r"(?<![\wÀ-ỹ])", r"(?![\wÀ-ỹ])"
_DISTRICT = starting_with(
    "ht", rf"{_B}(?:(?i:huyện|thị\s+xã|thành\s+phố)|T\.\s?P\.?|TP\.?)\s+[{_UPPER}][\wÀ-ỹ]*"
    rf"(?:\s+[{_UPPER}][\wÀ-ỹ]*)*")
_CITY_PREFIX = re.compile(r"(?:thành\s+phố|T\.\s?P\.?|TP\.?)\s+", re.IGNORECASE)
#: Cities that are provinces themselves: "thành phố Hà Nội" is the province.
CENTRAL_CITIES = ("Hà Nội", "TP Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ")
_NATIONAL = starting_with("ctvn", rf"{_B}(?:cả\s+nước|toàn\s+quốc|Việt\s+Nam|nước\s+ta){_W}",
                          re.IGNORECASE)
# "toàn tỉnh", "cả huyện", and the bare word standing for the place ("…, tỉnh phấn đấu", "của
# tỉnh") — not "các tỉnh" or a name ("tỉnh Lào Cai").
_WHOLE = starting_with(
    "tch", rf"(?:{_B}(?i:toàn|cả)\s+|(?:[,.:]|{_B}của)\s+|^)"
    rf"(?P<level>(?i:tỉnh|huyện|thị\s+xã|thành\s+phố))(?!\s+[{_UPPER}]){_W}",
    re.MULTILINE, other=",.:")
# Who speaks for the country: a text naming no place but these is about the country.
_NATIONAL_BODIES = re.compile(
    r"Thủ\s+tướng|Chính\s+phủ|Quốc\s+hội|Bộ\s+L[ĐD]\s*-?\s*TB\s*(?:&|và)?\s*XH|Bộ\s+Lao\s+động"
    r"|ngân\s+sách\s+[Tt]rung\s+ương|[Mm]ục\s+tiêu\s+[Qq]uốc\s+gia")
_YARDSTICK = re.compile(r"(?:nhất|so(?:\s+với)?|thứ\s+[\wÀ-ỹ]+(?:\s+so\s+với)?)\s+(?:trong\s+)?$",
                        re.IGNORECASE)
#: The six socio-economic regions (and the older Tây Bắc), as the labels name them.
REGIONS: tuple[tuple[str, str], ...] = (
    ("Trung du và miền núi phía Bắc",
     r"trung\s+du\s+(?:và\s+)?miền\s+núi\s+(?:phía\s+)?bắc(?:\s+bộ)?"),
    ("Đồng bằng sông Hồng", r"đồng\s+bằng\s+sông\s+hồng"),
    ("Bắc Trung Bộ và duyên hải miền Trung",
     r"bắc\s+trung\s+bộ(?:\s+và\s+duyên\s+hải\s+(?:miền\s+trung|nam\s+trung\s+bộ))?"
     r"|duyên\s+hải\s+nam\s+trung\s+bộ"),
    ("Tây Nguyên", r"tây\s+nguyên"),
    ("Đông Nam Bộ", r"đông\s+nam\s+bộ"),
    ("Đồng bằng sông Cửu Long", r"đồng\s+bằng\s+sông\s+cửu\s+long|ĐBSCL"),
    ("Tây Bắc", r"(?<!phía\s)(?-i:Tây\s+Bắc)(?:\s+bộ)?"),
)
_REGION = starting_with("tđbd", "|".join(f"(?P<r{i}>{p})" for i, (_n, p) in enumerate(REGIONS))
                        + _W, re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    name: str


def mentions(text: str, index: TextIndex) -> list[Mention]:
    """Every place named in `text` outside captions, in order, overlaps resolved: a district or
    city before a province it contains, a region, the country (not as a yardstick)."""
    found: list[Mention] = []
    provinces = [Mention(s, e, name) for name, s, e in find_provinces(text)]
    starts = [p.start for p in provinces]
    replaced: set[int] = set()
    for m in _DISTRICT.finditer(text):
        name = re.sub(r"\s+", " ", m.group(0))
        city = _CITY_PREFIX.match(name)
        lo, hi = bisect_left(starts, m.start()), bisect_left(starts, m.end())
        inside = [k for k in range(lo, hi) if provinces[k].end <= m.end()]
        if inside and not (city and provinces[inside[0]].name not in CENTRAL_CITIES):
            continue
        replaced.update(inside)
        if city:
            name = "thành phố " + name[city.end():]
        found.append(Mention(m.start(), m.end(), name[0].lower() + name[1:]))
    found += [p for k, p in enumerate(provinces) if k not in replaced]
    for m in _REGION.finditer(text):
        name = REGIONS[int((m.lastgroup or "r0")[1:])][0]
        found.append(Mention(m.start(), m.end(), name))
    found += _whole(text, sorted(found, key=lambda p: p.start))
    for m in _NATIONAL.finditer(text):
        if not _YARDSTICK.search(text, max(0, m.start() - 30), m.start()):
            found.append(Mention(m.start(), m.end(), "Việt Nam"))
    return sorted((p for p in found if index.line_kind(p.start) != "caption"),
                  key=lambda p: p.start)


def _whole(text: str, named: list[Mention]) -> list[Mention]:
    """"toàn tỉnh", "toàn huyện", "cả thành phố": the province (district) named last before
    it — or, when none is, a mention with no name, so no place from further back is taken."""
    levels: dict[bool, list[Mention]] = {True: [], False: []}
    for p in named:
        levels[p.name[:1].islower()].append(p)  # districts are written "huyện …", "thành phố …"
    ends = {k: [p.end for p in v] for k, v in levels.items()}
    out = []
    for m in _WHOLE.finditer(text):
        district = m.group("level").lower() != "tỉnh"
        i = bisect_right(ends[district], m.start()) - 1
        if i < 0 and i + 1 < len(levels[district]):  # none named before: the one named after
            i += 1
        out.append(Mention(m.start(), m.end(), levels[district][i].name if i >= 0 else ""))
    return out


class Places:
    """The places of one text, looked up by position (see the module docstring)."""

    def __init__(self, text: str, index: TextIndex,
                 sections: Sequence[tuple[int, int, str]] = ()) -> None:
        self.text, self.index, self.sections = text, index, list(sections)
        self.mentions = mentions(text, index)
        self.ends = [p.end for p in self.mentions]
        self.national = bool(_NATIONAL_BODIES.search(text))

    def place(self, pos: int) -> str | None:
        """The place of a figure at `pos`."""
        line_start = self.index.line(pos)[0]
        i = bisect_right(self.ends, pos) - 1
        if i >= 0 and self.mentions[i].start >= line_start:
            return self._with_coordinated(i) or None
        for s, e, place in self.sections:
            if s <= pos < e:
                return place
        if i >= 0:
            start = self.index.line(self.mentions[i].start)[0]
            return self.mentions[bisect_left(self.ends, start + 1)].name or None
        if self.mentions:  # nothing named before: the province (region, country) named after
            return next((p.name for p in self.mentions if p.name and not p.name[0].islower()),
                        None)
        return "Việt Nam" if self.national else None

    def _with_coordinated(self, i: int) -> str:
        """A place and the one written right before it with "và" or a comma."""
        here = self.mentions[i]
        previous = self.mentions[i - 1] if i else None
        if (previous is not None and here.name and previous.name
                and re.fullmatch(r"\s*(?:,|và)\s*", self.text[previous.end:here.start])):
            return f"{previous.name}, {here.name}"
        return here.name
