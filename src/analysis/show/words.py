"""Sentences and labels built from computed numbers, in Vietnamese or English.

The compute layer returns frames and numbers; this module turns them into what a reader reads:
labels of time points, target scopes, regions, poverty standards and measures; the facts each
notebook's narrative quotes (`trajectory_facts`, `repoverty_facts`, `lesson_facts`); the
paragraphs of notebook 05 (`summary_text`, `rank_rule_text`, `reading_text`, `map_note`, ...);
and the audit's evidence, which the engine returns as a key and the values it needs
(`evidence`, `with_evidence`). Every number is formatted for `lang` by `i18n.fmt_num`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from analysis.compute import context, metrics
from analysis.data.files import slugify
from analysis.data.provinces import resolve_province
from analysis.show.i18n import check_lang, fmt_num, t, t_or

# --------------------------------------------------------------------------- numbers and labels


def number(value: float | None, lang: str, decimals: int | None = None) -> str:
    """A number as a reader of `lang` writes it, or '–' when there is none."""
    return "–" if value is None or pd.isna(value) else fmt_num(value, lang, decimals)


def point_label(period: object, timepoint: object, lang: str) -> str:
    """'đầu 2016' / 'start of 2016', 'cuối 2019' / 'end of 2019', or the period itself."""
    p = metrics.period_text(period) or ""
    if timepoint in ("start_of_year", "end_of_year") and re.fullmatch(r"\d{4}", p):
        return t(f"label_{timepoint}", lang, year=p)
    return p


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def scope_label(scope: str, lang: str) -> str:
    """A target's scope in `lang` ('national' → 'cả nước'), as written when untranslated."""
    return t_or(f"scope_{_key(scope)}", lang, scope)


def short_instrument(name: str) -> str:
    """An instrument's name without its parenthesised gloss: 'Quyết định 1722/QĐ-TTg'."""
    return re.split(r"\s+\(", str(name), maxsplit=1)[0].strip()


def _range(low: float, high: float, lang: str) -> str:
    unit = t("pp_per_year_unit", lang)
    if low == high:
        return f"{number(low, lang)} {unit}"
    return f"{number(low, lang)}–{number(high, lang)} {unit}"


def region_label(region: str, lang: str) -> str:
    """A GSO region (English label in the data) in `lang`."""
    return t_or("context_region_" + slugify(region).replace("-", "_"), lang, region)


def standard_label(standard: str, lang: str) -> str:
    """The poverty standard code of the data files as words in `lang`."""
    try:
        return t(f"context_standard_{standard}", lang)
    except KeyError:
        return t("context_standard_unknown", lang, standard=standard)


def measure_label(measure: str, standard: str, lang: str, **fmt: object) -> str:
    """'<measure>; <standard>' — every series is shown with both (measure: gso, molisa, vhlss,
    dolisa_article)."""
    return t("context_measure_with_standard", lang,
             measure=t(f"context_measure_{measure}", lang, **fmt),
             standard=standard_label(standard, lang))


# --------------------------------------------------------------------------- notebooks 01–03

