"""What a reader of a PDF report would notice, measured with pdfplumber: glyphs outside the
page's text area, table cells cut off with an ellipsis, and code or JSON printed for readers.

The text area is the Typst template's (`analysis/build/templates/report.typst`): A4 with 2 cm
side margins, 2.2 cm top and 2.5 cm bottom; only the page number may sit in the bottom margin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pdfplumber

CM = 72 / 2.54
MARGIN = {"left": 2 * CM, "right": 2 * CM, "top": 2.2 * CM, "bottom": 2.5 * CM}
TOLERANCE = 1.0  # points: a glyph's box may touch the margin line
CODE_FONT = "JetBrainsMono"
JSON_LINE = re.compile(r'"[A-Za-z_][\w.-]*"\s*:\s*(?:["{\[\d-]|null|true|false)')
CODE_LINE = re.compile(r"^\s*(?:from [\w.]+ import |import [\w.]+|def \w+\(|\w+ = \w+[\w.]*\(|"
                       r"display\(|if \w+[\w.]*\()")


@dataclass(frozen=True)
class Problem:
    page: int
    kind: str  # outside | ellipsis | json | code
    text: str

    def __str__(self) -> str:
        return f"page {self.page}: {self.kind}: {self.text[:80]!r}"


def _outside(page: pdfplumber.page.Page) -> list[dict]:
    left, right = MARGIN["left"] - TOLERANCE, page.width - MARGIN["right"] + TOLERANCE
    top, bottom = MARGIN["top"] - TOLERANCE, page.height - MARGIN["bottom"] + TOLERANCE
    out = []
    for c in page.chars:
        if not c["text"].strip():
            continue
        if c["x0"] < left or c["x1"] > right or c["top"] < top:
            out.append(c)
        elif c["bottom"] > bottom and not (c["text"].isdigit()
                                           and abs((c["x0"] + c["x1"]) / 2 - page.width / 2) < 30):
            out.append(c)  # only the centred page number lives in the bottom margin
    return out


def problems(path: Path) -> list[Problem]:
    """Every layout problem of the PDF at `path`, page by page."""
    found: list[Problem] = []
    with pdfplumber.open(path) as pdf:
        for n, page in enumerate(pdf.pages, start=1):
            outside = _outside(page)
            if outside:
                found.append(Problem(n, "outside", "".join(c["text"] for c in outside)))
            code_chars = [c for c in page.chars if CODE_FONT in c.get("fontname", "")]
            if code_chars:
                found.append(Problem(n, "code", "".join(c["text"] for c in code_chars)))
            for line in (page.extract_text() or "").splitlines():
                # "…" is what truncation writes; "..." is the article's own punctuation, quoted
                if re.search(r"…\s*$", line) or re.search(r"\w…\s", line):
                    found.append(Problem(n, "ellipsis", line))
                if JSON_LINE.search(line):
                    found.append(Problem(n, "json", line))
                elif CODE_LINE.search(line):
                    found.append(Problem(n, "code", line))
    return found
