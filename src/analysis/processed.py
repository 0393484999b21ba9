"""data/processed: the article's claims, lessons and theme coding as validated tables.

`extract` regenerates them from the raw page (deterministically, so a test can compare the
committed files byte for byte); `load_*` reads them back and validates every row, so a hand-edited
file fails with the file, the column and the row instead of a wrong figure three steps later.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from analysis import paths
from analysis.article import load_article
from analysis.claims import COLUMNS as CLAIM_COLUMNS
from analysis.claims import extract_article_claims
from analysis.external import read_csv as read_csv_text
from analysis.external import validate
from analysis.files import write_atomic
from analysis.lessons import COLUMNS as LESSON_COLUMNS
from analysis.lessons import extract_article_lessons
from analysis.themes import load_codebook, read_lesson_themes, update_lesson_themes

CLAIMS = "claims.csv"
LESSONS = "lessons.csv"
LESSON_THEMES = "lesson_themes.csv"

_SNAKE = pa.Check.str_matches(r"^[a-z][a-z0-9_]*$")
_OFFSET = pa.Column(int, pa.Check.ge(0), coerce=True)
_RATE_UNITS = ("percent", "percentage_points", "percent_per_year")
_COUNT_UNITS = ("households", "persons", "communes", "districts", "villages")


def _span_ok(df: pd.DataFrame) -> pd.Series:
    return df["end"] > df["start"]


def _value_ok(df: pd.DataFrame) -> pd.Series:
    rate = df["unit"].isin(["percent"]) & ~df["value"].between(0, 100)
    count = df["unit"].isin(_COUNT_UNITS) & (df["value"] < 0)
    return ~(rate | count)


CLAIMS_SCHEMA = pa.DataFrameSchema(
    {
        "claim_id": pa.Column(str, pa.Check.str_matches(r"^c\d+$"), unique=True),
        "quote": pa.Column(str, pa.Check.str_length(min_value=1)),
        "start": _OFFSET,
        "end": _OFFSET,
        "value": pa.Column(float, coerce=True),
        "value_max": pa.Column(float, nullable=True, coerce=True),
        "unit": pa.Column(str, _SNAKE),
        "indicator": pa.Column(str, _SNAKE),
        "period": pa.Column(str, pa.Check.str_matches(r"^\d{4}(-\d{4})?( vs \d{4}(-\d{4})?)?$"),
                            nullable=True),
        "timepoint": pa.Column(str, pa.Check.isin(["start_of_year", "end_of_year", "period"]),
                               nullable=True),
        "status": pa.Column(str, pa.Check.isin(["actual", "estimate", "target"])),
        "place": pa.Column(str, nullable=True),
        "qualifier": pa.Column(str, nullable=True),
        "same_as": pa.Column(str, pa.Check.str_matches(r"^c\d+$"), nullable=True),
    },
    checks=[pa.Check(_span_ok, name="end_after_start"),
            pa.Check(_value_ok, name="rate_0_100_count_not_negative")],
    strict=True,
    ordered=True,
)

LESSONS_SCHEMA = pa.DataFrameSchema(
    {
        "lesson_id": pa.Column(str, unique=True),
        "place": pa.Column(str, nullable=True),
        "enumeration": pa.Column(int, pa.Check.ge(1), coerce=True),
        "ordinal": pa.Column(int, pa.Check.in_range(1, 10), coerce=True),
        "marker": pa.Column(str),
        "start": _OFFSET,
        "end": _OFFSET,
        "text": pa.Column(str, pa.Check.str_length(min_value=1)),
    },
    checks=[pa.Check(_span_ok, name="end_after_start")],
    strict=True,
    ordered=True,
)


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


def load_claims(path: Path = paths.PROCESSED / CLAIMS) -> pd.DataFrame:
    """The claims table, validated (file, column and row named on any error)."""
    frame = validate(read_csv_text(Path(path)), CLAIMS_SCHEMA, Path(path))
    return frame[CLAIM_COLUMNS]


def load_lessons(path: Path = paths.PROCESSED / LESSONS) -> pd.DataFrame:
    """The lessons table, validated."""
    frame = validate(read_csv_text(Path(path)), LESSONS_SCHEMA, Path(path))
    return frame[LESSON_COLUMNS]


def load_lesson_themes(path: Path = paths.PROCESSED / LESSON_THEMES) -> pd.DataFrame:
    """Lesson × theme coding with the human coder's overrides, validated."""
    return read_lesson_themes(Path(path))


def extraction_statement(written: list[Path]) -> str:
    """One sentence on what `extract` found, saying so plainly when it found nothing."""
    claims, lessons, coded = (pd.read_csv(p, dtype=str) for p in written)
    found = (f"{len(claims)} quantitative claims, {len(lessons)} enumerated lessons, "
             f"{len(coded)} lesson-theme codes")
    if claims.empty and lessons.empty:
        return f"{found}: the text has no figures and no enumerated lessons (tables are empty)"
    return found
