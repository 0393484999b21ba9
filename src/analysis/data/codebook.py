"""The codebook of lesson themes (data/codebook.yml): ids, names in two languages, a definition
and the Vietnamese cue phrases that code a lesson with the theme; validated on load."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.data import paths
from analysis.data.files import load_yaml
from analysis.errors import UserError

FIELDS = ("id", "name_vi", "name_en", "definition", "cues")
_ID = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


@dataclass(frozen=True)
class Theme:
    """One codebook entry."""

    id: str
    name_vi: str
    name_en: str
    definition: str
    cues: tuple[str, ...]


def _nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s).strip()


def _theme(entry: object, i: int, where: str) -> Theme:
    here = f"{where}: themes[{i}]"
    if not isinstance(entry, dict):
        raise UserError(f"theme entry is a {type(entry).__name__}, not a mapping", where=here,
                        fix=f"write each theme as a mapping with {', '.join(FIELDS)}")
    tid = entry.get("id")
    if isinstance(tid, str):
        here = f"{here} (id {tid!r})"
    for f in FIELDS:
        value = entry.get(f)
        if value is None or (isinstance(value, str | list) and not value):
            raise UserError(f"missing field {f!r}", where=here, fix=f"give the theme a {f}")
    for f in FIELDS[:4]:
        if not isinstance(entry[f], str):
            raise UserError(f"field {f!r} must be text, got {entry[f]!r}", where=here,
                            fix="quote the value")
    if not _ID.match(tid):
        raise UserError(f"field 'id' {tid!r} is not snake_case", where=here,
                        fix="use lower-case letters, digits and underscores, e.g. 'housing'")
    extra = sorted(set(entry) - set(FIELDS))
    if extra:
        raise UserError(f"unknown field {extra[0]!r}", where=here,
                        fix=f"a theme has only the fields {', '.join(FIELDS)}")
    cues = entry["cues"]
    if not isinstance(cues, list):
        raise UserError("field 'cues' must be a list of phrases", where=here,
                        fix="write cues as a YAML list ('- tuyên truyền')")
    seen: set[str] = set()
    for j, cue in enumerate(cues):
        if not isinstance(cue, str) or not cue.strip():
            raise UserError(f"cue {j + 1} is empty or not text ({cue!r})",
                            where=f"{here}, field 'cues'", fix="write the phrase as text")
        cue = _nfc(cue)
        if cue != cue.lower():
            raise UserError(f"cue {cue!r} is not lower-case", where=f"{here}, field 'cues'",
                            fix=f"write it as {cue.lower()!r} (matching ignores case)")
        if cue in seen:
            raise UserError(f"cue {cue!r} is listed twice", where=f"{here}, field 'cues'",
                            fix="remove the repeated cue")
        seen.add(cue)
    return Theme(tid, _nfc(entry["name_vi"]), _nfc(entry["name_en"]),
                 _nfc(entry["definition"]), tuple(_nfc(c) for c in cues))


def load_codebook(path: Path = paths.CODEBOOK) -> tuple[Theme, ...]:
    """The validated themes of a YAML codebook, in file order.

    A one-line `UserError` names the file and the entry/field for invalid YAML, a missing or
    empty field, a duplicate theme id, a non-snake_case id or a cue that is not lower-case.
    """
    path = Path(path)
    where = str(path)
    data = load_yaml(path, what="codebook", missing_fix="restore data/codebook.yml from git")
    if not isinstance(data, dict) or not isinstance(data.get("themes"), list):
        raise UserError("no 'themes' list", where=where,
                        fix="the file must be a mapping with a 'themes:' list of themes")
    if not data["themes"]:
        raise UserError("the 'themes' list is empty", where=where, fix="add at least one theme")
    themes: list[Theme] = []
    first: dict[str, int] = {}
    for i, entry in enumerate(data["themes"]):
        theme = _theme(entry, i, where)
        if theme.id in first:
            raise UserError(f"duplicate theme id {theme.id!r} (also themes[{first[theme.id]}])",
                            where=f"{where}: themes[{i}]", fix="give each theme its own id")
        first[theme.id] = i
        themes.append(theme)
    return tuple(themes)


def codebook_table(codebook: tuple[Theme, ...]) -> pd.DataFrame:
    """The codebook as a table for reading (cues joined by '; ')."""
    return pd.DataFrame(
        [(t.id, t.name_vi, t.name_en, t.definition, "; ".join(t.cues)) for t in codebook],
        columns=["theme_id", "name_vi", "name_en", "definition", "cues"],
    )
