"""Where lines, sentences, clauses and brackets are in a text: found once, looked up by bisect.

Reading a figure asks the same questions again and again — which sentence holds it, where its
clause starts, whether it sits in brackets, what kind of line it is on. Answering them by
rescanning the text makes reading time grow with the square of the text's length; `TextIndex`
finds every boundary in one pass and answers each question in logarithmic time.

A line is a paragraph (news text breaks lines between paragraphs). A sentence ends at a line
break or at ".", "!", "?", "…" followed by a space and a capital, a quote or a bracket. A clause
is a sentence's stretch between semicolons. Brackets do not run across lines (one left open at the
end of its line is no bracket).

Lines are of four kinds: ``caption`` (a photo's caption or alt text: "(Ảnh: …)", "Ảnh minh
họa", "Ảnh Vũ Sinh.", an image file name or markup, or a line repeating the line before it),
``list`` (starting with a bullet or a list number), ``heading`` (a short line with no closing
punctuation: a headline or sub-heading) and ``body``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

_SENTENCE_END = re.compile(r"\n|[.!?…]+[\"”')\]]*[ \t]+")
_CAPTION = re.compile(
    r"\(\s*Ảnh\b[^)]*\)|(?:^|\s)Ảnh\s*:|Ảnh\s+minh\s+h[ọo]ạ?|(?:^|[.)]\s*)Ảnh\s+[A-ZĐ][^\s.]*"
    r"(?:\s+[A-ZĐ][^\s.]*){0,3}\.?\s*$|\(\s*Nguồn\s*:[^)]*\)|\.(?:jpe?g|png|gif|webp)\b"
    r"|^!\[", re.IGNORECASE)
_LIST = re.compile(r"^\s*(?:[-+•*–—]|\d{1,2}[.)](?=\s)|[a-zđ][.)](?=\s))")
_CLOSING = ".!?…:;"
_HEADING_WORDS = 20


def starting_with(letters: str, pattern: str, flags: int = 0, *, other: str = ""
                  ) -> re.Pattern[str]:
    """`pattern` compiled behind a look-ahead for what a match can start with: `letters` in
    either case and `other` (character-class syntax, e.g. r"\\d"). The engine then skips every
    other position at once instead of trying each alternative there — several times faster
    over a long text."""
    chars = "".join(dict.fromkeys(letters + letters.upper()))
    return re.compile(f"(?=[{chars}{other}])(?:{pattern})", flags)


class TextIndex:
    """Boundaries of one text (lines, sentences, clauses, brackets) and the kind of each line."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.sentence_starts = _sentence_starts(text)
        self.semicolons = [m.start() for m in re.finditer(";", text)]
        self.brackets = _brackets(text)
        self._bracket_opens = [o for o, _c, _p in self.brackets]
        self.line_kinds = _line_kinds(text, self.line_starts)

    def line(self, pos: int) -> tuple[int, int]:
        """(start, end) of the line holding `pos` (end before the line break)."""
        i = bisect_right(self.line_starts, pos) - 1
        end = self.line_starts[i + 1] - 1 if i + 1 < len(self.line_starts) else len(self.text)
        return self.line_starts[i], end

    def line_kind(self, pos: int) -> str:
        """"caption", "list", "heading" or "body": the kind of the line holding `pos`."""
        return self.line_kinds[bisect_right(self.line_starts, pos) - 1]

    def next_line(self, pos: int) -> tuple[int, int] | None:
        """(start, end) of the first non-blank line after the one holding `pos`."""
        i = bisect_right(self.line_starts, pos)
        while i < len(self.line_starts):
            start, end = self.line(self.line_starts[i])
            if self.text[start:end].strip():
                return start, end
            i += 1
        return None

    def sentence(self, pos: int) -> tuple[int, int]:
        """(start, end) of the sentence holding `pos`, never beyond its line."""
        line_start, line_end = self.line(pos)
        i = bisect_right(self.sentence_starts, pos) - 1
        start = max(self.sentence_starts[i], line_start)
        end = (self.sentence_starts[i + 1] if i + 1 < len(self.sentence_starts)
               else len(self.text))
        return start, min(end, line_end)

    def clause(self, pos: int) -> tuple[int, int]:
        """(start, end) of the clause holding `pos`: its sentence cut at semicolons."""
        start, end = self.sentence(pos)
        i = bisect_left(self.semicolons, pos)
        if i and self.semicolons[i - 1] >= start:
            start = self.semicolons[i - 1] + 1
        if i < len(self.semicolons) and self.semicolons[i] < end:
            end = self.semicolons[i]
        return start, end

    def bracket(self, pos: int) -> tuple[int, int] | None:
        """(position of "(", position of ")") of the innermost brackets around `pos`."""
        i = bisect_left(self._bracket_opens, pos) - 1
        while i >= 0:  # the last one opened before pos, else the ones that enclose it
            opened, closed, parent = self.brackets[i]
            if pos <= closed:
                return opened, closed
            i = parent
        return None


def _sentence_starts(text: str) -> list[int]:
    starts = {0}
    for m in _SENTENCE_END.finditer(text):
        nxt = text[m.end():m.end() + 2]
        if m.group(0) == "\n" or (nxt and (nxt[0].isupper() or nxt[0] in "\"“(")):
            starts.add(m.end())
    return sorted(starts)


def _brackets(text: str) -> list[tuple[int, int, int]]:
    """Matched round brackets by opening position: (open, close, index of the enclosing pair or
    -1). A bracket left open at the end of its line is no bracket."""
    pairs: dict[int, tuple[int, int]] = {}  # open -> (close, open of the enclosing pair)
    stack: list[int] = []
    for m in re.finditer(r"[()\n]", text):
        ch = m.group(0)
        if ch == "(":
            stack.append(m.start())
        elif ch == ")" and stack:
            opened = stack.pop()
            pairs[opened] = (m.start(), stack[-1] if stack else -1)
        elif ch == "\n":
            stack.clear()
    opens = sorted(pairs)
    index = {o: k for k, o in enumerate(opens)}
    out = []
    for o in opens:
        closed, outer = pairs[o]
        # an enclosing "(" left unclosed is no bracket: the next enclosing one that closed
        out.append((o, closed, index.get(outer, -1)))
    return out


def _line_kinds(text: str, starts: list[int]) -> list[str]:
    kinds = []
    previous = ""
    for i, start in enumerate(starts):
        end = starts[i + 1] - 1 if i + 1 < len(starts) else len(text)
        line = text[start:end].strip()
        same = line and line.rstrip(_CLOSING + " ") == previous.rstrip(_CLOSING + " ")
        if not line:
            kinds.append("blank")
            continue
        if same or _CAPTION.search(line):
            kinds.append("caption")
            if same:
                kinds[-2 - _blanks_before(kinds)] = "caption"
        elif _LIST.match(line):
            kinds.append("list")
        elif line[-1] not in _CLOSING and len(line.split()) <= _HEADING_WORDS:
            kinds.append("heading")
        else:
            kinds.append("body")
        previous = line
    return kinds


def _blanks_before(kinds: list[str]) -> int:
    """How many blank lines stand between the last line and the non-blank line before it."""
    n = 0
    for kind in reversed(kinds[:-1]):
        if kind != "blank":
            break
        n += 1
    return n