def trajectory_facts(traj: pd.DataFrame, falls: pd.DataFrame, comparison: pd.DataFrame,
                     totals: pd.DataFrame, growth: pd.DataFrame, lang: str) -> dict[str, str]:
    """The numbers notebook 01's narrative quotes, formatted for `lang` (keys of the texts)."""
    first, last = traj.iloc[0], traj.iloc[-1]
    actual = traj[traj["status"] == "actual"].iloc[-1] if (traj["status"] == "actual").any() \
        else last
    spans = falls[falls["from_first"]]
    if spans.empty:  # a single point: nothing to average
        spans = pd.DataFrame([{c: math.nan for c in metrics.FALL_COLUMNS} | {
            "to_period": actual["period"], "to_timepoint": actual["timepoint"],
            "to_when": actual["when"]}])
    head = spans[spans["to_when"] == actual["when"]].iloc[0] \
        if (spans["to_when"] == actual["when"]).any() else spans.iloc[0]
    est = spans[spans["to_when"] == last["when"]].iloc[0] \
        if (spans["to_when"] == last["when"]).any() else head
    main = comparison[(comparison["to_period"] == head["to_period"])
                      & (comparison["to_timepoint"] == head["to_timepoint"])]
    target_lines = "\n".join(
        f"- {short_instrument(r.instrument)} ({scope_label(r.scope, lang)}, {r.target_period}): "
        f"{_range(r.value_low, r.value_high, lang)} → {t('relation_' + r.relation, lang)}"
        for r in main.itertuples(index=False))
    facts = {
        "province": str(first["place"]),
        # the claims each quoted rate was read from (landing page and replication links)
        "first_rate_ids": str(first["rate_claim_ids"] or ""),
        "actual_rate_ids": str(actual["rate_claim_ids"] or ""),
        "last_rate_ids": str(last["rate_claim_ids"] or ""),
        "first": point_label(first["period"], first["timepoint"], lang),
        "first_rate": number(first["rate"], lang),
        "first_households": number(first["households"], lang, 0)
        if not math.isnan(first["households"]) else "–",
        "actual": point_label(actual["period"], actual["timepoint"], lang),
        "actual_rate": number(actual["rate"], lang),
        "actual_households": number(actual["households"], lang, 0)
        if not math.isnan(actual["households"]) else "–",
        "last": point_label(last["period"], last["timepoint"], lang),
        "last_rate": number(last["rate"], lang),
        "years": number(head["years"], lang, 0), "fall_pp": number(head["fall_pp"], lang),
        "pp_per_year": number(head["pp_per_year"], lang, 2),
        "est_years": number(est["years"], lang, 0),
        "est_pp_per_year": number(est["pp_per_year"], lang, 2),
        "targets": target_lines or "–",
        "totals": "\n".join(
            f"- {point_label(r.period, r.timepoint, lang)}: {number(r.households, lang, 0)} ÷ "
            f"{number(r.rate, lang)}% ≈ {number(r.total, lang, 0)} "
            f"({number(r.total_low, lang, 0)}–{number(r.total_high, lang, 0)})"
            for r in totals.itertuples(index=False)) or "–",
        "growth": "\n".join(
            f"- {point_label(r.from_period, r.from_timepoint, lang)} → "
            f"{point_label(r.to_period, r.to_timepoint, lang)}: +{number(r.change, lang, 0)} "
            f"(+{number(r.change_pct, lang, 1)}%, {number(r.pct_per_year, lang, 2)}%/"
            f"{t('per_year_unit', lang)})"
            for r in growth.itertuples(index=False)) or "–",
    }
    return facts


def repoverty_facts(shares: pd.DataFrame, difference: pd.DataFrame, escaped: pd.DataFrame,
                    lang: str) -> dict[str, str]:
    """The numbers notebook 02's narrative quotes, formatted for `lang`."""
    d = difference.iloc[0]
    e = escaped.iloc[0] if len(escaped) else None
    qualifier = t("qualifier_more_than", lang) if e is not None and e["qualifier"] else ""
    ids = dict(zip(shares["period"], shares["claim_ids"], strict=True))
    return {
        "province": str(d["place"]),
        # the claims each quoted share was read from (landing page and replication links)
        "earlier_ids": str(ids.get(d["earlier_period"]) or ""),
        "later_ids": str(ids.get(d["later_period"]) or ""),
        "earlier_period": d["earlier_period"], "later_period": d["later_period"],
        "earlier": number(d["earlier"], lang), "later": number(d["later"], lang),
        "computed": number(d["computed"], lang, 2),
        "stated": number(d["stated"], lang) if not math.isnan(d["stated"]) else "–",
        "stated_quote": d["stated_quote"] or "–",
        "agreement": t("agrees_yes" if d["agrees"] else "agrees_no", lang),
        "unit_note": t("unit_note_percent" if d["written_percent"] else "unit_note_ok", lang),
        "escaped_period": e["period"] if e is not None else "–",
        "escaped": f"{qualifier}{number(e['households'], lang, 0)}" if e is not None else "–",
        "escaped_years": number(e["years"], lang, 0) if e is not None else "–",
        "per_year": f"{qualifier}{number(e['per_year'], lang, 0)}" if e is not None else "–",
    }


