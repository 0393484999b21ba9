"""The article of record as saved (data/raw): its text, read and checked, its metadata, and the
register of official sources (data/external/SOURCES.md) the reports cite."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from analysis.data import paths
from analysis.errors import UserError

MAX_BYTES = 8 * 1024 * 1024  # a news page is tens of KB, a provincial report a few MB
SOURCES_MD = paths.EXTERNAL / "SOURCES.md"


def read_article_text(path: Path) -> str:
    """The file as NFC text; a one-line error for what is not a readable UTF-8 article."""
    path = Path(path)
    if not path.exists():
        raise UserError("article file not found", where=str(path), fix="check the path")
    size = path.stat().st_size
    if size == 0:
        raise UserError("article file is empty", where=str(path),
                        fix="save the page's text (UTF-8) into it")
    if size > MAX_BYTES:
        raise UserError(f"article file is {size / 2**20:.0f} MB, more than the "
                        f"{MAX_BYTES // 2**20} MB a news page can plausibly be", where=str(path),
                        fix="pass the article's text, not an archive or a dump")
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw[:200].count(b"\x00") > 10:
        raise UserError("article file is UTF-16, not UTF-8", where=str(path),
                        fix=f"convert it: iconv -f UTF-16 -t UTF-8 {path.name} > new.txt")
    try:
        text = raw.decode("utf-8-sig")  # a BOM is dropped: offsets count from the first letter
    except UnicodeDecodeError as e:
        raise UserError(f"article file is not UTF-8 (byte 0x{raw[e.start]:02x} at offset "
                        f"{e.start})", where=str(path),
                        fix=f"convert it, e.g. iconv -f WINDOWS-1258 -t UTF-8 {path.name}") from e
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def article_meta(path: Path = paths.ARTICLE_META) -> dict[str, Any]:
    """The article's metadata of record (title, published, byline, file, sha256)."""
    try:
        meta = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise UserError(f"cannot read the article's metadata ({type(e).__name__})",
                        where=str(path), fix="restore the file from git") from None
    for key in ("title", "published", "byline", "file"):
        if not meta.get(key):
            raise UserError(f"the article's metadata lacks {key!r}", where=str(path),
                            fix="restore the file from git")
    return meta


@dataclass(frozen=True)
class SourceEntry:
    group: str
    id: str
    address: str = ""
    title: str = ""
    publisher: str = ""


def read_sources(path: Path = SOURCES_MD) -> list[SourceEntry]:
    """The source register of data/external/SOURCES.md: one entry per `**id**` under
    '## Source register', with its group (### heading), address, title and publisher."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise UserError(f"cannot read the source register ({e.strerror})", where=str(path),
                        fix="restore data/external/SOURCES.md") from None
    start = text.find("## Source register")
    if start < 0:
        raise UserError("no '## Source register' section", where=str(path),
                        fix="keep the register heading the project's readers expect")
    entries: list[SourceEntry] = []
    group, current = "", None
    for line in text[start:].splitlines():
        if line.startswith("### "):
            group = line[4:].strip()
            continue
        m = re.match(r"^\*\*([A-Za-z0-9_]+)\*\*", line)
        if m:
            current = {"group": group, "id": m.group(1)}
            entries.append(current)  # type: ignore[arg-type]
            continue
        f = re.match(r"^- \*\*(Address|Title|Publisher)[^*]*:\*\*\s*(.*)$", line)
        if f and current is not None and not current.get(f.group(1).lower()):
            current[f.group(1).lower()] = f.group(2).strip()
        also = re.match(r"^- Also \*\*([A-Za-z0-9_]+)\*\*,\s*(\S+)", line)
        if also:
            entries.append({"group": group, "id": also.group(1),  # type: ignore[arg-type]
                            "address": also.group(2).rstrip(":,")})
    return [SourceEntry(**e) for e in entries]  # type: ignore[arg-type]
