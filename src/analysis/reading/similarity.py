"""Text reuse between lessons: which provinces repeat each other's lessons nearly word for word.

Two measures, both on character n-grams of the lesson text without its marker ("Hai là, "):
`similarity` is the cosine of TF-IDF vectors (scikit-learn), symmetric and length-sensitive —
a short lesson copied into a long one scores only moderately; `containment` is the share of
the shorter lesson's distinct n-grams that also occur in the longer one, so a lesson copied
whole into another scores near 1. Each pair also carries its longest run of shared words with
offsets into the source text, so a reader can see the reused passage itself.
"""

from __future__ import annotations

import difflib
import itertools
import re

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from analysis.errors import UserError
from analysis.reading.lessons import lesson_body

#: Columns of the tidy pairs frame, in order.
PAIR_COLUMNS = ["lesson_a", "lesson_b", "place_a", "place_b", "same_place", "similarity",
                "containment", "shared_words", "shared_text", "shared_a_start", "shared_a_end",
                "shared_b_start", "shared_b_end"]
ANALYZER = "char_wb"  # n-grams inside word boundaries: robust to punctuation and spacing
NGRAM_RANGE = (3, 5)
_MEASURES = ("similarity", "containment")


def _bodies(lessons: pd.DataFrame) -> tuple[list[str], list[int]]:
    """Lesson texts without markers, and their offsets in the source text."""
    missing = [c for c in ("lesson_id", "place", "marker", "start", "text")
               if c not in lessons.columns]
    if missing:
        raise UserError(f"lessons table lacks column {missing[0]!r}", where="parameter lessons",
                        fix="pass the frame from analysis.reading.lessons.extract_lessons")
    dup = lessons["lesson_id"].duplicated()
    if dup.any():
        raise UserError(f"lesson_id {lessons['lesson_id'][dup].iloc[0]!r} appears twice",
                        where="parameter lessons", fix="lesson ids must be unique")
    bodies, offsets = [], []
    for text, marker, start in zip(lessons["text"], lessons["marker"], lessons["start"],
                                   strict=True):
        body = lesson_body(text, marker)
        bodies.append(body)
        offsets.append(int(start) + len(text) - len(body))
    if bodies and not any(re.search(r"\w", b) for b in bodies):
        raise UserError("the lessons have no words after their markers", where="parameter lessons",
                        fix="pass lessons with text, e.g. from "
                        "analysis.reading.lessons.extract_lessons")
    return bodies, offsets


def lesson_similarity(lessons: pd.DataFrame, *, analyzer: str = ANALYZER,
                      ngram_range: tuple[int, int] = NGRAM_RANGE) -> pd.DataFrame:
    """Cosine similarity of TF-IDF character n-gram vectors, square, indexed by lesson_id."""
    bodies, _ = _bodies(lessons)
    ids = pd.Index(lessons["lesson_id"], name="lesson_id")
    if not bodies:
        return pd.DataFrame(index=ids, columns=ids, dtype="float64")
    vectors = TfidfVectorizer(analyzer=analyzer, ngram_range=ngram_range,
                              sublinear_tf=True).fit_transform(bodies)
    matrix = np.clip(cosine_similarity(vectors), 0.0, 1.0)
    np.fill_diagonal(matrix, 1.0)
    return pd.DataFrame(matrix, index=ids, columns=ids.rename("other"))


def _containment(bodies: list[str], analyzer: str, ngram_range: tuple[int, int]) -> np.ndarray:
    grams = CountVectorizer(analyzer=analyzer, ngram_range=ngram_range,
                            binary=True).fit_transform(bodies)
    shared = (grams @ grams.T).toarray().astype(float)
    sizes = np.diag(shared).copy()
    smaller = np.minimum.outer(sizes, sizes)
    return np.divide(shared, smaller, out=np.zeros_like(shared), where=smaller > 0)


def _longest_shared(a: str, b: str) -> tuple[int, int, int, int, int]:
    """Longest run of identical words (case-insensitive): (n words, a_start, a_end, b_s, b_e)."""
    wa = list(re.finditer(r"\w+", a))
    wb = list(re.finditer(r"\w+", b))
    m = difflib.SequenceMatcher(None, [w.group().lower() for w in wa],
                                [w.group().lower() for w in wb],
                                autojunk=False).find_longest_match(0, len(wa), 0, len(wb))
    if m.size == 0:
        return 0, 0, 0, 0, 0
    return (m.size, wa[m.a].start(), wa[m.a + m.size - 1].end(),
            wb[m.b].start(), wb[m.b + m.size - 1].end())


def lesson_pairs(lessons: pd.DataFrame, *, analyzer: str = ANALYZER,
                 ngram_range: tuple[int, int] = NGRAM_RANGE) -> pd.DataFrame:
    """Every unordered pair of lessons once (a before b in reading order), most similar first.

    Columns (`PAIR_COLUMNS`): lesson_a, lesson_b, place_a, place_b, same_place, similarity
    (TF-IDF cosine), containment (share of the shorter lesson's n-grams in the other),
    shared_words (longest run of identical words), shared_text (that run as written in
    lesson a) and its offsets in the source text in a and in b.
    """
    bodies, offsets = _bodies(lessons)
    if len(bodies) < 2:
        return pd.DataFrame({c: [] for c in PAIR_COLUMNS})
    sim = lesson_similarity(lessons, analyzer=analyzer, ngram_range=ngram_range).to_numpy()
    con = _containment(bodies, analyzer, ngram_range)
    ids, places = list(lessons["lesson_id"]), list(lessons["place"])
    rows = []
    for i, j in itertools.combinations(range(len(bodies)), 2):
        n, a_s, a_e, b_s, b_e = _longest_shared(bodies[i], bodies[j])
        same = bool(places[i] == places[j]) if pd.notna(places[i]) else pd.isna(places[j])
        rows.append({
            "lesson_a": ids[i], "lesson_b": ids[j], "place_a": places[i], "place_b": places[j],
            "same_place": same, "similarity": float(sim[i, j]),
            "containment": float(con[i, j]), "shared_words": n,
            "shared_text": bodies[i][a_s:a_e],
            "shared_a_start": offsets[i] + a_s, "shared_a_end": offsets[i] + a_e,
            "shared_b_start": offsets[j] + b_s, "shared_b_end": offsets[j] + b_e,
        })
    frame = pd.DataFrame(rows, columns=PAIR_COLUMNS)
    return frame.sort_values(["similarity", "lesson_a", "lesson_b"],
                             ascending=[False, True, True], kind="stable").reset_index(drop=True)


def reused_pairs(lessons: pd.DataFrame, threshold: float = 0.8, *,
                 measure: str = "containment") -> pd.DataFrame:
    """Cross-province pairs whose `measure` reaches `threshold`: lessons repeated nearly verbatim.

    With the default, 80% of the shorter lesson's character n-grams recur in the other one.
    """
    if measure not in _MEASURES:
        raise UserError(f"unknown measure {measure!r}", where="parameter measure",
                        fix=f"use one of {', '.join(_MEASURES)}")
    if not isinstance(threshold, int | float) or not 0.0 <= threshold <= 1.0:
        raise UserError(f"threshold {threshold!r} is not between 0 and 1",
                        where="parameter threshold", fix="pass a share such as 0.8")
    pairs = lesson_pairs(lessons)
    cross = pairs[~pairs["same_place"].astype(bool) & (pairs[measure] >= threshold)]
    return cross.sort_values(measure, ascending=False, kind="stable").reset_index(drop=True)
