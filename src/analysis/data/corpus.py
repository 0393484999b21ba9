"""The labelled reading corpus: real Vietnamese texts on poverty reduction with hand labels.

`data/corpus/` (see its README, the labelling guide) holds one UTF-8 NFC text per page excerpt
(`texts/<id>.txt`), the pages' addresses and retrieval notes (`texts.csv`), every claim a
reader finds in each text (`claims.csv`) and every enumerated lesson (`lessons.csv`), each with
character offsets into its text (Python ``str`` indices).

`load_corpus` validates all of it: each table against its pandera schema and the labelling
vocabulary, each text file for NFC, and every label's quote against ``text[start:end]``. The
first problem raises a one-line `UserError` naming the file, the row, what is wrong and how to
fix it, so a mislabelled offset never reaches the evaluation as a silent miss.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from analysis.data import paths
from analysis.data.external import read_csv, validate
from analysis.errors import UserError

CORPUS = paths.DATA / "corpus"
TEXTS, CLAIMS, LESSONS = "texts.csv", "claims.csv", "lessons.csv"

#: Units: the reading layer's own (analysis.reading.claims / analysis.reading.numbers), plus
#: the corpus's additions `fraction` ("1/2 số hộ", "hơn một nửa"), `households_per_year` and
#: `percentage_points_per_year`. Money units are matched by `MONEY_UNIT` as well.
UNITS = ("percent", "percentage_points", "percent_per_year", "percentage_points_per_year",
         "fraction", "households", "households_per_year", "persons", "workers", "communes",
         "districts", "villages", "houses", "provinces", "models", "projects", "works",
         "classes", "health_insurance_cards", "household_loans", "livestock", "students",
         "hectares", "vnd", "usd", "million_usd")
MONEY_UNIT = r"^(?:million_|billion_)?(?:vnd|usd)(?:_per_(?:person|household|worker))?" \
             r"(?:_per_(?:year|month))?$"
#: Indicators the reading layer emits (analysis.reading.claims) ...
READER_INDICATORS = (
    "poor_household_rate", "near_poor_household_rate", "poverty_exit_rate", "re_poverty_share",
    "new_poverty_share", "poverty_rate_reduction", "poverty_rate_increase",
    "near_poor_household_rate_reduction", "near_poor_household_rate_increase",
    "poverty_exit_rate_reduction", "poverty_exit_rate_increase", "re_poverty_share_reduction",
    "re_poverty_share_increase", "new_poverty_share_reduction", "new_poverty_share_increase",
    "poor_households_reduction", "poor_households_increase",
    "near_poor_households_reduction", "near_poor_households_increase",
    "poor_households", "near_poor_households", "households_escaped_poverty",
    "re_poor_households", "new_poor_households", "re_and_new_poor_households",
    "poor_persons", "near_poor_persons", "persons_escaped_poverty", "re_poor_persons",
    "new_poor_persons", "re_and_new_poor_persons", "households", "persons",
    "health_insurance_coverage", "trained_worker_rate", "clean_water_access",
    "disbursement_rate", "poverty_line", "income", "income_per_capita", "preferential_credit",
    "budget", "workers", "workers_trained", "workers_sent_abroad", "workers_employed",
    "houses", "houses_supported",
    *(f"{pre}{u}{post}" for u in ("communes", "districts", "villages", "provinces")
      for pre, post in (("", ""), ("extremely_difficult_", ""), ("", "_escaped_poverty"),
                        ("", "_new_rural_standard"), ("poor_", ""))),
)
#: ... and the corpus's additions (defined in data/corpus/README.md).
CORPUS_INDICATORS = (
    "poor_and_near_poor_household_rate", "poor_and_near_poor_households",
    "poor_and_near_poor_households_reduction", "poor_households_share",
    "near_poor_households_share", "average_living_standard_households",
    "average_living_standard_household_rate", "plan_achievement_rate", "budget_share",
    "disbursed_funds", "poor_households_supported", "near_poor_households_supported",
)
INDICATORS = READER_INDICATORS + CORPUS_INDICATORS
#: When in its period a figure holds (empty: only the year is known).
TIMEPOINTS = ("start_of_year", "mid_year", "end_of_year", "partial_year", "period")
STATUSES = ("actual", "estimate", "target")
PERIOD = r"^\d{4}(-\d{4})?( vs \d{4}(-\d{4})?)?$"

TEXT_ID = r"^\d{2}_[a-z0-9_]+$"
_OFFSET = pa.Column(int, pa.Check.ge(0), coerce=True)


def _text(nullable: bool = False, **kw: object) -> pa.Column:
    return pa.Column(str, nullable=nullable, **kw)


def _span_ok(df: pd.DataFrame) -> pd.Series:
    return df["end"] > df["start"]


def _unit_ok(df: pd.DataFrame) -> pd.Series:
    return df["unit"].isin(UNITS) | df["unit"].str.match(MONEY_UNIT)


def _range_ok(df: pd.DataFrame) -> pd.Series:
    return df["value_max"].isna() | (df["value_max"] > df["value"])


TEXTS_SCHEMA = pa.DataFrameSchema(
    {
        "id": _text(checks=pa.Check.str_matches(TEXT_ID), unique=True),
        "url": _text(checks=pa.Check.str_matches(r"^https?://\S+$")),
        "title": _text(nullable=True),
        "publisher": _text(),
        "published": _text(nullable=True,
                           checks=pa.Check.str_matches(r"^\d{4}(-\d{2}(-\d{2})?)?$")),
        "retrieved": _text(checks=pa.Check.str_matches(r"^\d{4}-\d{2}-\d{2}$")),
        "places": _text(),
        "retrieval_note": _text(checks=pa.Check.str_length(min_value=20)),
    },
    strict=True, ordered=True,
)

CLAIMS_SCHEMA = pa.DataFrameSchema(
    {
        "text_id": _text(checks=pa.Check.str_matches(TEXT_ID)),
        "claim_no": pa.Column(int, pa.Check.ge(1), coerce=True),
        "quote": _text(checks=pa.Check.str_length(min_value=1)),
        "start": _OFFSET,
        "end": _OFFSET,
        "value": pa.Column(float, coerce=True),
        "value_max": pa.Column(float, nullable=True, coerce=True),
        "unit": _text(),
        "indicator": _text(checks=pa.Check.isin(INDICATORS)),
        "period": _text(checks=pa.Check.str_matches(PERIOD)),
        "timepoint": _text(nullable=True, checks=pa.Check.isin(TIMEPOINTS)),
        "status": _text(checks=pa.Check.isin(STATUSES)),
        "place": _text(),
        "qualifier": _text(nullable=True),
        "subgroup": _text(nullable=True),
        "base": _text(nullable=True),
        "note": _text(nullable=True),
    },
    checks=[pa.Check(_span_ok, name="end_after_start"),
            pa.Check(_unit_ok, name="unit_in_vocabulary"),
            pa.Check(_range_ok, name="value_max_above_value")],
    unique=["text_id", "claim_no"],
    strict=True, ordered=True,
)

LESSONS_SCHEMA = pa.DataFrameSchema(
    {
        "text_id": _text(checks=pa.Check.str_matches(TEXT_ID)),
        "ordinal": pa.Column(int, pa.Check.in_range(1, 10), coerce=True),
        "marker": _text(),
        "start": _OFFSET,
        "end": _OFFSET,
        "place": _text(nullable=True),
    },
    checks=[pa.Check(_span_ok, name="end_after_start")],
    unique=["text_id", "ordinal"],
    strict=True, ordered=True,
)


@dataclass(frozen=True)
class Corpus:
    """The validated corpus: page metadata, the texts by id, claim and lesson labels."""

    meta: pd.DataFrame
    texts: dict[str, str]
    claims: pd.DataFrame
    lessons: pd.DataFrame


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise UserError("text file not found", where=str(path),
                        fix="add the text or remove its row from texts.csv")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise UserError(f"not UTF-8 ({e.reason} at byte {e.start})", where=str(path),
                        fix="save the file as UTF-8") from e
    if unicodedata.normalize("NFC", text) != text:
        raise UserError("text is not in Unicode NFC", where=str(path),
                        fix="rewrite it with unicodedata.normalize('NFC', text), then "
                            "recompute the offsets of its labels")
    return text


def _check_offsets(frame: pd.DataFrame, texts: dict[str, str], path: Path, kind: str,
                   quote_of: str | None) -> None:
    """Every label's span lies in its text and (claims) its quote is ``text[start:end]``."""
    for i, row in enumerate(frame.itertuples(index=False)):
        line = i + 2  # the header is line 1
        label = (f"{kind} {row.claim_no}" if kind == "claim" else f"{kind} {row.ordinal}")
        where = f"{path}, line {line} (text {row.text_id}, {label})"
        if row.text_id not in texts:
            raise UserError(f"unknown text id {row.text_id!r}", where=where,
                            fix=f"use an id listed in {TEXTS}")
        text = texts[row.text_id]
        start, end = int(row.start), int(row.end)
        if end > len(text):
            raise UserError(f"span {start}:{end} runs past the end of the text "
                            f"({len(text)} characters)", where=where,
                            fix="recompute start and end as Python str indices")
        if quote_of is None:
            continue
        quote = getattr(row, quote_of)
        if text[start:end] != quote:
            found = [i for i in range(len(text)) if text.startswith(quote, i)]
            hint = (f"the quote occurs at start {', '.join(map(str, found[:5]))}"
                    if found else "the quote does not occur in the text: copy it from the text")
            raise UserError(f"quote {quote!r} is not at {start}:{end}, the text there reads "
                            f"{text[start:end]!r}", where=where,
                            fix=f"set start/end so that text[start:end] == quote ({hint})")


def load_corpus(root: Path = CORPUS) -> Corpus:
    """The corpus in `root` (default data/corpus), validated; `UserError` on the first problem."""
    root = Path(root)
    meta = validate(read_csv(root / TEXTS), TEXTS_SCHEMA, root / TEXTS)
    texts = {tid: _read_text(root / "texts" / f"{tid}.txt") for tid in meta["id"]}
    claims = validate(read_csv(root / CLAIMS), CLAIMS_SCHEMA, root / CLAIMS)
    lessons = validate(read_csv(root / LESSONS), LESSONS_SCHEMA, root / LESSONS)
    _check_offsets(claims, texts, root / CLAIMS, "claim", "quote")
    _check_offsets(lessons, texts, root / LESSONS, "lesson", None)
    for row in lessons.itertuples(index=False):
        if not texts[row.text_id].startswith(row.marker, int(row.start)):
            raise UserError(f"lesson {row.ordinal} does not start with its marker "
                            f"{row.marker!r}", where=f"{root / LESSONS} (text {row.text_id})",
                            fix="start the span at the marker ('Thứ nhất', 'Một là', '1.')")
    return Corpus(meta=meta, texts=texts, claims=claims, lessons=lessons)
