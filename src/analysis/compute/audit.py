"""The audit engine: checks an article's own arithmetic and text, driven by declared checks.

Checks are declared in YAML (data/audit_checks.yml for this article) and validated on load:
each has an id, a kind and the fields its kind needs. `run_audit` runs them on a claims frame
(`analysis.reading.claims`), a lessons frame (`analysis.reading.lessons`) and optionally the
page text, and returns one row per finding with a status computed by code — pass, fail or
flag — the evidence in words, and the claim/lesson ids and text offsets it rests on. Nothing in the
engine names this article: point it at another article's claims and lessons with its own checks
file.

Kinds:
  restatement     every group of statements of the same fact (same_as) agrees
  difference      a − b equals a stated difference within a tolerance
  implied_total   count/rate pairs → total households; their growth lies in a plausible band
  unit            claims in one unit written with a misleading sign ("%" for percentage points)
  target          a province's average yearly fall against official targets (data/external)
  foreign_place   a lesson naming a province other than the one whose section it is in
  typo            a pattern that is a known misspelling, with its correction
  verbatim_reuse  lessons of different provinces that are near copies of each other
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from analysis.compute import metrics
from analysis.data.checks import FIELDS, Check
from analysis.data.external import load_targets
from analysis.data.provinces import find_provinces
from analysis.errors import UserError
from analysis.reading.similarity import lesson_pairs
from analysis.show.i18n import check_lang, fmt_num, t

STATUSES = ("pass", "fail", "flag")
COLUMNS = ["check_id", "kind", "status", "evidence", "claim_ids", "lesson_ids", "start", "end",
           "observed", "expected"]

_SELECTOR_KEYS = ("claim_id", "indicator", "unit", "period", "timepoint", "status", "place",
                  "qualifier")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


# --------------------------------------------------------------------------- running

@dataclass
class _Context:
    claims: pd.DataFrame
    lessons: pd.DataFrame
    text: str | None
    similarity: pd.DataFrame | None
    targets: pd.DataFrame | None
    lang: str


def _row(check: Check, status: str, evidence: str, claim_ids: object = "",
         lesson_ids: object = "", start: int | None = None, end: int | None = None,
         observed: float | None = None, expected: float | None = None) -> dict:
    assert status in STATUSES
    return {"check_id": check.id, "kind": check.kind, "status": status, "evidence": evidence,
            "claim_ids": metrics.join_ids(claim_ids), "lesson_ids": metrics.join_ids(lesson_ids),
            "start": start, "end": end, "observed": observed, "expected": expected}


def _n(value: float, lang: str, decimals: int | None = None) -> str:
    return fmt_num(value, lang, decimals)


def _describe(selector: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in selector.items())


def _not_checkable(check: Check, ctx: _Context, what: str) -> list[dict]:
    return [_row(check, "flag", t("ev_not_checkable", ctx.lang, what=what))]


def _quote(claim: pd.Series) -> str:
    return f"“{claim['quote']}” [{claim['claim_id']}]"


def _restatement(check: Check, ctx: _Context) -> list[dict]:
    claims = metrics.check_claims(ctx.claims)
    linked = claims[claims["same_as"].notna()]
    if linked.empty:
        return [_row(check, "pass", t("ev_restatement_none", ctx.lang))]
    by_id = claims.set_index("claim_id", drop=False)
    rows = []
    facts = metrics.canonical(claims)
    for fact in facts[facts["claim_ids"].str.contains(";")].itertuples(index=False):
        ids = fact.claim_ids.split(";")
        group = by_id.loc[ids]
        tol = check.params["tolerance"]
        same_value = (group["value"] - group["value"].iloc[0]).abs().max() <= tol
        same = [c for c in ("unit", "indicator", "period", "timepoint", "status", "place")
                if group[c].astype(str).nunique() > 1]
        quotes = ", ".join(_quote(r) for _, r in group.iterrows())
        if same_value and not same:
            rows.append(_row(check, "pass", t("ev_restatement_pass", ctx.lang, quotes=quotes,
                                              n=len(ids)), ids,
                             start=int(group["start"].iloc[0]), end=int(group["end"].iloc[0]),
                             observed=float(group["value"].iloc[0])))
        else:
            differs = ", ".join((["value"] if not same_value else []) + same)
            rows.append(_row(check, "fail", t("ev_restatement_fail", ctx.lang, quotes=quotes,
                                              differs=differs), ids,
                             start=int(group["start"].iloc[0]), end=int(group["end"].iloc[0])))
    return rows


def _one(ctx: _Context, selector: dict) -> pd.DataFrame:
    return metrics.canonical(metrics.select(ctx.claims, **selector))


def _difference(check: Check, ctx: _Context) -> list[dict]:
    p = check.params
    found = {k: _one(ctx, p[k]) for k in ("a", "b", "stated")}
    for k, frame in found.items():
        if frame.empty:
            return _not_checkable(check, ctx, f"{k}: {_describe(p[k])}")
        if len(frame) > 1:
            return [_row(check, "flag", t("ev_ambiguous", ctx.lang, what=f"{k}: "
                                          f"{_describe(p[k])}", n=len(frame)),
                         [i for f in found.values() for i in f["claim_ids"]])]
    a, b, s = (found[k].iloc[0] for k in ("a", "b", "stated"))
    computed = float(a["value"]) - float(b["value"])
    ok = abs(computed - float(s["value"])) <= p["tolerance"]
    lang = ctx.lang
    evidence = t("ev_difference", lang, a=_n(a["value"], lang), b=_n(b["value"], lang),
                 computed=_n(round(computed, 10), lang), stated=_n(s["value"], lang),
                 quote=_quote(s), sign="=" if ok else "≠",
                 tolerance=_n(p["tolerance"], lang, 3))
    return [_row(check, "pass" if ok else "fail", evidence,
                 [a["claim_ids"], b["claim_ids"], s["claim_ids"]], start=int(s["start"]),
                 end=int(s["end"]), observed=computed, expected=float(s["value"]))]


def _relabel(ctx: _Context, selector: dict, indicator: str) -> pd.DataFrame:
    picked = metrics.select(ctx.claims, **selector).copy()
    picked["indicator"] = indicator
    return picked


def _implied_total(check: Check, ctx: _Context) -> list[dict]:
    p, lang = check.params, ctx.lang
    both = pd.concat([_relabel(ctx, p["count"], metrics.COUNT),
                      _relabel(ctx, p["rate"], metrics.RATE)], ignore_index=True)
    # restatements point at claims of their own selector, so same_as stays meaningful
    rows: list[dict] = []
    for place in dict.fromkeys(both["place"].dropna()):
        totals = metrics.implied_totals(metrics.trajectory(both, place))
        for r in totals.itertuples(index=False):
            ok = r.households <= r.total
            rows.append(_row(
                check, "pass" if ok else "fail",
                t("ev_implied_total", lang, place=place,
                  when=metrics.point_label(r.period, r.timepoint, lang),
                  households=_n(r.households, lang, 0), rate=_n(r.rate, lang),
                  total=_n(r.total, lang, 0), low=_n(r.total_low, lang, 0),
                  high=_n(r.total_high, lang, 0)),
                r.claim_ids, observed=float(r.total)))
        low, high = p["growth_per_year"]
        for g in metrics.total_growth(totals).itertuples(index=False):
            ok = low <= g.pct_per_year <= high
            rows.append(_row(
                check, "pass" if ok else "fail",
                t("ev_growth", lang, place=place,
                  start=metrics.point_label(g.from_period, g.from_timepoint, lang),
                  end=metrics.point_label(g.to_period, g.to_timepoint, lang),
                  total_from=_n(g.total_from, lang, 0), total_to=_n(g.total_to, lang, 0),
                  change_pct=_n(g.change_pct, lang, 2), years=_n(g.years, lang, 0),
                  per_year=_n(g.pct_per_year, lang, 2), low=_n(low, lang), high=_n(high, lang),
                  verdict=t("within" if ok else "outside", lang)),
                g.claim_ids, observed=float(g.pct_per_year), expected=float(high)))
    return rows or _not_checkable(check, ctx, f"count: {_describe(p['count'])} + rate: "
                                              f"{_describe(p['rate'])}")


def _unit(check: Check, ctx: _Context) -> list[dict]:
    p, lang = check.params, ctx.lang
    claims = metrics.select(ctx.claims, unit=p["unit"])
    rows = []
    for _, c in claims.iterrows():
        quote = str(c["quote"])
        if p["written"] in quote and not any(a in quote for a in p["accepted"]):
            rows.append(_row(check, "flag", t("ev_unit_flag", lang, quote=_quote(c),
                                              written=p["written"],
                                              unit=t(f"val_{p['unit']}", lang)
                                              if p["unit"] == "percentage_points"
                                              else p["unit"]),
                             c["claim_id"], start=int(c["start"]), end=int(c["end"]),
                             observed=float(c["value"])))
    return rows or [_row(check, "pass", t("ev_unit_pass", lang, n=len(claims),
                                          written=p["written"]),
                         list(claims["claim_id"]))]


def _target(check: Check, ctx: _Context) -> list[dict]:
    p, lang = check.params, ctx.lang
    targets = ctx.targets if ctx.targets is not None else load_targets()
    claims = metrics.check_claims(ctx.claims)
    places = p["places"] or list(dict.fromkeys(
        metrics.select(claims, indicator=metrics.RATE)["place"].dropna()))
    rows = []
    for place in places:
        falls = metrics.annual_falls(metrics.trajectory(claims, place))
        comparison = metrics.target_comparison(falls, targets, p["scopes"])
        for r in comparison.itertuples(index=False):
            ok = r.pp_per_year >= r.value_low - 1e-9
            target = _n(r.value_low, lang) if r.value_low == r.value_high else \
                f"{_n(r.value_low, lang)}–{_n(r.value_high, lang)}"
            rows.append(_row(
                check, "pass" if ok else "fail",
                t("ev_target", lang, place=place,
                  start=metrics.point_label(r.from_period, r.from_timepoint, lang),
                  end=metrics.point_label(r.to_period, r.to_timepoint, lang),
                  status=t(f"val_{r.status}", lang), pp=_n(r.pp_per_year, lang, 2),
                  instrument=metrics.short_instrument(r.instrument),
                  scope=metrics.scope_label(r.scope, lang), target=target,
                  source=r.source_id),
                r.claim_ids, observed=float(r.pp_per_year), expected=float(r.value_low)))
    return rows or _not_checkable(check, ctx, "poor_household_rate")


def _context(text: str, start: int, end: int, width: int = 40) -> str:
    a, b = max(0, start - width), min(len(text), end + width)
    return ("…" if a else "") + " ".join(text[a:b].split()) + ("…" if b < len(text) else "")


def _lesson_at(lessons: pd.DataFrame, start: int) -> str:
    hit = lessons[(lessons["start"] <= start) & (start < lessons["end"])]
    return str(hit["lesson_id"].iloc[0]) if len(hit) else ""


def _foreign_place(check: Check, ctx: _Context) -> list[dict]:
    lang, rows = ctx.lang, []
    for lesson in ctx.lessons.itertuples(index=False):
        if pd.isna(lesson.place):
            continue
        for name, s, e in find_provinces(str(lesson.text)):
            if name == lesson.place or name in check.params["ignore"]:
                continue
            start, end = int(lesson.start) + s, int(lesson.start) + e
            rows.append(_row(check, "flag", t(
                "ev_foreign_place", lang, lesson=lesson.lesson_id, place=lesson.place,
                other=name, written=str(lesson.text)[s:e],
                context=_context(str(lesson.text), s, e)), lesson_ids=lesson.lesson_id,
                start=start, end=end))
    return rows or [_row(check, "pass", t("ev_foreign_place_none", lang,
                                          n=len(ctx.lessons)),
                         lesson_ids=list(ctx.lessons["lesson_id"]))]


def _typo(check: Check, ctx: _Context) -> list[dict]:
    p, lang = check.params, ctx.lang
    body = p["pattern"] if p["regex"] else re.escape(p["pattern"])
    pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)")
    if ctx.text is not None:
        spans = [(ctx.text, 0)]
    else:  # only the lessons' text is known: search it, offsets stay those of the source
        spans = [(str(x.text), int(x.start)) for x in ctx.lessons.itertuples(index=False)]
    rows = []
    for text, offset in spans:
        for m in pattern.finditer(text):
            start, end = offset + m.start(), offset + m.end()
            rows.append(_row(check, "flag", t(
                "ev_typo", lang, found=m.group(0), start=start, correction=p["correction"],
                context=_context(text, m.start(), m.end())),
                lesson_ids=_lesson_at(ctx.lessons, start), start=start, end=end))
    return rows or [_row(check, "pass", t("ev_typo_none", lang, pattern=p["pattern"]))]


def _pairs(ctx: _Context) -> pd.DataFrame:
    sim = ctx.similarity
    if sim is None:
        return lesson_pairs(ctx.lessons)
    if {"lesson_a", "lesson_b"} <= set(sim.columns):
        return sim
    # a square matrix indexed by lesson_id (analysis.reading.similarity.lesson_similarity)
    place = dict(zip(ctx.lessons["lesson_id"], ctx.lessons["place"], strict=True))
    ids = list(sim.index)
    rows = [{"lesson_a": a, "lesson_b": b, "place_a": place.get(a), "place_b": place.get(b),
             "same_place": place.get(a) == place.get(b), "similarity": float(sim.loc[a, b]),
             "shared_words": None, "shared_text": ""}
            for i, a in enumerate(ids) for b in ids[i + 1:]]
    return pd.DataFrame(rows)


def _verbatim_reuse(check: Check, ctx: _Context) -> list[dict]:
    p, lang = check.params, ctx.lang
    pairs = _pairs(ctx)
    measure = p["measure"]
    if measure not in pairs.columns:
        return _not_checkable(check, ctx, f"similarity measure {measure}")
    hits = pairs[~pairs["same_place"].astype(bool) & (pairs[measure] >= p["threshold"])]
    rows = []
    for r in hits.itertuples(index=False):
        words = getattr(r, "shared_words", None)
        shared = str(getattr(r, "shared_text", "") or "")
        start = getattr(r, "shared_a_start", None)
        end = getattr(r, "shared_a_end", None)
        rows.append(_row(check, "flag", t(
            "ev_reuse", lang, a=r.lesson_a, place_a=r.place_a, b=r.lesson_b,
            place_b=r.place_b, measure=t(f"measure_{measure}", lang),
            score=_n(getattr(r, measure) * 100, lang, 0),
            words="–" if words is None or pd.isna(words) else int(words),
            shared=(shared[:120] + "…") if len(shared) > 120 else shared),
            lesson_ids=[r.lesson_a, r.lesson_b],
            start=None if start is None or pd.isna(start) else int(start),
            end=None if end is None or pd.isna(end) else int(end),
            observed=float(getattr(r, measure)), expected=float(p["threshold"])))
    return rows or [_row(check, "pass", t("ev_reuse_none", lang,
                                          measure=t(f"measure_{measure}", lang),
                                          threshold=_n(p["threshold"] * 100, lang, 0)))]


RUNNERS: dict[str, Callable[[Check, _Context], list[dict]]] = {
    "restatement": _restatement, "difference": _difference, "implied_total": _implied_total,
    "unit": _unit, "target": _target, "foreign_place": _foreign_place, "typo": _typo,
    "verbatim_reuse": _verbatim_reuse,
}
assert set(RUNNERS) == set(FIELDS)

_LESSON_COLUMNS = ("lesson_id", "place", "start", "end", "text")


def run_audit(claims: pd.DataFrame, lessons: pd.DataFrame | None,
              checks: Iterable[Check], *,
              similarity: pd.DataFrame | None = None, text: str | None = None,
              targets: pd.DataFrame | None = None, lang: str = "en") -> pd.DataFrame:
    """Run the declared `checks` (a list or a YAML path) and return one row per finding.

    Columns: check_id, kind, status (pass/fail/flag), evidence (in `lang`), claim_ids,
    lesson_ids ('a;b'), start/end (offsets in the source text, when the finding has a place),
    observed/expected (the numbers compared, when there are). `similarity` may be the pairs
    frame of `similarity.lesson_pairs` or the square matrix of `lesson_similarity` (computed
    when None); `text` is the page (for typos outside lessons); `targets` defaults to
    data/external/poverty_reduction_targets.csv. A check with nothing to check yields a flag
    saying so.
    """
    check_lang(lang)
    claims = metrics.check_claims(claims)
    if lessons is None:
        lessons = pd.DataFrame({c: [] for c in _LESSON_COLUMNS})
    missing = [c for c in _LESSON_COLUMNS if c not in lessons.columns]
    if missing:
        raise UserError(f"lessons table lacks column {missing[0]!r}", where="parameter lessons",
                        fix="pass the frame from analysis.reading.lessons.extract_lessons")
    ctx = _Context(claims, lessons, text, similarity, targets, lang)
    rows: list[dict] = []
    for check in checks:
        rows.extend(RUNNERS[check.kind](check, ctx))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for c in ("start", "end"):
        frame[c] = pd.array(frame[c].tolist(), dtype="Int64")
    for c in ("observed", "expected"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("float64")
    return frame


def summary(audit: pd.DataFrame) -> pd.DataFrame:
    """Findings per check and status (pass/fail/flag), in the checks' order."""
    order = list(dict.fromkeys(audit["check_id"]))
    table = (audit.groupby(["check_id", "kind", "status"], sort=False).size()
             .unstack("status", fill_value=0).reindex(columns=list(STATUSES), fill_value=0)
             .reset_index())
    table["check_id"] = pd.Categorical(table["check_id"], order, ordered=True)
    return table.sort_values("check_id").reset_index(drop=True).astype({"check_id": str})


def counts(audit: pd.DataFrame) -> dict[str, int]:
    """Number of findings per status: {'n_pass': …, 'n_fail': …, 'n_flag': …}."""
    return {f"n_{s}": int((audit["status"] == s).sum()) for s in STATUSES}