def lesson_facts(matrix: pd.DataFrame, reused: pd.DataFrame, province: str,
                 lang: str) -> dict[str, str]:
    """Themes shared by all provinces, named by one only, the province's own themes and the
    cross-province near-verbatim pairs, as text for notebook 03's narrative."""
    spread = metrics.theme_spread(matrix)
    n = len(matrix.index)
    own = matrix.columns[matrix.loc[province] > 0] if province in matrix.index else []
    return {
        "province": province, "n_places": str(n),
        "shared_all": "; ".join(spread.loc[spread["n_places"] == n, "theme"]) or "–",
        "only_one": "\n".join(f"- {r.theme} ({r.places})" for r in
                              spread[spread["n_places"] == 1].itertuples(index=False)) or "–",
        "own": "; ".join(own) or "–",
        "reused": "\n".join(
            f"- {r.lesson_a} ({r.place_a}) ↔ {r.lesson_b} ({r.place_b}): "
            f"{number(r.containment * 100, lang, 0)}%, {r.shared_words} {t('words_unit', lang)}"
            for r in reused.itertuples(index=False)) or "–",
        "n_reused": number(len(reused), lang, 0),
        "reused_pairs": "; ".join(
            t("rep_sum_03_pair", lang, a=r.lesson_a, b=r.lesson_b,
              words=number(r.shared_words, lang, 0))
            for r in reused.itertuples(index=False)) or "–",
    }


def audit_facts(results: pd.DataFrame, n_claims: int, lang: str) -> dict[str, str]:
    """The numbers a summary of the claims audit quotes, formatted for `lang`: claims, checks
    run, findings by status and the kinds of check that flagged something."""
    flagged = dict.fromkeys(results.loc[results["status"] == "flag", "kind"])
    counts = {f"n_{s}": int((results["status"] == s).sum()) for s in ("pass", "fail", "flag")}
    return {"n_claims": number(n_claims, lang, 0), "n_checks": number(len(results), lang, 0),
            **{k: number(v, lang, 0) for k, v in counts.items()},
            "flags": ", ".join(t_or(f"val_{k}", lang, str(k)) for k in flagged) or "–"}


def context_facts(ctx: pd.DataFrame, national: pd.DataFrame, lang: str) -> dict[str, str]:
    """The numbers a summary of a province in national context quotes, formatted for `lang`:
    its latest GSO rate and rank, its region's and the country's rates that year, and the
    latest national MOLISA poor-household rate."""
    have = ctx.dropna(subset=["value"]).iloc[-1]
    molisa = context.national_rates(national)
    last = molisa.loc[molisa["year"].idxmax()]
    return {"province": str(have["province"]), "year": str(int(have["year"])),
            "rate": number(have["value"], lang, 1), "rank": number(have["rank"], lang, 0),
            "n_ranked": number(have["n_ranked"], lang, 0),
            "region_rate": number(have["region_value"], lang, 1),
            "country_rate": number(have["country_value"], lang, 1),
            "m_year": str(int(last["year"])), "m_rate": number(last["value"], lang)}


# --------------------------------------------------------------------------- notebook 04: evidence

def _quote(value: Any, lang: str) -> str:
    quote, claim_id = value
    return f"“{quote}” [{claim_id}]"


def _num(decimals: int | None = None) -> Callable[[Any, str], str]:
    return lambda value, lang: fmt_num(value, lang, decimals)


def _point(value: Any, lang: str) -> str:
    return point_label(value[0], value[1], lang)


def _target(value: Any, lang: str) -> str:
    low, high = value
    return fmt_num(low, lang) if low == high else \
        f"{fmt_num(low, lang)}–{fmt_num(high, lang)}"


def _percent(value: Any, lang: str) -> str:
    return fmt_num(value * 100, lang, 0)


def _measure(value: Any, lang: str) -> str:
    return t(f"measure_{value}", lang)


#: How each evidence field is written, by evidence key; fields not listed are used as they are.
EVIDENCE_FORMATS: dict[str, dict[str, Callable[[Any, str], str]]] = {
    "ev_restatement_pass": {"quotes": lambda v, lang: ", ".join(_quote(q, lang) for q in v)},
    "ev_restatement_fail": {"quotes": lambda v, lang: ", ".join(_quote(q, lang) for q in v),
                            "differs": lambda v, lang: ", ".join(v)},
    "ev_difference": {"a": _num(), "b": _num(), "computed": _num(), "stated": _num(),
                      "quote": _quote, "tolerance": _num(3)},
    "ev_implied_total": {"when": _point, "households": _num(0), "rate": _num(),
                         "total": _num(0), "low": _num(0), "high": _num(0)},
    "ev_growth": {"start": _point, "end": _point, "total_from": _num(0), "total_to": _num(0),
                  "change_pct": _num(2), "years": _num(0), "per_year": _num(2), "low": _num(),
                  "high": _num(), "verdict": lambda v, lang: t(v, lang)},
    "ev_unit_flag": {"quote": _quote,
                     "unit": lambda v, lang: t(f"val_{v}", lang) if v == "percentage_points"
                     else v},
    "ev_target": {"start": _point, "end": _point, "status": lambda v, lang: t(f"val_{v}", lang),
                  "pp": _num(2), "instrument": lambda v, lang: short_instrument(v),
                  "scope": scope_label, "target": _target},
    "ev_reuse": {"measure": _measure, "score": _percent,
                 "words": lambda v, lang: "–" if v is None or pd.isna(v) else int(v),
                 "shared": lambda v, lang: v},
    "ev_reuse_none": {"measure": _measure, "threshold": _percent},
}


