"""The audit engine: checks an article's own arithmetic and text, driven by declared checks.

Checks are declared in YAML (data/audit_checks.yml for this article) and validated on load:
each has an id, a kind and the fields its kind needs. `run_audit` runs them on a claims frame
(`analysis.reading.claims`), a lessons frame (`analysis.reading.lessons`) and optionally the
page text, and returns one row per finding with a status computed by code — pass, fail or
flag — the evidence as data (`evidence_key`, the sentence that states it, and `evidence_values`,
the values it quotes; `analysis.show.words.with_evidence` writes it in a language), and the
claim/lesson ids and text offsets it rests on. Nothing in the engine names this article: point
it at another article's claims and lessons with its own checks file.

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

STATUSES = ("pass", "fail", "flag")
COLUMNS = ["check_id", "kind", "status", "evidence_key", "evidence_values", "claim_ids",
           "lesson_ids", "start", "end", "observed", "expected"]
#: The columns that hold a finding's evidence as data (written out by the show layer).
EVIDENCE_COLUMNS = ["evidence_key", "evidence_values"]

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


def _row(check: Check, status: str, evidence: tuple[str, dict], claim_ids: object = "",
         lesson_ids: object = "", start: int | None = None, end: int | None = None,
         observed: float | None = None, expected: float | None = None) -> dict:
    assert status in STATUSES
    key, values = evidence
    return {"check_id": check.id, "kind": check.kind, "status": status, "evidence_key": key,
            "evidence_values": values, "claim_ids": metrics.join_ids(claim_ids),
            "lesson_ids": metrics.join_ids(lesson_ids), "start": start, "end": end,
            "observed": observed, "expected": expected}


def _ev(key: str, **values: object) -> tuple[str, dict]:
    """Evidence as data: the key of the sentence that states it and the values it quotes."""
    return key, values


def _describe(selector: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in selector.items())


def _not_checkable(check: Check, ctx: _Context, what: str) -> list[dict]:
    return [_row(check, "flag", _ev("ev_not_checkable", what=what))]


def _quote(claim: pd.Series) -> tuple[str, str]:
    return str(claim["quote"]), str(claim["claim_id"])


def _restatement(check: Check, ctx: _Context) -> list[dict]:
    claims = metrics.check_claims(ctx.claims)
    linked = claims[claims["same_as"].notna()]
    if linked.empty:
        return [_row(check, "pass", _ev("ev_restatement_none"))]
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
        quotes = [_quote(r) for _, r in group.iterrows()]
        if same_value and not same:
            rows.append(_row(check, "pass", _ev("ev_restatement_pass", quotes=quotes,
                                                n=len(ids)), ids,
                             start=int(group["start"].iloc[0]), end=int(group["end"].iloc[0]),
                             observed=float(group["value"].iloc[0])))
        else:
            differs = (["value"] if not same_value else []) + same
            rows.append(_row(check, "fail", _ev("ev_restatement_fail", quotes=quotes,
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
            return [_row(check, "flag", _ev("ev_ambiguous", what=f"{k}: {_describe(p[k])}",
                                            n=len(frame)),
                         [i for f in found.values() for i in f["claim_ids"]])]
    a, b, s = (found[k].iloc[0] for k in ("a", "b", "stated"))
    computed = float(a["value"]) - float(b["value"])
    ok = abs(computed - float(s["value"])) <= p["tolerance"]
    evidence = _ev("ev_difference", a=float(a["value"]), b=float(b["value"]),
                   computed=round(computed, 10), stated=float(s["value"]), quote=_quote(s),
                   sign="=" if ok else "≠", tolerance=p["tolerance"])
    return [_row(check, "pass" if ok else "fail", evidence,
                 [a["claim_ids"], b["claim_ids"], s["claim_ids"]], start=int(s["start"]),
                 end=int(s["end"]), observed=computed, expected=float(s["value"]))]


def _relabel(ctx: _Context, selector: dict, indicator: str) -> pd.DataFrame:
    picked = metrics.select(ctx.claims, **selector).copy()
    picked["indicator"] = indicator
    return picked


def _implied_total(check: Check, ctx: _Context) -> list[dict]:
    p = check.params
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
                _ev("ev_implied_total", place=place, when=(r.period, r.timepoint),
                    households=float(r.households), rate=float(r.rate), total=float(r.total),
                    low=float(r.total_low), high=float(r.total_high)),
                r.claim_ids, observed=float(r.total)))
        low, high = p["growth_per_year"]
        for g in metrics.total_growth(totals).itertuples(index=False):
            ok = low <= g.pct_per_year <= high
            rows.append(_row(
                check, "pass" if ok else "fail",
                _ev("ev_growth", place=place, start=(g.from_period, g.from_timepoint),
                    end=(g.to_period, g.to_timepoint), total_from=float(g.total_from),
                    total_to=float(g.total_to), change_pct=float(g.change_pct),
                    years=float(g.years), per_year=float(g.pct_per_year), low=low, high=high,
                    verdict="within" if ok else "outside"),
                g.claim_ids, observed=float(g.pct_per_year), expected=float(high)))
    return rows or _not_checkable(check, ctx, f"count: {_describe(p['count'])} + rate: "
                                              f"{_describe(p['rate'])}")


def _unit(check: Check, ctx: _Context) -> list[dict]:
    p = check.params
    claims = metrics.select(ctx.claims, unit=p["unit"])
    rows = []
    for _, c in claims.iterrows():
        quote = str(c["quote"])
        if p["written"] in quote and not any(a in quote for a in p["accepted"]):
            rows.append(_row(check, "flag", _ev("ev_unit_flag", quote=_quote(c),
                                                written=p["written"], unit=p["unit"]),
                             c["claim_id"], start=int(c["start"]), end=int(c["end"]),
                             observed=float(c["value"])))
    return rows or [_row(check, "pass", _ev("ev_unit_pass", n=len(claims),
                                            written=p["written"]),
                         list(claims["claim_id"]))]


def _target(check: Check, ctx: _Context) -> list[dict]:
    p = check.params
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
            rows.append(_row(
                check, "pass" if ok else "fail",
                _ev("ev_target", place=place, start=(r.from_period, r.from_timepoint),
                    end=(r.to_period, r.to_timepoint), status=r.status,
                    pp=float(r.pp_per_year), instrument=r.instrument, scope=r.scope,
                    target=(r.value_low, r.value_high), source=r.source_id),
                r.claim_ids, observed=float(r.pp_per_year), expected=float(r.value_low)))
    return rows or _not_checkable(check, ctx, "poor_household_rate")


def _context(text: str, start: int, end: int) -> str:
    """The whole sentence (or line) around text[start:end], whitespace folded: evidence is
    quoted in full, never cut off."""
    stops = [text.rfind(c, 0, start) for c in ".!?\n"]
    a = max(stops) + 1
    ends = [i for i in (text.find(c, end) for c in ".!?\n") if i >= 0]
    b = min(ends) + 1 if ends else len(text)
    return " ".join(text[a:b].split())


def _lesson_at(lessons: pd.DataFrame, start: int) -> str:
    hit = lessons[(lessons["start"] <= start) & (start < lessons["end"])]
    return str(hit["lesson_id"].iloc[0]) if len(hit) else ""


def _foreign_place(check: Check, ctx: _Context) -> list[dict]:
    rows = []
    for lesson in ctx.lessons.itertuples(index=False):
        if pd.isna(lesson.place):
            continue
        for name, s, e in find_provinces(str(lesson.text)):
            if name == lesson.place or name in check.params["ignore"]:
                continue
            start, end = int(lesson.start) + s, int(lesson.start) + e
            rows.append(_row(check, "flag", _ev(
                "ev_foreign_place", lesson=lesson.lesson_id, place=lesson.place,
                other=name, written=str(lesson.text)[s:e],
                context=_context(str(lesson.text), s, e)), lesson_ids=lesson.lesson_id,
                start=start, end=end))
    return rows or [_row(check, "pass", _ev("ev_foreign_place_none", n=len(ctx.lessons)),
                         lesson_ids=list(ctx.lessons["lesson_id"]))]


def _typo(check: Check, ctx: _Context) -> list[dict]:
    p = check.params
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
            rows.append(_row(check, "flag", _ev(
                "ev_typo", found=m.group(0), start=start, correction=p["correction"],
                context=_context(text, m.start(), m.end())),
                lesson_ids=_lesson_at(ctx.lessons, start), start=start, end=end))
    return rows or [_row(check, "pass", _ev("ev_typo_none", pattern=p["pattern"]))]


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
    p = check.params
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
        rows.append(_row(check, "flag", _ev(
            "ev_reuse", a=r.lesson_a, place_a=r.place_a, b=r.lesson_b, place_b=r.place_b,
            measure=measure, score=float(getattr(r, measure)),
            words=None if words is None or pd.isna(words) else int(words), shared=shared),
            lesson_ids=[r.lesson_a, r.lesson_b],
            start=None if start is None or pd.isna(start) else int(start),
            end=None if end is None or pd.isna(end) else int(end),
            observed=float(getattr(r, measure)), expected=float(p["threshold"])))
    return rows or [_row(check, "pass", _ev("ev_reuse_none", measure=measure,
                                            threshold=p["threshold"]))]


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
              targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """Run the declared `checks` (a list or a YAML path) and return one row per finding.

    Columns: check_id, kind, status (pass/fail/flag), evidence_key and evidence_values (the
    evidence as data: `analysis.show.words.with_evidence` writes it in a language), claim_ids,
    lesson_ids ('a;b'), start/end (offsets in the source text, when the finding has a place),
    observed/expected (the numbers compared, when there are). `similarity` may be the pairs
    frame of `similarity.lesson_pairs` or the square matrix of `lesson_similarity` (computed
    when None); `text` is the page (for typos outside lessons); `targets` defaults to
    data/external/poverty_reduction_targets.csv. A check with nothing to check yields a flag
    saying so.
    """
    claims = metrics.check_claims(claims)
    if lessons is None:
        lessons = pd.DataFrame({c: [] for c in _LESSON_COLUMNS})
    missing = [c for c in _LESSON_COLUMNS if c not in lessons.columns]
    if missing:
        raise UserError(f"lessons table lacks column {missing[0]!r}", where="parameter lessons",
                        fix="pass the frame from analysis.reading.lessons.extract_lessons")
    ctx = _Context(claims, lessons, text, similarity, targets)
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
