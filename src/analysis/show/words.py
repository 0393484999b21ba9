"""Sentences and labels built from computed numbers, in Vietnamese or English.

The compute layer returns frames and numbers; this module turns them into what a reader reads.
The audit's evidence, which the engine returns as a key and the values it needs, is written
here (`evidence`, `with_evidence`). Every number is formatted for `lang` by `i18n.fmt_num`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from analysis.compute.metrics import point_label, scope_label, short_instrument
from analysis.show.i18n import check_lang, fmt_num, t

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
                 "shared": lambda v, lang: (v[:120] + "…") if len(v) > 120 else v},
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
