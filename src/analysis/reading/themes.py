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

import pandas as pd

from analysis.data.codebook import Theme
from analysis.data.processed import (
    LESSON_THEME_COLUMNS,
    check_lesson_themes,
    empty_lesson_themes,
    typed_lesson_themes,
)
from analysis.errors import UserError


def _cue_pattern(cue: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in cue.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


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
                        fix="pass the frame from analysis.reading.lessons.extract_lessons")
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
    frame = pd.DataFrame(rows, columns=LESSON_THEME_COLUMNS) if rows else empty_lesson_themes()
    return typed_lesson_themes(frame)


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
    result = typed_lesson_themes(auto)
    if previous is None or previous.empty:
        return result
    prev = check_lesson_themes(previous, source)
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
        result = pd.concat([result, pd.DataFrame(kept, columns=LESSON_THEME_COLUMNS)],
                           ignore_index=True)
        order = {lid: k for k, lid in enumerate(dict.fromkeys(result["lesson_id"]))}
        result = result.sort_values("lesson_id", key=lambda s: s.map(order), kind="stable")
    return typed_lesson_themes(result.drop_duplicates(key))


def effective_themes(coded: pd.DataFrame) -> pd.DataFrame:
    """Rows that code a lesson after the coder's decisions: matched and not removed, or added."""
    matched = coded["cue"].fillna("") != ""
    override = coded["coder_override"].fillna("")
    return coded[(matched & (override != "remove")) | (override == "add")].reset_index(drop=True)


