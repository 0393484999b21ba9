"""data/processed: the article's claims, lessons and theme coding, and the GSO ranks, as
validated tables.

`analysis.build.extract` regenerates the article's tables from the raw page
(deterministically, so a test can compare the committed files byte for byte), and
`analysis.build.derive` the ranks from the GSO file (a derived file: `analysis.data.derived`);
`load_*` reads them back and validates every row, so a hand-edited file fails with the file,
the column and the row instead of a wrong figure three steps later.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from analysis.data import derived, paths
from analysis.data.external import read_csv as read_csv_text
from analysis.data.external import validate
from analysis.errors import UserError

CLAIMS = "claims.csv"
LESSONS = "lessons.csv"
LESSON_THEMES = "lesson_themes.csv"

#: Where a claim's period and status were read from: offsets of the words that set them — the
#: time, what a change is compared with ("so với năm 2020"), the status cue — empty when
#: nothing did (no time in the text, no comparison, "actual" by default).
CLAIM_CUE_COLUMNS = ["period_cue_start", "period_cue_end", "base_cue_start", "base_cue_end",
                     "status_cue_start", "status_cue_end"]
#: Columns of the claims frame, in order.
CLAIM_COLUMNS = ["claim_id", "quote", "start", "end", "value", "value_max", "unit", "indicator",
                 "period", "timepoint", "status", "place", "qualifier", "same_as",
                 *CLAIM_CUE_COLUMNS]
#: dtypes of the claims frame (pandas 3: text columns are ``str``, missing values NaN).
CLAIM_DTYPES = {"claim_id": "str", "quote": "str", "start": "int64", "end": "int64",
                "value": "float64", "value_max": "float64", "unit": "str", "indicator": "str",
                "period": "str", "timepoint": "str", "status": "str", "place": "str",
                "qualifier": "str", "same_as": "str", **dict.fromkeys(CLAIM_CUE_COLUMNS, "Int64")}
#: When in its period a claim holds (empty: only the year is known).
TIMEPOINTS = ["start_of_year", "mid_year", "end_of_year", "partial_year", "period"]
#: Columns of the frame `extract_lessons` returns, in order.
LESSON_COLUMNS = ["lesson_id", "place", "enumeration", "ordinal", "marker", "start", "end", "text"]
#: Columns of the lesson × theme table, in order.
LESSON_THEME_COLUMNS = ["lesson_id", "place", "ordinal", "theme_id", "cue", "evidence", "cue_start",
                        "cue_end", "cues", "coder_override", "coder_note"]
#: What a human coder may write in `coder_override`.
OVERRIDES = ("", "add", "remove")

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
        "timepoint": pa.Column(str, pa.Check.isin(TIMEPOINTS), nullable=True),
        "status": pa.Column(str, pa.Check.isin(["actual", "estimate", "target"])),
        "place": pa.Column(str, nullable=True),
        "qualifier": pa.Column(str, nullable=True),
        "same_as": pa.Column(str, pa.Check.str_matches(r"^c\d+$"), nullable=True),
        **{c: pa.Column("Int64", pa.Check.ge(0), nullable=True, coerce=True, required=False)
           for c in CLAIM_CUE_COLUMNS},
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


RANKS_SCHEMA = pa.DataFrameSchema(
    {
        "province": pa.Column(str),
        "province_code": pa.Column(str, pa.Check.str_matches(r"^\d{2}$")),
        "region": pa.Column(str),
        "year": pa.Column(int, pa.Check.in_range(1990, 2030), coerce=True),
        "value": pa.Column(float, pa.Check.in_range(0, 100), coerce=True),
        "status": pa.Column(str, pa.Check.isin(["final", "preliminary"])),
        "source_id": pa.Column(str),
        "rank": pa.Column("Int64", pa.Check.ge(1), nullable=True, coerce=True),
        "n_ranked": pa.Column(int, pa.Check.ge(1), coerce=True),
    },
    unique=["province", "year"], strict=True, ordered=True, name="gso ranks")


def load_claims(path: Path = paths.PROCESSED / CLAIMS) -> pd.DataFrame:
    """The claims table, validated (file, column and row named on any error); a table written
    before the cue columns existed loads with them empty."""
    frame = validate(read_csv_text(Path(path)), CLAIMS_SCHEMA, Path(path))
    for c in CLAIM_CUE_COLUMNS:
        if c not in frame:
            frame[c] = pd.array([None] * len(frame), dtype="Int64")
    return frame[CLAIM_COLUMNS]


def load_lessons(path: Path = paths.PROCESSED / LESSONS) -> pd.DataFrame:
    """The lessons table, validated."""
    frame = validate(read_csv_text(Path(path)), LESSONS_SCHEMA, Path(path))
    return frame[LESSON_COLUMNS]


def load_lesson_themes(path: Path = paths.PROCESSED / LESSON_THEMES) -> pd.DataFrame:
    """Lesson × theme coding with the human coder's overrides, validated."""
    return read_lesson_themes(Path(path))


def ranks_text(ranks: pd.DataFrame) -> str:
    """The ranks table (`analysis.compute.context.rank_provinces`) as CSV."""
    return ranks[list(RANKS_SCHEMA.columns)].to_csv(index=False, lineterminator="\n")


def load_ranks(path: Path = paths.GSO_RANKS) -> pd.DataFrame:
    """Each province's GSO rank per year: the derived file data/processed/gso_ranks.csv,
    checked against the GSO file it was made from (`derived.check_fresh`) and validated; equal
    to `analysis.compute.context.rank_provinces` of that file."""
    path = Path(path)
    derived.check_fresh(path)
    return validate(read_csv_text(path), RANKS_SCHEMA, path)


def empty_lesson_themes(n: int = 0) -> pd.DataFrame:
    return pd.DataFrame({c: [] for c in LESSON_THEME_COLUMNS}).iloc[:n]


def typed_lesson_themes(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame[LESSON_THEME_COLUMNS].copy()
    for c in ("ordinal", "cue_start", "cue_end"):
        frame[c] = pd.to_numeric(frame[c]).astype("Int64")
    for c in ("lesson_id", "theme_id", "cue", "evidence", "cues", "coder_override",
              "coder_note"):
        frame[c] = frame[c].fillna("").astype(str)
    frame["place"] = frame["place"].astype("str")  # missing place stays missing (NaN)
    return frame.reset_index(drop=True)


def check_lesson_themes(previous: pd.DataFrame, source: str) -> pd.DataFrame:
    missing = [c for c in ("lesson_id", "theme_id", "coder_override") if c not in previous]
    if missing:
        raise UserError(f"missing column {missing[0]!r}", where=source,
                        fix="a lesson-themes table has the columns "
                        + ", ".join(LESSON_THEME_COLUMNS))
    prev = previous.copy()
    for c in LESSON_THEME_COLUMNS:
        if c not in prev:
            prev[c] = None
    prev = typed_lesson_themes(prev)
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


def read_lesson_themes(path: Path) -> pd.DataFrame:
    """A saved lesson-themes CSV with empty texts kept as '' (not NaN) and checked overrides."""
    path = Path(path)
    if not path.exists():
        raise UserError("lesson-themes table not found", where=str(path),
                        fix="run the extraction (python -m analysis extract) to create it")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = frame.replace({"place": {"": None}, "cue_start": {"": None},
                           "cue_end": {"": None}, "ordinal": {"": None}})
    return check_lesson_themes(frame, str(path))
