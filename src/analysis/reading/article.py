"""The article itself, out of a saved web page.

A saved page carries the site's navigation, teasers of related stories, photo captions and
lists of other stories after the byline. `parse_article` keeps the article — headline,
dateline, lead, province sections, byline — as blocks that each know their character offsets
into the (NFC) page text, so every later number can point back to where it was read.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from analysis.data import paths
from analysis.data.provinces import find_provinces
from analysis.data.raw import read_article_text
from analysis.errors import UserError

#: Block kinds that belong to the article's own text.
BODY_KINDS = ("lead", "heading", "paragraph")


_DATELINE = re.compile(
    r"(?P<h>\d{1,2}):(?P<m>\d{2})\s*\|\s*(?P<d>\d{1,2})/(?P<mo>\d{1,2})/(?P<y>\d{4})"
    r"(?:\s*GMT(?P<tz>[+-]\d{1,2}))?"
)
# Where a news page's article ends and the site's lists begin.
_END_MARKERS = (
    "Bình luận", "Các tin bài khác", "Tin liên quan", "Đọc nhiều", "Tin cùng chuyên mục",
)
_BYLINE = re.compile(r"^(?:[A-ZĐÂĂÊÔƠƯ][\wÀ-ỹ.]*\s?){2,5}$")
_HEADING = re.compile(r"^(?P<place>[^:]{2,40}):\s+\S.{0,60}$")


@dataclass(frozen=True)
class Block:
    """One line-level piece of the page with its kind and offsets into `Article.text`."""

    kind: str  # dateline | headline | lead | heading | paragraph | caption | related | byline
    text: str
    start: int
    end: int
    place: str | None = None  # province of the section it sits in


@dataclass(frozen=True)
class Section:
    """A province section: its heading and the body blocks under it."""

    place: str
    heading: Block
    blocks: tuple[Block, ...]

    @property
    def start(self) -> int:
        return self.heading.start

    @property
    def end(self) -> int:
        return (self.blocks[-1] if self.blocks else self.heading).end


@dataclass(frozen=True)
class Article:
    """The article read from a page; `text` is the NFC page the offsets refer to."""

    text: str
    headline: Block
    lead: Block | None
    published: datetime | None
    byline: Block | None
    blocks: tuple[Block, ...]
    source: Path | None = None
    sections: tuple[Section, ...] = field(default=())

    @property
    def body_blocks(self) -> list[Block]:
        return [b for b in self.blocks if b.kind in BODY_KINDS]

    @property
    def body_text(self) -> str:
        """The article's own text, paragraphs separated by blank lines (for reading, counting)."""
        return "\n\n".join(b.text for b in self.body_blocks)

    @property
    def word_count(self) -> int:
        return len(re.findall(r"\w+", self.body_text))

    def masked_text(self) -> str:
        """The page text with everything that is not article body blanked out.

        Same length as `text`, newlines kept, so offsets found in it are offsets in the page.
        """
        chars = [c if c == "\n" else " " for c in self.text]
        for b in self.body_blocks:
            chars[b.start:b.end] = self.text[b.start:b.end]
        return "".join(chars)

    def to_frame(self) -> pd.DataFrame:
        """All blocks as a tidy table (kind, place, start, end, text)."""
        return pd.DataFrame(
            [(b.kind, b.place, b.start, b.end, b.text) for b in self.blocks],
            columns=["kind", "place", "start", "end", "text"],
        )


