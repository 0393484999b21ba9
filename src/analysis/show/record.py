"""What a notebook records of what it shows: its key computed values as plain JSON, attached to
the output of the cell tagged `key-values` (application/json for tests and the replication
report, one text line for a reader of the exports)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

import pandas as pd
from IPython.display import display

from analysis.compute.context import national_rates
from analysis.show.i18n import t


def _clean(v: object) -> object:
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):
        return _clean(v.item())
    return v


def records(**frames: pd.DataFrame | Mapping | float | str) -> dict[str, object]:
    """The values a notebook computed, as plain JSON (NaN → null) for tests and readers."""
    out: dict[str, object] = {}
    for name, value in frames.items():
        if isinstance(value, pd.DataFrame):
            out[name] = [{k: _clean(v) for k, v in row.items()}
                         for row in value.to_dict(orient="records")]
        elif isinstance(value, Mapping):
            out[name] = {k: _clean(v) for k, v in value.items()}
        else:
            out[name] = _clean(value)
    return out


def context_values(ctx: pd.DataFrame, joined: pd.DataFrame | None = None,
                   national: pd.DataFrame | None = None,
                   article: pd.DataFrame | None = None) -> dict[str, object]:
    """Notebook 05's key computed values, JSON-ready: the province's rates and ranks
    (`context.province_context`), the map's join (`maps.join_rates`), the national MOLISA
    rates and the article's figures (`context.article_rates`)."""
    have = ctx.dropna(subset=["value"])
    out: dict[str, object] = {
        "province": ctx["province"].iloc[0],
        "region": ctx["region"].iloc[0],
        "years": [int(y) for y in ctx["year"]],
        "rate": {str(int(y)): (None if pd.isna(v) else float(v))
                 for y, v in zip(ctx["year"], ctx["value"], strict=True)},
        "rank": {str(int(y)): (None if pd.isna(r) else int(r))
                 for y, r in zip(ctx["year"], ctx["rank"], strict=True)},
        "n_ranked": {str(int(y)): int(n) for y, n in zip(ctx["year"], ctx["n_ranked"],
                                                           strict=True)},
        "region_rate": {str(int(y)): float(v) for y, v in zip(ctx["year"], ctx["region_value"],
                                                               strict=True)},
        "country_rate": {str(int(y)): float(v) for y, v in zip(ctx["year"],
                                                                ctx["country_value"],
                                                                strict=True)},
        "latest_year_with_value": int(have["year"].iloc[-1]),
    }
    if joined is not None:
        out["map"] = {
            "year": int(joined["year"].iloc[0]),
            "n_geometries": int(joined.geometry.notna().sum()),
            "n_provinces_joined": int(joined["name_vi"].notna().sum()),
            "n_values": int(joined["value"].notna().sum()),
            "no_value": sorted(joined.loc[joined["value"].isna(), "name_vi"].tolist()),
        }
    if national is not None:
        molisa = national_rates(national)
        out["molisa"] = [{"year": int(r.year), "timepoint": r.timepoint, "value": float(r.value),
                          "qualifier": r.qualifier, "standard": r.standard}
                         for r in molisa.itertuples()]
    out["article_figures"] = (None if article is None else
                              [{"claim_id": r.claim_id, "place": r.place, "year": int(r.year),
                                "value": float(r.value)} for r in article.itertuples()])
    return out


def show_key_values(values: dict[str, object], lang: str) -> None:
    """Record `values` in the executed notebook as JSON (application/json) for tests and the
    replication report; readers of the exports see one line naming what was recorded."""
    note = f"{t('context_values_title', lang)}: {', '.join(map(str, values))}"
    display({"application/json": json.loads(json.dumps(values)), "text/plain": note}, raw=True)
