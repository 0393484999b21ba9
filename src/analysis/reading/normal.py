"""Any Unicode form reads the same: the reading layer reads NFC and answers in the caller's text.

Vietnamese is typed precomposed ("ộ" one character, NFC) or decomposed ("o" and two combining
marks, NFD — what some editors, PDFs and macOS file names give). The reading layer's patterns
are written in NFC, so a decomposed text would silently match nothing. `normalise` returns the
NFC text with a map between its offsets and those of the text the caller passed in, so every
quote and offset the layer reports indexes the caller's own string.

The map is built piece by piece: no character of ASCII ever composes with what precedes it, so
a text is normalised as its runs of non-ASCII characters (each with the character before it),
and within a run cluster by cluster (a base character and the marks on it). Only the pieces
that change are stored; an offset between them shifts by the length those before it gained or
lost.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field

_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


@dataclass(frozen=True)
class Normalised:
    """`text` (NFC) read from `source`, with the pieces whose length or spelling changed."""

    source: str
    text: str
    # (start in text, end in text, start in source, end in source) of each changed piece
    pieces: tuple[tuple[int, int, int, int], ...] = field(default=(), repr=False)

    @property
    def identity(self) -> bool:
        """Whether `text` is `source` itself (it already was NFC)."""
        return not self.pieces

    def to_source(self, pos: int, *, end: bool = False) -> int:
        """Offset in `source` of offset `pos` in `text` (`end`: the end of a span)."""
        return _map(self.pieces, 0, 2, pos, end)

    def from_source(self, pos: int, *, end: bool = False) -> int:
        """Offset in `text` of offset `pos` in `source` (`end`: the end of a span)."""
        return _map(self.pieces, 2, 0, pos, end)

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of `source` that `text[start:end]` was read from."""
        return self.to_source(start), self.to_source(end, end=True)


def _map(pieces: tuple[tuple[int, int, int, int], ...], a: int, b: int, pos: int,
         end: bool) -> int:
    """`pos` in coordinates `a` (0: text, 2: source) mapped to coordinates `b`."""
    i = bisect_right(pieces, pos, key=lambda p: p[a]) - 1
    if i < 0:
        return pos
    piece = pieces[i]
    if pos == piece[a]:
        return piece[b]
    if pos < piece[a + 1]:  # inside a piece that changed: its start, or its end for an end
        return piece[b + 1] if end else piece[b]
    return piece[b + 1] + (pos - piece[a + 1])


def _clusters(segment: str) -> list[str]:
    """`segment` cut before every character that does not combine with the one before it."""
    out: list[str] = []
    for ch in segment:
        if out and unicodedata.combining(ch):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def normalise(source: str) -> Normalised:
    """`source` in NFC with the map back to `source`'s offsets (no copy when already NFC)."""
    if unicodedata.is_normalized("NFC", source):
        return Normalised(source, source)
    parts: list[str] = []
    pieces: list[tuple[int, int, int, int]] = []
    src = out = 0  # next source offset to copy, length of the text built so far
    for m in _NON_ASCII_RUN.finditer(source):
        lo = max(m.start() - 1, src)
        segment = source[lo:m.end()]
        normal = unicodedata.normalize("NFC", segment)
        if normal == segment:
            continue
        parts.append(source[src:lo])
        out += lo - src
        clusters = _clusters(segment)
        normals = [unicodedata.normalize("NFC", c) for c in clusters]
        if "".join(normals) != normal:  # composition across clusters: map the run as a whole
            clusters, normals = [segment], [normal]
        at = lo
        for cluster, cluster_normal in zip(clusters, normals, strict=True):
            if cluster_normal != cluster:
                pieces.append((out, out + len(cluster_normal), at, at + len(cluster)))
            at += len(cluster)
            out += len(cluster_normal)
        parts.append(normal)
        src = m.end()
    parts.append(source[src:])
    return Normalised(source, "".join(parts), tuple(pieces))
