"""Figures derived from the article's claims: trajectories, average falls, comparison with
official targets, household totals implied by count/rate pairs, re-poverty shares and yearly
averages.

Every function takes the tidy claims frame of `analysis.reading.claims` (claim_id, quote, start,
end, value, value_max, unit, indicator, period, timepoint, status, place, qualifier, same_as) and
returns a tidy frame in which every derived value keeps, in `claim_ids` ("c1;c2"), the claims it
came from, so a figure or an audit line can be traced back to the exact words of the article.
Restatements (`same_as`) are folded into the first statement of the fact, never counted twice.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from decimal import Decimal

import pandas as pd

from analysis.data.config import LANGS
from analysis.data.provinces import resolve_province
from analysis.errors import UserError
from analysis.reading.themes import effective_themes

RATE = "poor_household_rate"
COUNT = "poor_households"
REPOVERTY = "re_poverty_share"
ESCAPED = "households_escaped_poverty"
TARGET_INDICATOR = "poor_household_rate_annual_reduction"
TARGET_UNIT = "percentage_points_per_year"
#: Target scopes compared with a province's average fall by default: the national target and the
#: stricter one for poor districts (shown for reference: a province is not a poor district).
TARGET_SCOPES = ("national", "poor districts and poor communes")

CLAIM_COLUMNS = ["claim_id", "quote", "start", "end", "value", "value_max", "unit", "indicator",
                 "period", "timepoint", "status", "place", "qualifier", "same_as"]
_SELECTABLE = ("claim_id", "indicator", "unit", "period", "timepoint", "status", "place",
               "qualifier")


# --------------------------------------------------------------------------- small helpers

def join_ids(*groups: object) -> str:
    """Claim ids from strings ("a;b"), lists or NaN, deduplicated in order: 'a;b;c'."""
    out: list[str] = []
    for g in groups:
        if g is None or (isinstance(g, float) and math.isnan(g)):
            continue
        items = g.split(";") if isinstance(g, str) else [str(x) for x in g]  # type: ignore[union-attr]
        out.extend(i.strip() for i in items if i and i.strip())
    return ";".join(dict.fromkeys(out))


def ids_of(*frames: pd.DataFrame, column: str = "claim_ids") -> list[str]:
    """Every id in `column` of the frames, in order, once (for a figure's source line)."""
    return [i for i in join_ids(*(v for f in frames if column in f for v in f[column])).split(";")
            if i]


def is_missing(value: object) -> bool:
    """None, NaN, pd.NA or blank text: a cell with nothing in it."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA \
        or (isinstance(value, str) and value.strip() == "")


def period_text(value: object) -> str | None:
    """Period as text ('2019', '2011-2015'), whatever the CSV reader made of it."""
    if is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s*[-–]\s*", "-", str(value).strip())


def period_years(period: object) -> tuple[int, int] | None:
    """First and last calendar year of a period ('2011-2015' → (2011, 2015)), else None."""
    p = period_text(period)
    m = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", p or "")
    if not m:
        return None
    return int(m.group(1)), int(m.group(2) or m.group(1))


def check_claims(claims: pd.DataFrame, where: str = "parameter claims") -> pd.DataFrame:
    """`claims` with every contract column present (UserError naming the first missing one)."""
    missing = [c for c in CLAIM_COLUMNS if c not in claims.columns]
    if missing:
        raise UserError(f"claims table lacks column {missing[0]!r}", where=where,
                        fix="pass the frame from analysis.reading.claims.extract_claims or "
                            "analysis.data.processed.load_claims")
    out = claims.copy()
    out["period"] = out["period"].map(period_text)
    for c in ("claim_id", "same_as"):
        out[c] = out[c].map(lambda v: None if is_missing(v) else str(v))
    return out


def select(claims: pd.DataFrame, **criteria: object) -> pd.DataFrame:
    """Claims whose columns equal the criteria (a value, a list of values, or None = missing)."""
    claims = check_claims(claims)
    mask = pd.Series(True, index=claims.index)
    for column, wanted in criteria.items():
        if column not in _SELECTABLE:
            raise UserError(f"cannot select claims by {column!r}", where="claim selector",
                            fix=f"use one of: {', '.join(_SELECTABLE)}")
        values = wanted if isinstance(wanted, list | tuple | set) else [wanted]
        col = claims[column].map(lambda v: None if is_missing(v) else v)
        if column == "period":
            values = [period_text(v) for v in values]
        hit = pd.Series(False, index=claims.index)
        for v in values:
            hit |= col.isna() if v is None else (col == v)
        mask &= hit
    return claims[mask]


def canonical(claims: pd.DataFrame) -> pd.DataFrame:
    """One row per fact: restatements (`same_as`) folded into their first statement, whose
    `claim_ids` then lists every statement ('c03;c09')."""
    claims = check_claims(claims)
    parent = dict(zip(claims["claim_id"], claims["same_as"], strict=True))

    def root(cid: str) -> str:
        seen = set()
        while parent.get(cid) and parent[cid] in parent and cid not in seen:
            seen.add(cid)
            cid = parent[cid]
        return cid

    roots = claims["claim_id"].map(root)
    groups = {r: join_ids(list(claims["claim_id"][roots == r])) for r in dict.fromkeys(roots)}
    out = claims[claims["claim_id"] == roots].copy()
    out["claim_ids"] = out["claim_id"].map(groups)
    return out.reset_index(drop=True)


def _decimals(value: float) -> int:
    exponent = Decimal(repr(float(value))).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def _when(period: object, timepoint: object) -> float | None:
    """Position on a time axis in years: start of 2016 → 2016.0, end of 2019 → 2020.0."""
    years = period_years(period)
    if years is None or years[0] != years[1]:
        return None
    return float(years[0] + (0 if timepoint == "start_of_year" else 1))


# --------------------------------------------------------------------------- provinces

def check_province(province: object, allowed: Iterable[str],
                   parameter: str = "province") -> str:
    """The canonical name of `province` if it is one of `allowed`, else a UserError that lists
    every valid value (accent- and case-insensitive: 'phu yen' → 'Phú Yên')."""
    allowed = list(allowed)
    try:
        return resolve_province(province, allowed=allowed, parameter=parameter)
    except UserError as e:
        raise UserError(f"unknown {parameter} {province!r}", where=f"parameter {parameter}",
                        fix=f"use one of: {', '.join(allowed)}") from e


def has_figures(frame: pd.DataFrame) -> bool:
    """Whether a derived table has anything to draw (notebooks state so when it has not)."""
    return not frame.empty


# --------------------------------------------------------------------------- trajectory

TRAJECTORY_COLUMNS = ["place", "period", "timepoint", "when", "rate", "households", "status",
                      "rate_claim_ids", "households_claim_ids", "claim_ids"]


def trajectory(claims: pd.DataFrame, province: str, *, rate: str = RATE,
               count: str = COUNT) -> pd.DataFrame:
    """Poor-household rate and count of `province` at each dated point, oldest first.

    Only single-year points with a start/end-of-year timepoint (or none, read as end of year)
    and status actual or estimate; a point is an estimate if either of its figures is.
    `rate`/`count` name the indicators (another measure, e.g. near-poor households, works too).
    """
    facts = canonical(select(claims, place=province, indicator=[rate, count],
                             status=["actual", "estimate"]))
    rows: dict[tuple[str, str], dict[str, object]] = {}
    for c in facts.itertuples(index=False):
        when = _when(c.period, c.timepoint)
        if when is None:
            continue
        timepoint = c.timepoint if c.timepoint in ("start_of_year", "end_of_year") \
            else "end_of_year"
        row = rows.setdefault((c.period, timepoint), {
            "place": province, "period": c.period, "timepoint": timepoint, "when": when,
            "rate": math.nan, "households": math.nan, "status": "actual",
            "rate_claim_ids": "", "households_claim_ids": ""})
        field = "rate" if c.indicator == rate else "households"
        if not math.isnan(row[field]):  # a second, different statement of the same point
            continue
        row[field] = float(c.value)
        row[f"{field}_claim_ids"] = c.claim_ids
        if c.status == "estimate":
            row["status"] = "estimate"
    frame = pd.DataFrame(list(rows.values()), columns=TRAJECTORY_COLUMNS)
    frame["claim_ids"] = [join_ids(a, b) for a, b in
                          zip(frame["rate_claim_ids"], frame["households_claim_ids"],
                              strict=True)]
    return frame.sort_values("when", kind="stable").reset_index(drop=True)


FALL_COLUMNS = ["place", "from_period", "from_timepoint", "to_period", "to_timepoint",
                "from_when", "to_when", "years", "rate_from", "rate_to", "fall_pp",
                "pp_per_year", "from_first", "status", "claim_ids"]


def annual_falls(traj: pd.DataFrame) -> pd.DataFrame:
    """Average fall of the rate in percentage points a year between every two points.

    `from_first` marks spans that start at the first point (the headline figures); a span is an
    estimate if either end is.
    """
    pts = traj.dropna(subset=["rate"]).reset_index(drop=True)
    rows = []
    for i in range(len(pts)):
        for j in range(i + 1, len(pts)):
            a, b = pts.iloc[i], pts.iloc[j]
            years = b["when"] - a["when"]
            if years <= 0:
                continue
            fall = a["rate"] - b["rate"]
            rows.append({
                "place": a["place"], "from_period": a["period"],
                "from_timepoint": a["timepoint"], "to_period": b["period"],
                "to_timepoint": b["timepoint"], "from_when": a["when"], "to_when": b["when"],
                "years": years, "rate_from": a["rate"], "rate_to": b["rate"], "fall_pp": fall,
                "pp_per_year": fall / years, "from_first": i == 0,
                "status": "estimate" if "estimate" in (a["status"], b["status"]) else "actual",
                "claim_ids": join_ids(a["rate_claim_ids"], b["rate_claim_ids"]),
            })
    return pd.DataFrame(rows, columns=FALL_COLUMNS)


COMPARISON_COLUMNS = ["place", "from_period", "from_timepoint", "to_period", "to_timepoint",
                      "status", "pp_per_year", "instrument", "scope", "target_period",
                      "value_low", "value_high", "relation", "margin_pp", "source_id",
                      "claim_ids"]


def target_comparison(falls: pd.DataFrame, targets: pd.DataFrame,
                      scopes: Iterable[str] = TARGET_SCOPES, *,
                      from_first_only: bool = True) -> pd.DataFrame:
    """Each average fall against each official yearly-reduction target whose period covers it.

    `relation`: 'meets' (≥ the upper target), 'within' (between a range's ends), 'below'.
    `margin_pp` is the fall minus the upper target. Targets are those of `targets`
    (data/external/poverty_reduction_targets.csv) in percentage points a year.
    """
    scopes = list(scopes)
    tg = targets[(targets["indicator"] == TARGET_INDICATOR) & (targets["unit"] == TARGET_UNIT)
                 & targets["scope"].isin(scopes)]
    spans = falls[falls["from_first"]] if from_first_only else falls
    rows = []
    for f in spans.itertuples(index=False):
        first = period_years(f.from_period)[0]
        last = period_years(f.to_period)[1]
        if f.to_timepoint == "start_of_year":
            last -= 1
        for g in tg.itertuples(index=False):
            covered = period_years(g.target_period)
            if covered is None or not (covered[0] <= first and last <= covered[1]):
                continue
            low, high = float(g.value_low), float(g.value_high)
            relation = "meets" if f.pp_per_year >= high - 1e-9 else (
                "within" if f.pp_per_year >= low - 1e-9 else "below")
            rows.append({
                "place": f.place, "from_period": f.from_period,
                "from_timepoint": f.from_timepoint, "to_period": f.to_period,
                "to_timepoint": f.to_timepoint, "status": f.status,
                "pp_per_year": f.pp_per_year, "instrument": g.instrument, "scope": g.scope,
                "target_period": g.target_period, "value_low": low, "value_high": high,
                "relation": relation, "margin_pp": f.pp_per_year - high,
                "source_id": g.source_id, "claim_ids": f.claim_ids,
            })
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


# --------------------------------------------------------------------------- implied totals

TOTAL_COLUMNS = ["place", "period", "timepoint", "when", "households", "rate", "status",
                 "total", "total_low", "total_high", "claim_ids"]


def implied_totals(traj: pd.DataFrame) -> pd.DataFrame:
    """Total households implied by each count/rate pair: count ÷ (rate / 100).

    `total_low`/`total_high` bound it by the rounding of the rate as written (12,62 means
    12,615–12,625).
    """
    pairs = traj.dropna(subset=["rate", "households"])
    rows = []
    for p in pairs.itertuples(index=False):
        half = 0.5 * 10 ** -_decimals(p.rate)
        rows.append({
            "place": p.place, "period": p.period, "timepoint": p.timepoint, "when": p.when,
            "households": p.households, "rate": p.rate, "status": p.status,
            "total": p.households / (p.rate / 100),
            "total_low": p.households / ((p.rate + half) / 100),
            "total_high": p.households / ((p.rate - half) / 100),
            "claim_ids": p.claim_ids,
        })
    return pd.DataFrame(rows, columns=TOTAL_COLUMNS)


GROWTH_COLUMNS = ["place", "from_period", "from_timepoint", "to_period", "to_timepoint", "years",
                  "total_from", "total_to", "change", "change_pct", "pct_per_year",
                  "claim_ids"]


def total_growth(totals: pd.DataFrame) -> pd.DataFrame:
    """Growth of the implied total between consecutive points: absolute, %, and % a year
    (compound)."""
    rows = []
    for i in range(1, len(totals)):
        a, b = totals.iloc[i - 1], totals.iloc[i]
        years = b["when"] - a["when"]
        if years <= 0:
            continue
        ratio = b["total"] / a["total"]
        rows.append({
            "place": a["place"], "from_period": a["period"], "from_timepoint": a["timepoint"],
            "to_period": b["period"], "to_timepoint": b["timepoint"], "years": years,
            "total_from": a["total"], "total_to": b["total"], "change": b["total"] - a["total"],
            "change_pct": (ratio - 1) * 100, "pct_per_year": (ratio ** (1 / years) - 1) * 100,
            "claim_ids": join_ids(a["claim_ids"], b["claim_ids"]),
        })
    return pd.DataFrame(rows, columns=GROWTH_COLUMNS)


# --------------------------------------------------------------------------- re-poverty

REPOVERTY_COLUMNS = ["place", "period", "value", "unit", "quote", "claim_ids"]


def repoverty(claims: pd.DataFrame, province: str) -> pd.DataFrame:
    """Re-poverty and new-poverty shares (% of poor households) by period, oldest first."""
    facts = canonical(select(claims, place=province, indicator=REPOVERTY, unit="percent"))
    facts = facts.loc[facts["period"].map(lambda p: period_years(p) is not None)
                      .astype(bool)]
    frame = facts.assign(place=province)[REPOVERTY_COLUMNS]
    order = frame["period"].map(lambda p: period_years(p)[0])
    return frame.iloc[order.argsort(kind="stable")].reset_index(drop=True)


DIFFERENCE_COLUMNS = ["place", "earlier_period", "later_period", "earlier", "later", "computed",
                      "stated", "stated_unit", "stated_quote", "written_percent", "agrees",
                      "claim_ids"]


def _stated_difference(claims: pd.DataFrame, province: str) -> pd.DataFrame:
    """Claims stating a change of the re-poverty share (percentage points, however written)."""
    c = canonical(select(claims, place=province, unit="percentage_points"))
    return c[c["indicator"].astype(str).str.startswith("re_poverty")]


def repoverty_difference(claims: pd.DataFrame, province: str,
                         tolerance: float = 0.005) -> pd.DataFrame:
    """The fall between the first and last re-poverty shares, against the article's own figure.

    `agrees` if |computed − stated| ≤ `tolerance`; `written_percent` if the article wrote the
    difference with "%" although it is in percentage points.
    """
    shares = repoverty(claims, province)
    stated = _stated_difference(claims, province)
    if len(shares) < 2:
        return pd.DataFrame(columns=DIFFERENCE_COLUMNS)
    a, b = shares.iloc[0], shares.iloc[-1]
    computed = a["value"] - b["value"]
    s = stated.iloc[0] if len(stated) else None
    row = {
        "place": province, "earlier_period": a["period"], "later_period": b["period"],
        "earlier": a["value"], "later": b["value"], "computed": computed,
        "stated": float(s["value"]) if s is not None else math.nan,
        "stated_unit": s["unit"] if s is not None else None,
        "stated_quote": s["quote"] if s is not None else None,
        "written_percent": bool(s is not None and "%" in s["quote"]
                                and "điểm" not in s["quote"]),
        "agrees": bool(s is not None and abs(computed - float(s["value"])) <= tolerance),
        "claim_ids": join_ids(a["claim_ids"], b["claim_ids"],
                              s["claim_ids"] if s is not None else None),
    }
    return pd.DataFrame([row], columns=DIFFERENCE_COLUMNS)


ESCAPED_COLUMNS = ["place", "period", "years", "households", "qualifier", "per_year", "quote",
                   "claim_ids"]


def escaped_per_year(claims: pd.DataFrame, province: str) -> pd.DataFrame:
    """Households that left poverty over a period and the yearly average that implies
    (a period '2011-2015' counts 5 years; the qualifier — 'hơn' — carries over)."""
    facts = canonical(select(claims, place=province, indicator=ESCAPED))
    rows = []
    for c in facts.itertuples(index=False):
        years = period_years(c.period)
        if years is None:
            continue
        n = years[1] - years[0] + 1
        rows.append({"place": province, "period": c.period, "years": n,
                     "households": float(c.value),
                     "qualifier": None if is_missing(c.qualifier) else c.qualifier,
                     "per_year": float(c.value) / n, "quote": c.quote,
                     "claim_ids": c.claim_ids})
    return pd.DataFrame(rows, columns=ESCAPED_COLUMNS)


# --------------------------------------------------------------------------- lessons

def theme_matrix(lesson_themes: pd.DataFrame, lessons: pd.DataFrame, codebook: tuple,
                 lang: str) -> pd.DataFrame:
    """Province × theme: how many of a province's lessons carry each theme (after the coder's
    overrides). Rows in the article's order, columns every codebook theme in `lang` (the
    codebook names each theme in every language)."""
    if lang not in LANGS:
        raise UserError(f"unknown lang {lang!r}", where="parameter lang",
                        fix=f"use one of: {', '.join(LANGS)}")
    coded = effective_themes(lesson_themes) if "coder_override" in lesson_themes else \
        lesson_themes
    places = list(dict.fromkeys(lessons["place"].dropna()))
    place_of = dict(zip(lessons["lesson_id"], lessons["place"], strict=True))
    names = {th.id: (th.name_vi if lang == "vi" else th.name_en) for th in codebook}
    counts = pd.DataFrame(0, index=pd.Index(places, name="place"),
                          columns=pd.Index([names[th.id] for th in codebook], name="theme"))
    for row in coded[["lesson_id", "theme_id"]].drop_duplicates().itertuples(index=False):
        place = place_of.get(row.lesson_id)
        if place in counts.index and row.theme_id in names:
            counts.loc[place, names[row.theme_id]] += 1
    return counts


def theme_spread(matrix: pd.DataFrame) -> pd.DataFrame:
    """For each theme: in how many provinces it appears and which (themes no province names
    are left out)."""
    present = matrix > 0
    frame = pd.DataFrame({
        "theme": matrix.columns,
        "n_places": present.sum(axis=0).to_numpy(),
        "places": [", ".join(matrix.index[present[c]]) for c in matrix.columns],
        "lessons": matrix.sum(axis=0).to_numpy(),
    })
    return frame[frame["n_places"] > 0].sort_values(["n_places", "lessons"], ascending=False,
                                                     kind="stable").reset_index(drop=True)


def pair_matrix(pairs: pd.DataFrame, lessons: pd.DataFrame,
                measure: str = "containment") -> pd.DataFrame:
    """Square lesson × lesson matrix of a pair measure from `similarity.lesson_pairs`
    (diagonal 1), in the lessons' order."""
    ids = list(lessons["lesson_id"])
    m = pd.DataFrame(1.0, index=pd.Index(ids, name="lesson_id"),
                     columns=pd.Index(ids, name="other"))
    for a, b, v in zip(pairs["lesson_a"], pairs["lesson_b"], pairs[measure], strict=True):
        m.loc[a, b] = m.loc[b, a] = float(v)
    return m


def lesson_openings(lessons: pd.DataFrame, n_words: int = 12) -> pd.DataFrame:
    """Each lesson with its place, marker and its first `n_words` words (the whole lesson when
    it is that short), so a table can list the lessons without quoting them cut off: the
    opening words form its first sentence, or its first `n_words` words ending a line."""
    def opening(text: str) -> str:
        sentence = re.split(r"(?<=[.:;!?])\s", " ".join(str(text).split()), maxsplit=1)[0]
        words = sentence.split()
        return " ".join(words[:n_words]) if len(words) > n_words else sentence
    words = lessons["text"].map(opening)
    return pd.DataFrame({"lesson_id": lessons["lesson_id"], "place": lessons["place"],
                         "marker": lessons["marker"], "opening": words,
                         "start": lessons["start"], "end": lessons["end"]})