def _lines(text: str) -> list[tuple[str, int, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = pos + line.index(stripped)
            out.append((stripped, start, start + len(stripped)))
        pos += len(line) + 1
    return out


def _is_doubled(line: str) -> bool:
    """Teaser links repeat their title: 'T T'."""
    half = (len(line) - 1) // 2
    return len(line) % 2 == 1 and line[:half] == line[half + 1:] and line[half] == " "


def _words(s: str) -> int:
    return len(s.split())


def heading_place(line: str) -> str | None:
    """The province a short section heading such as 'Phú Yên: 5 kinh nghiệm' introduces."""
    m = _HEADING.match(line)
    if not m or _words(line) > 12:
        return None
    found = find_provinces(m.group("place"))
    return found[0][0] if found and found[0][1] == 0 else None


def parse_article(text: str, source: Path | None = None) -> Article:
    """Split a page's text into the article's blocks; chrome is kept but labelled."""
    text = unicodedata.normalize("NFC", text)
    lines = _lines(text)
    if not lines:
        raise UserError("no text in the article", where=str(source or "<text>"),
                        fix="pass the page's text")
    where = str(source or "<text>")

    # Dateline and headline: a news page prints the time, then the headline.
    published, i = None, 0
    for k, (line, _s, _e) in enumerate(lines[:15]):
        m = _DATELINE.search(line)
        if m:
            tz = timezone(timedelta(hours=int(m["tz"] or 7)))
            published = datetime(int(m["y"]), int(m["mo"]), int(m["d"]), int(m["h"]), int(m["m"]),
                                 tzinfo=tz)
            i = k + 1
            break
    blocks: list[Block] = []
    if published is not None:
        blocks.append(Block("dateline", *lines[i - 1]))
    if i >= len(lines):
        raise UserError("no article body found after the dateline", where=where,
                        fix="pass a page that contains the article's headline and text")
    headline = Block("headline", *lines[i])
    blocks.append(headline)

    # End of the article: the byline just before the site's own lists.
    end = len(lines)
    for k in range(i + 1, len(lines)):
        if lines[k][0] in _END_MARKERS:
            end = k
            break
    byline = None
    for k in range(end - 1, i, -1):
        line = lines[k][0]
        if _is_doubled(line):
            continue
        if _BYLINE.match(line) and _words(line) <= 5:
            byline, end = Block("byline", *lines[k]), k
        break

    lead, place, previous_related = None, None, False
    body = lines[i + 1:end]
    captions: set[int] = set()
    for k, (line, s, e) in enumerate(body):
        section_place = heading_place(line)
        if k in captions:
            kind = "caption"
        elif _is_doubled(line):
            kind, previous_related = "related", True
        elif previous_related and lead is not None and section_place is None:
            kind, previous_related = "related", False  # the teaser's summary line
        elif line == headline.text:
            # a photo's alt text repeats the headline; its caption follows on the next line
            kind = "caption"
            nxt = body[k + 1] if k + 1 < len(body) else None
            if nxt and text.count("\n", e, nxt[1]) == 1 and _words(nxt[0]) < 25:
                captions.add(k + 1)
        elif section_place is not None:
            kind, place = "heading", section_place
        elif lead is None:
            kind = "lead" if _words(line) >= 8 else "chrome"
        else:
            kind = "paragraph"
        if kind != "related":
            previous_related = False
        block = Block(kind, line, s, e, place)
        lead = block if kind == "lead" else lead
        blocks.append(block)
    if byline is not None:
        blocks.append(byline)
    if lead is None:
        raise UserError("no recognisable article body (no paragraph after the headline)",
                        where=where, fix="pass a page that contains the article's text")
    sections = _sections(blocks)
    return Article(text=text, headline=headline, lead=lead, published=published, byline=byline,
                   blocks=tuple(blocks), source=source, sections=sections)


def _sections(blocks: list[Block]) -> tuple[Section, ...]:
    out: list[Section] = []
    for b in blocks:
        if b.kind == "heading":
            out.append(Section(b.place or "", b, ()))
        elif out and b.kind == "paragraph" and b.place == out[-1].place:
            out[-1] = Section(out[-1].place, out[-1].heading, out[-1].blocks + (b,))
    return tuple(out)


def load_article(path: Path = paths.ARTICLE) -> Article:
    """Read and parse the article page (default: the raw page of record)."""
    return parse_article(read_article_text(path), source=Path(path))


def sections_frame(article: Article) -> pd.DataFrame:
    """One row per province section: place, heading, paragraphs, words, offsets."""
    return pd.DataFrame(
        [(s.place, s.heading.text, len(s.blocks),
          sum(len(re.findall(r"\w+", b.text)) for b in s.blocks), s.start, s.end)
         for s in article.sections],
        columns=["place", "section_heading", "paragraphs", "words", "start", "end"],
    )
