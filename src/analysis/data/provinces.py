"""Vietnam's 63 provinces (before the 2025 reorganisation): names, codes, safe file names,
and finding or resolving a province name written the way news prose writes it."""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.data import paths
from analysis.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

# Spellings seen in prose and sources that differ from the table's `name_vi`.
ALIASES: dict[str, str] = {
    "Thừa Thiên - Huế": "Thừa Thiên Huế",
    "Thừa Thiên-Huế": "Thừa Thiên Huế",
    "Huế": "Thừa Thiên Huế",
    "Bà Rịa - Vũng Tàu": "Bà Rịa Vũng Tàu",
    "Bà Rịa-Vũng Tàu": "Bà Rịa Vũng Tàu",
    "Bà Rịa–Vũng Tàu": "Bà Rịa Vũng Tàu",
    "Thành phố Hồ Chí Minh": "TP Hồ Chí Minh",
    "TP. Hồ Chí Minh": "TP Hồ Chí Minh",
    "Hồ Chí Minh": "TP Hồ Chí Minh",
    "Thanh Hoá": "Thanh Hóa",
    "Hoà Bình": "Hòa Bình",
    "Khánh Hoà": "Khánh Hòa",
    "Đắc Lắc": "Đắk Lắk",
}

COLUMNS = ["gso_code", "name_vi", "name_ascii", "region_gso", "iso_3166_2"]


def _fold(name: str) -> str:
    """Case-, accent- and punctuation-insensitive key for matching names typed by people."""
    s = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    s = "".join(c for c in s if not unicodedata.combining(c)).casefold()
    return re.sub(r"[^a-z0-9]+", " ", s).strip()


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[dict[str, str], ...]:
    """The table's rows (read with the csv module: resolving a name must not import pandas)."""
    p = Path(path)
    if not p.exists():
        raise UserError("province table not found", where=str(p),
                        fix="restore data/external/vietnam_provinces_63_codes.csv from git")
    with p.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise UserError(f"missing column {missing[0]!r}", where=str(p),
                            fix=f"the table needs the columns {', '.join(COLUMNS)}")
        rows = tuple({**r, "name_vi": unicodedata.normalize("NFC", r["name_vi"])}
                     for r in reader)
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):
        if row["name_vi"] in seen:
            raise UserError(f"duplicated province {row['name_vi']!r}", where=f"{p}:{line}",
                            fix="each province must appear once")
        seen.add(row["name_vi"])
    return rows


def load_provinces(path: Path = paths.PROVINCES) -> pd.DataFrame:
    """The 63-province table (GSO code, names, region, ISO 3166-2 code, boundary ids)."""
    import pandas as pd  # deferred import (README: Architecture)

    return pd.DataFrame(list(_load(str(path))))


def province_names(path: Path = paths.PROVINCES) -> list[str]:
    """Vietnamese names of the 63 provinces, in GSO code order."""
    return [r["name_vi"] for r in _load(str(path))]


@lru_cache(maxsize=4)
def _lookup(path: Path) -> dict[str, str]:
    rows = _load(str(path))
    keys = {_fold(r["name_vi"]): r["name_vi"] for r in rows}
    keys.update({_fold(r["name_ascii"]): r["name_vi"] for r in rows})
    keys.update({_fold(a): n for a, n in ALIASES.items()})
    return keys


def resolve_province(name: object, *, allowed: list[str] | None = None,
                     parameter: str = "province", path: Path = paths.PROVINCES) -> str:
    """Canonical `name_vi` for a province written with or without diacritics.

    Raises a one-line `UserError` naming the closest valid names when it is unknown.
    """
    if not isinstance(name, str):
        raise UserError(f"{parameter} must be a text such as 'Phú Yên', got {type(name).__name__}"
                        f" {name!r}", where=f"parameter {parameter}")
    keys = _lookup(path)
    canonical = keys.get(_fold(unicodedata.normalize("NFC", name)))
    choices = allowed if allowed is not None else province_names(path)
    if canonical is None or canonical not in choices:
        close = difflib.get_close_matches(_fold(name), [_fold(c) for c in choices], n=3, cutoff=0.5)
        by_key = {_fold(c): c for c in choices}
        hint = ", ".join(by_key[k] for k in close) if close else ", ".join(choices[:5]) + ", …"
        raise UserError(f"unknown {parameter} {name!r}", where=f"parameter {parameter}",
                        fix=f"did you mean: {hint}?")
    return canonical


@lru_cache(maxsize=4)
def _mention_pattern(path: str) -> re.Pattern[str]:
    names = [r["name_vi"] for r in _load(path)] + list(ALIASES)
    names.sort(key=len, reverse=True)
    alternation = "|".join(re.escape(n) for n in names)
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)")


def find_provinces(text: str, path: Path = paths.PROVINCES) -> list[tuple[str, int, int]]:
    """Every province named in `text`: (canonical name, start, end), in order."""
    out = []
    for m in _mention_pattern(str(path)).finditer(text):
        out.append((ALIASES.get(m.group(0), m.group(0)), m.start(), m.end()))
    return out


def article_provinces(lessons: Path | None = None) -> list[str]:
    """The provinces whose lessons the article reports, in the article's order, read from its
    processed lessons (default: those of the running build's data folder; validated by
    `analysis.data.processed.load_lessons`; only the place column is read here, with csv, so
    that resolving a name never imports pandas)."""
    lessons = paths.data_dir() / "processed" / "lessons.csv" if lessons is None else lessons
    if not lessons.exists():
        raise UserError("lessons table not found", where=str(lessons),
                        fix="run the extraction (python -m analysis extract) to create it")
    with lessons.open(encoding="utf-8", newline="") as fh:
        places = [row.get("place") or "" for row in csv.DictReader(fh)]
    return list(dict.fromkeys(p for p in places if p))


def default_province(lessons: Path | None = None) -> str:
    """The province a report shows when none is chosen: the article's first, whose figures the
    article gives."""
    return article_provinces(lessons)[0]

