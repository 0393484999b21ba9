"""Coding lessons with themes from a codebook, keeping a human coder's decisions.

The codebook (data/codebook.yml) lists themes with Vietnamese cue phrases. `code_lessons`
codes a lesson with a theme when a cue occurs in it and keeps the first match as evidence
(phrase, exact text, offsets into the same text as the lesson's). A human coder then edits
`coder_override` ("add" a theme the cues missed, "remove" one they got wrong) and
`coder_note` in the saved table; `merge_overrides` carries those decisions over every re-run.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis import paths
from analysis.errors import UserError
from analysis.files import load_yaml, write_atomic

#: Columns of the lesson × theme table, in order.
COLUMNS = ["lesson_id", "place", "ordinal", "theme_id", "cue", "evidence", "cue_start",
           "cue_end", "cues", "coder_override", "coder_note"]
#: What a human coder may write in `coder_override`.
OVERRIDES = ("", "add", "remove")
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


def _cue_pattern(cue: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in cue.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def _empty(n: int = 0) -> pd.DataFrame:
    return pd.DataFrame({c: [] for c in COLUMNS}).iloc[:n]


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame[COLUMNS].copy()
    for c in ("ordinal", "cue_start", "cue_end"):
        frame[c] = pd.to_numeric(frame[c]).astype("Int64")
    for c in ("lesson_id", "theme_id", "cue", "evidence", "cues", "coder_override",
              "coder_note"):
        frame[c] = frame[c].fillna("").astype(str)
    frame["place"] = frame["place"].astype("str")  # missing place stays missing (NaN)
    return frame.reset_index(drop=True)


def code_lessons(lessons: pd.DataFrame, codebook: tuple[Theme, ...]) -> pd.DataFrame:
    """Lesson × theme rows for every theme whose cue occurs in the lesson.

    `cue` is the codebook phrase matched first in the lesson, `evidence` the exact text it
    matched, `cue_start`/`cue_end` its offsets in the same text as the lesson's `start`/`end`;
    `cues` lists every cue of that theme found ('; '). Override columns start empty.
    """
    missing = [c for c in ("lesson_id", "place", "ordinal", "start", "text")
               if c not in lessons.columns]
    if missing:
        raise UserError(f"lessons table lacks column {missing[0]!r}", where="parameter lessons",
                        fix="pass the frame from analysis.lessons.extract_lessons")
    patterns = [(t, [(c, _cue_pattern(c)) for c in t.cues]) for t in codebook]
    rows = []
    for lesson in lessons.itertuples(index=False):
        text = unicodedata.normalize("NFC", lesson.text)
        for theme, cues in patterns:
            hits = []  # (start, end, cue)
            for cue, pattern in cues:
                m = pattern.search(text)
                if m:
                    hits.append((m.start(), m.end(), cue))
            if not hits:
                continue
            hits.sort()
            s, e, cue = hits[0]
            rows.append({
                "lesson_id": lesson.lesson_id, "place": lesson.place, "ordinal": lesson.ordinal,
                "theme_id": theme.id, "cue": cue, "evidence": text[s:e],
                "cue_start": lesson.start + s, "cue_end": lesson.start + e,
                "cues": "; ".join(dict.fromkeys(h[2] for h in hits)),
                "coder_override": "", "coder_note": "",
            })
    return _typed(pd.DataFrame(rows, columns=COLUMNS) if rows else _empty())


def _check_previous(previous: pd.DataFrame, source: str) -> pd.DataFrame:
    missing = [c for c in ("lesson_id", "theme_id", "coder_override") if c not in previous]
    if missing:
        raise UserError(f"missing column {missing[0]!r}", where=source,
                        fix=f"a lesson-themes table has the columns {', '.join(COLUMNS)}")
    prev = previous.copy()
    for c in COLUMNS:
        if c not in prev:
            prev[c] = None
    prev = _typed(prev)
    prev["coder_override"] = prev["coder_override"].str.strip().str.lower()
    for i, value in enumerate(prev["coder_override"]):
        if value not in OVERRIDES:
            raise UserError(f"coder_override {value!r} is not one of '', 'add', 'remove'",
                            where=f"{source}:{i + 2}, column coder_override",
                            fix="leave it empty, or write add or remove")
    dup = prev.duplicated(["lesson_id", "theme_id"])
    if dup.any():
        i = int(dup.to_numpy().argmax())
        raise UserError(f"lesson {prev['lesson_id'][i]!r} × theme {prev['theme_id'][i]!r} "
                        "appears twice", where=f"{source}:{i + 2}",
                        fix="keep one row per lesson and theme")
    return prev


def merge_overrides(auto: pd.DataFrame, previous: pd.DataFrame | None,
                    source: str = "previous lesson_themes") -> pd.DataFrame:
    """A fresh automatic coding with the human decisions of a previously saved table.

    For each (lesson_id, theme_id): an override or note in `previous` is copied onto the new
    automatic row. Rows only in `previous` that carry a decision are kept as they were: an
    "add" (a theme the cues miss), a "remove" (so it still applies if the cue matches again),
    a note whose cue no longer matches (kept, but with no override it codes nothing — see
    `effective_themes`). Automatic rows with no decision are simply replaced.
    `source` names the saved file in error messages.
    """
    result = _typed(auto)
    if previous is None or previous.empty:
        return result
    prev = _check_previous(previous, source)
    decided = prev[(prev["coder_override"] != "") | (prev["coder_note"].str.strip() != "")]
    key = ["lesson_id", "theme_id"]
    index = {k: i for i, k in enumerate(zip(result["lesson_id"], result["theme_id"],
                                            strict=True))}
    kept = []
    for row in decided.itertuples(index=False):
        i = index.get((row.lesson_id, row.theme_id))
        if i is None:
            kept.append(row._asdict())
        else:
            result.loc[i, "coder_override"] = row.coder_override
            result.loc[i, "coder_note"] = row.coder_note
    if kept:
        result = pd.concat([result, pd.DataFrame(kept, columns=COLUMNS)], ignore_index=True)
        order = {lid: k for k, lid in enumerate(dict.fromkeys(result["lesson_id"]))}
        result = result.sort_values("lesson_id", key=lambda s: s.map(order), kind="stable")
    return _typed(result.drop_duplicates(key))


def effective_themes(coded: pd.DataFrame) -> pd.DataFrame:
    """Rows that code a lesson after the coder's decisions: matched and not removed, or added."""
    matched = coded["cue"].fillna("") != ""
    override = coded["coder_override"].fillna("")
    return coded[(matched & (override != "remove")) | (override == "add")].reset_index(drop=True)


def read_lesson_themes(path: Path) -> pd.DataFrame:
    """A saved lesson-themes CSV with empty texts kept as '' (not NaN) and checked overrides."""
    path = Path(path)
    if not path.exists():
        raise UserError("lesson-themes table not found", where=str(path),
                        fix="run the extraction (python -m analysis extract) to create it")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = frame.replace({"place": {"": None}, "cue_start": {"": None},
                           "cue_end": {"": None}, "ordinal": {"": None}})
    return _check_previous(frame, str(path))


def update_lesson_themes(lessons: pd.DataFrame, codebook: tuple[Theme, ...],
                         path: Path) -> pd.DataFrame:
    """Re-code `lessons`, keep the coder's decisions already saved at `path`, write, return."""
    path = Path(path)
    previous = read_lesson_themes(path) if path.exists() else None
    merged = merge_overrides(code_lessons(lessons, codebook), previous, source=str(path))
    write_atomic(path, merged.to_csv(index=False, lineterminator="\n"))
    return merged