def evidence(key: str, values: Mapping[str, Any], lang: str) -> str:
    """One finding's evidence in `lang`: the text of `key` filled with `values`, each written
    as `EVIDENCE_FORMATS` says (numbers the local way, time points and scopes as labels)."""
    formats = EVIDENCE_FORMATS.get(key, {})
    fields = {k: formats[k](v, lang) if k in formats else v for k, v in values.items()}
    return t(key, lang, **fields)


def with_evidence(audit: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The findings of `audit.run_audit` with their evidence in `lang`: the column `evidence`
    takes the place of `evidence_key` and `evidence_values`."""
    check_lang(lang)
    out = audit.drop(columns=["evidence_key", "evidence_values"])
    out.insert(audit.columns.get_loc("evidence_key"), "evidence",
               [evidence(k, v, lang) for k, v in
                zip(audit["evidence_key"], audit["evidence_values"], strict=True)])
    return out


# --------------------------------------------------------------------------- notebook 05

def summary_text(ctx: pd.DataFrame, lang: str) -> str:
    """One paragraph: the latest year with a value, its rank, region and country, and the
    first year for comparison. Every number comes from `ctx` (`context.province_context`)."""
    check_lang(lang)
    have = ctx.dropna(subset=["value"])
    last, first = have.iloc[-1], have.iloc[0]
    return t("context_summary", lang, province=last["province"], year=int(last["year"]),
             status=t(f"context_status_{last['status']}", lang),
             value=number(last["value"], lang, 1), rank=int(last["rank"]),
             n=int(last["n_ranked"]), region=region_label(last["region"], lang),
             region_value=number(last["region_value"], lang, 1),
             country_value=number(last["country_value"], lang, 1), first=int(first["year"]),
             first_value=number(first["value"], lang, 1), first_rank=int(first["rank"]),
             first_n=int(first["n_ranked"]))


def rank_rule_text(ranks: pd.DataFrame, lang: str) -> str:
    """How ranks are computed, naming any province missing from a year's ranking
    (`context.ranking_gap` of `ranks`, `context.rank_provinces`)."""
    gap = context.ranking_gap(ranks)
    if gap is None:
        return t("context_rank_rule_complete", lang)
    return t("context_rank_rule", lang, missing_year=gap["year"],
             missing=", ".join(gap["missing"]), n_missing_year=gap["n_ranked"])


def reading_text(gso: pd.DataFrame, national: pd.DataFrame, province: str, lang: str) -> str:
    """The honest reading of the comparison, every number taken from the data files
    (`context.reading_figures`)."""
    check_lang(lang)
    figures = context.reading_figures(gso, national)
    gso_last = figures.pop("gso_last")
    # GSO publishes one decimal: keep it ("7,0"); other figures as the source gives them
    text = {k: fmt_num(v, lang, decimals=1 if k.startswith("gso") else None)
            for k, v in figures.items()}
    return t("context_reading", lang, province=resolve_province(province),
             gso_last=int(gso_last), **text)


def claims_note(article: pd.DataFrame | None, lang: str) -> str:
    """The TODO for the lead while claims.csv is missing, else nothing."""
    return t("context_claims_missing", lang) if article is None else ""


def measures_source(article: pd.DataFrame | None, lang: str) -> str:
    """Source line of the measures figure (names the article when its figures are drawn)."""
    return t("context_source_measures_article" if article is not None and len(article)
             else "context_source_measures", lang)


def map_note(counts: Mapping[str, int], lang: str) -> str:
    """One sentence on the map's join (`maps.join_counts`): shapes, provinces joined and
    provinces with a value."""
    return t("context_map_note", lang, n_shapes=counts["n_shapes"],
             n_joined=counts["n_joined"], n_values=counts["n_values"], year=counts["year"])
