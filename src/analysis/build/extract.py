"""Regenerate data/processed from the raw article: claims, lessons and the lesson × theme coding.

Deterministic, so a test can compare the committed files byte for byte; a coder's overrides
already saved in lesson_themes.csv are kept (`analysis.reading.themes.merge_overrides`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.data import paths
from analysis.data.codebook import Theme, load_codebook
from analysis.data.external import validate
from analysis.data.files import write_atomic
from analysis.data.processed import (
    CLAIMS,
    CLAIMS_SCHEMA,
    LESSON_THEMES,
    LESSONS,
    LESSONS_SCHEMA,
    load_claims,
    load_lesson_themes,
    load_lessons,
    read_lesson_themes,
)
from analysis.reading.article import load_article
from analysis.reading.claims import extract_article_claims
from analysis.reading.lessons import extract_article_lessons
from analysis.reading.themes import code_lessons, merge_overrides


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    write_atomic(path, frame.to_csv(index=False, lineterminator="\n"))
    return path


def extract(article_path: Path = paths.ARTICLE, out_dir: Path = paths.PROCESSED,
            codebook_path: Path = paths.CODEBOOK) -> list[Path]:
    """Read the article and write claims, lessons and lesson_themes CSVs into `out_dir`.

    A coder's overrides already in `out_dir/lesson_themes.csv` are kept.
    """
    article = load_article(article_path)
    codebook = load_codebook(codebook_path)  # validated before anything is written
    claims = validate(extract_article_claims(article), CLAIMS_SCHEMA, Path("<extracted claims>"))
    lessons = validate(extract_article_lessons(article), LESSONS_SCHEMA,
                       Path("<extracted lessons>"))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [_write_csv(claims, out_dir / CLAIMS), _write_csv(lessons, out_dir / LESSONS)]
    update_lesson_themes(lessons, codebook, out_dir / LESSON_THEMES)
    return [*written, out_dir / LESSON_THEMES]


def update_lesson_themes(lessons: pd.DataFrame, codebook: tuple[Theme, ...],
                         path: Path) -> pd.DataFrame:
    """Re-code `lessons`, keep the coder's decisions already saved at `path`, write, return."""
    path = Path(path)
    previous = read_lesson_themes(path) if path.exists() else None
    merged = merge_overrides(code_lessons(lessons, codebook), previous, source=str(path))
    write_atomic(path, merged.to_csv(index=False, lineterminator="\n"))
    return merged


def extraction_statement(written: list[Path]) -> str:
    """One sentence on what `extract` found, saying so plainly when it found nothing."""
    claims_path, lessons_path, coded_path = written
    claims, lessons = load_claims(claims_path), load_lessons(lessons_path)
    coded = load_lesson_themes(coded_path)
    found = (f"{len(claims)} quantitative claims, {len(lessons)} enumerated lessons, "
             f"{len(coded)} lesson-theme codes")
    if claims.empty and lessons.empty:
        return f"{found}: the text has no figures and no enumerated lessons (tables are empty)"
    return found
