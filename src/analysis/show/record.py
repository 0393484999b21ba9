"""The record layer: what a notebook shows, each with a label and a machine-readable record.

A notebook shows a figure with `show_figure`, a table with `show_table` and records its key
values with `record_facts`. Each displays its output the way a reader sees it (SVG for a
figure, a table typeset by `analysis.show.tables.typeset`, nothing at all for facts) and
attaches a record to the output's metadata under `RECORD_KEY`: its label, kind, caption,
claim and source ids, the files it wrote, and for tables and facts the values themselves.
Documents assembled from executed notebooks (the replication report, the landing page, the
manifest) find outputs by label with `read_records` — the way a Quarto manuscript embeds
`notebook.ipynb#label` — and never parse notebook source, file times or image text. A label
is unique within a notebook: showing a second output under the same label is an error.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from IPython.display import display

from analysis.compute.context import national_rates
from analysis.errors import UserError
from analysis.show import tables
from analysis.show.annotate import figure_caption
from analysis.show.style import SOURCE_IDS_ATTR, figure_svg, write_figure


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


#: Where an output carries its record (output metadata), and the MIME type of recorded facts:
#: no reader format renders it, so facts never reach a reader as JSON.
RECORD_KEY = "analysis"
FACTS_MIME = "application/vnd.giamngheo.facts+json"
KINDS = ("figure", "table", "facts")
_LABEL = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_shown: set[str] = set()  # labels shown in this kernel (one notebook run)


@dataclass(frozen=True)
class Record:
    """One labelled output of an executed notebook."""

    label: str
    kind: str
    caption: str = ""
    ids: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)  # the output's data bundle (by MIME)
    values: Any = None  # facts: the mapping; tables: {"columns": [...], "rows": [[...]]}


def reset_labels() -> None:
    """Forget the labels shown so far (a notebook's setup call starts its run afresh)."""
    _shown.clear()


def _claim(label: str) -> str:
    if not isinstance(label, str) or not _LABEL.fullmatch(label):
        raise UserError(f"label {label!r} is not lower-case words joined by '-'",
                        where="record label", fix="write e.g. label='fig-trajectory'")
    if label in _shown:
        raise UserError(f"label {label!r} is shown twice in this notebook",
                        where="record label", fix="give every figure, table and fact its own")
    _shown.add(label)
    return label


def _show(data: dict[str, Any], record: dict[str, Any]) -> None:
    display(data, metadata={RECORD_KEY: json.loads(json.dumps(record))}, raw=True)


def _caption(text: str, label: str) -> None:
    """The caption a reader sees (Markdown), marked as the caption of `label` so documents
    that embed the labelled output do not repeat it."""
    if text.strip():
        display({"text/markdown": text}, metadata={RECORD_KEY: {"caption_of": label}}, raw=True)


def show_figure(fig: Any, *, label: str, lang: str, caption: str = "", stem: str | None = None,
                params: Mapping[str, object] | None = None) -> None:
    """Show `fig` (a Figure or an Axes) as SVG (`style.figure_svg`) with its caption and the
    claim, lesson and source ids `style.add_source` kept on it (linked to the annotated
    article of `lang`), recorded under `label`; with `stem`, the same SVG is also written to
    the figures folder (`style.write_figure`) and named in the record. The figure is drawn
    once and closed afterwards, so it is shown once."""
    import matplotlib.pyplot as plt  # deferred import (README: Architecture)

    label = _claim(label)
    fig = getattr(fig, "figure", fig) if not hasattr(fig, "savefig") else fig
    svg = figure_svg(fig, salt=label)
    plt.close(fig)
    files = [write_figure(svg, stem, params or {}).name] if stem else []
    ids = [str(i) for i in getattr(fig, SOURCE_IDS_ATTR, None) or ()]
    _show({"image/svg+xml": svg, "text/plain": caption or label},
          {"label": label, "kind": "figure", "caption": caption, "ids": ids, "files": files})
    sources = figure_caption(fig, lang)
    _caption(f"*{caption}.* {sources}" if caption else sources, label)


def show_table(frame: pd.DataFrame, *, label: str, lang: str, caption: str = "",
               columns: Iterable[str] | None = None, decimals: Mapping[str, int] | None = None,
               links: Mapping[str, str] | None = None, page: str | None = None) -> None:
    """Show `frame` typeset for print and screen (`tables.typeset`: no index, localised
    headers and numbers, numbers right-aligned on the decimal mark, empty columns dropped,
    nothing truncated), recorded under `label` with its caption and the displayed cells.
    `links` maps id columns to 'claim' / 'lesson' links into the annotated article `page`."""
    label = _claim(label)
    shown = tables.reader_table(frame, lang, columns, decimals)
    shown_links = {tables.header(c, lang): kind for c, kind in (links or {}).items()}
    html = tables.typeset(shown, label=label, lang=lang, links=shown_links, page=page)
    ids = sorted({i.strip() for c in (links or {}) if c in frame.columns
                  for v in frame[c].dropna() for i in str(v).split(";") if i.strip()})
    _caption(f"*{caption}*" if caption else "", label)
    _show({"text/html": html, "text/plain": caption or label},
          {"label": label, "kind": "table", "caption": caption, "ids": ids,
           "values": {"columns": [str(c) for c in shown.columns],
                      "rows": [[str(v) for v in row] for row in shown.itertuples(index=False)],
                      "numeric": tables.numeric_columns(shown)}})


def record_facts(label: str, values: Mapping[str, object]) -> None:
    """Record `values` (JSON-ready: `records`, `context_values`, a notebook's facts) under
    `label` in the executed notebook, for tests, the manifest and the documents built from
    it. Nothing is displayed to a reader."""
    label = _claim(label)
    _show({FACTS_MIME: _jsonable(values)}, {"label": label, "kind": "facts"})


def _jsonable(value: object) -> object:
    """`value` as plain JSON: NaN → null, numpy scalars → Python numbers, tuples → lists."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return _clean(value)


def record_of(output: Mapping[str, Any]) -> Record | None:
    """The record an output of an executed notebook carries, or None."""
    meta = (output.get("metadata") or {}).get(RECORD_KEY)
    if not isinstance(meta, Mapping) or meta.get("kind") not in KINDS:
        return None
    data = dict(output.get("data") or {})
    values = data.get(FACTS_MIME) if meta["kind"] == "facts" else meta.get("values")
    return Record(label=str(meta.get("label")), kind=str(meta["kind"]),
                  caption=str(meta.get("caption") or ""), ids=tuple(meta.get("ids") or ()),
                  files=tuple(meta.get("files") or ()), data=data, values=values)


def is_caption(output: Mapping[str, Any]) -> bool:
    """Whether an output is the displayed caption of a recorded figure or table."""
    meta = (output.get("metadata") or {}).get(RECORD_KEY)
    return isinstance(meta, Mapping) and "caption_of" in meta


def read_records(nb: Mapping[str, Any]) -> dict[str, Record]:
    """Every record of an executed notebook (a notebook JSON mapping or nbformat node), by
    label, in output order. Raises `UserError` for a label recorded twice."""
    found: dict[str, Record] = {}
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            rec = record_of(out)
            if rec is None:
                continue
            if rec.label in found:
                raise UserError(f"label {rec.label!r} is recorded twice",
                                where="executed notebook",
                                fix="give every figure, table and fact its own label")
            found[rec.label] = rec
    return found
