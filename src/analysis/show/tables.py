"""Display tables: computed frames as a reader sees them in `lang` — localised column names and
coded values, numbers written the local way — and typeset for print and screen (`typeset`,
with great_tables): no index column, text left-aligned and numbers right-aligned on the decimal
mark, no justified text, long identifiers that break instead of overflowing, nothing truncated,
empty columns dropped. Nothing here computes a figure: each table is made from a frame of
`analysis.compute` (or the parsed article) and only written out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pandas as pd
from great_tables import GT

from analysis.compute.context import TIMEPOINT_OFFSET, national_rates
from analysis.compute.metrics import is_missing
from analysis.data.files import slugify
from analysis.reading.article import Article
from analysis.show.i18n import check_lang, fmt_num, t, t_or
from analysis.show.links import source_link, source_page
from analysis.show.words import (
    number,
    region_label,
    scope_label,
    short_instrument,
    standard_label,
)

#: Columns of character offsets: plain integers, no grouping.
OFFSET_COLUMNS = ("start", "end")
#: Columns whose values are written in words: a target's scope in `lang`, an instrument by
#: its short name (its gloss is in the sources).
WORDED_COLUMNS = {"scope": scope_label, "instrument": lambda v, lang: short_instrument(v)}


def _is_years(col: pd.Series) -> bool:
    """Whether a column holds calendar years (whole numbers 1900–2100): written plainly,
    '2015', never '2.015'."""
    if not pd.api.types.is_integer_dtype(col):
        return False
    values = col.dropna()
    return not values.empty and bool(values.between(1900, 2100).all())


def header(column: str, lang: str) -> str:
    """A column's header in `lang` (its `col_<name>` translation, else the name itself)."""
    return t_or(f"col_{column}", lang, column)


def localised(frame: pd.DataFrame, lang: str, columns: Iterable[str] | None = None,
              decimals: Mapping[str, int] | None = None) -> pd.DataFrame:
    """A display copy of `frame` for `lang`: chosen columns, headers and coded values
    (status, timepoint, unit, kind, relation) translated, numbers written the local way."""
    check_lang(lang)
    decimals = dict(decimals or {})
    out = frame[list(columns)] if columns is not None else frame.copy()
    out = out.copy()
    for c in out.columns:
        col = out[c]
        if c in OFFSET_COLUMNS or _is_years(col):
            out[c] = col.map(lambda v: "" if pd.isna(v) else str(int(v)))
        elif c in WORDED_COLUMNS:
            out[c] = col.map(lambda v, c=c: "" if is_missing(v) else WORDED_COLUMNS[c](v, lang))
        elif pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            out[c] = col.map(lambda v, c=c: "" if pd.isna(v) else fmt_num(v, lang,
                                                                           decimals.get(c)))
        else:
            out[c] = col.map(lambda v: "" if is_missing(v) else (
                t_or(f"val_{v}", lang, v) if isinstance(v, str)
                else ("✓" if v is True else "✗" if v is False else v)))
    names = {c: header(c, lang) for c in out.columns}
    return out.rename(columns=names).reset_index(drop=True)


def overview(article: Article, lang: str = "vi") -> pd.DataFrame:
    """Headline, publication time, byline and word count as a two-column table in `lang`."""
    rows = [
        ("headline", article.headline.text),
        ("published", article.published.strftime("%Y-%m-%d %H:%M %z") if article.published
         else ""),
        ("byline", article.byline.text if article.byline else ""),
        ("word_count", fmt_num(article.word_count, lang, 0)),
    ]
    return pd.DataFrame([(t(k, lang), v) for k, v in rows], columns=[t("field", lang),
                                                                    t("value", lang)])


def rank_table(ctx: pd.DataFrame, lang: str) -> pd.DataFrame:
    """`context.province_context` as a reader's table in `lang` (numbers formatted for the
    locale)."""
    check_lang(lang)
    province, region = ctx["province"].iloc[0], ctx["region"].iloc[0]
    rank = [("–" if pd.isna(r) else t("context_rank_of", lang, rank=int(r), n=int(n)))
            for r, n in zip(ctx["rank"], ctx["n_ranked"], strict=True)]
    return pd.DataFrame({
        t("context_col_year", lang): ctx["year"].astype(str),
        t("context_col_status", lang): [t(f"context_status_{s}", lang) for s in ctx["status"]],
        t("context_col_province_rate", lang, province=province):
            [number(v, lang, 1) for v in ctx["value"]],
        t("context_col_rank", lang): rank,
        t("context_col_region_rate", lang, region=region_label(region, lang)):
            [number(v, lang, 1) for v in ctx["region_value"]],
        t("context_col_country_rate", lang): [number(v, lang, 1) for v in ctx["country_value"]],
    }).set_index(t("context_col_year", lang))


def _qualified(value: float, qualifier: str, lang: str) -> str:
    text = fmt_num(value, lang)
    if qualifier.startswith("<"):
        return t("context_qualifier_below", lang, value=text)
    if qualifier.startswith("approx"):
        return t("context_qualifier_approx", lang, value=text)
    return text


def national_table(national: pd.DataFrame, lang: str,
                   article: pd.DataFrame | None = None) -> pd.DataFrame:
    """National MOLISA and VHLSS rates (and the article's figures `context.article_rates` when
    given) as a reader's table: one row per figure, each with its measure, standard, time point
    and source."""
    check_lang(lang)
    rows = []
    for measure, mtype, ind in (("molisa", "admin_molisa", "poor_household_rate"),
                                ("vhlss", "survey_vhlss",
                                 "multidimensional_poverty_rate_gso_vhlss")):
        rates = national_rates(national, mtype, ind)
        for _, part in rates.groupby(["x", "standard", "source_id"], sort=True):
            r = part.iloc[0]
            if len(part) == 2 and r["qualifier"].startswith("range"):
                text = t("context_qualifier_range", lang, low=fmt_num(part["value"].min(), lang),
                         high=fmt_num(part["value"].max(), lang))
            else:
                text = _qualified(r["value"], r["qualifier"], lang)
            if "preliminary" in r["qualifier"]:
                text += f" ({t('context_preliminary', lang)})"
            rows.append((t("context_country", lang), t(f"context_measure_{measure}", lang),
                         standard_label(r["standard"], lang), r["year"],
                         t(f"context_timepoint_{r['timepoint']}", lang), text, r["source_id"]))
    if article is not None:
        for r in article.itertuples():
            rows.append((r.place, t("context_measure_dolisa_article", lang, province=r.place),
                         standard_label(r.standard, lang), r.year,
                         t(f"context_timepoint_{r.timepoint}", lang)
                         if r.timepoint in TIMEPOINT_OFFSET else r.timepoint,
                         fmt_num(r.value, lang) + ("" if r.status == "actual"
                                                   else f" ({t_or(r.status, lang, r.status)})"),
                         r.claim_id))
    cols = [t(f"context_col_{c}", lang) for c in
            ("place", "measure", "standard", "year", "timepoint", "value", "source")]
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------------------------
# Typesetting

#: A displayed number: digits with the locale's group and decimal marks, an optional sign and
#: percent sign ("12,62", "30.803", "−1,5", "3,93%").
_NUMBER = re.compile(r"^[−+-]?\d{1,3}(?:[.,\u202f]\d{3})*(?:[.,]\d+)?%?$|^[−+-]?\d+(?:[.,]\d+)?%?$")
FIGURE_SPACE, PUNCTUATION_SPACE = "\u2007", "\u2008"  # a digit's width, a decimal mark's

CSS = """
#{id} .gt_table {{ width: 100%; font-size: 13px; }}
#{id} .gt_col_heading, #{id} .gt_row {{ white-space: normal; overflow-wrap: anywhere;
  text-align: left; vertical-align: top; padding: 4px 6px; hyphens: auto; }}
#{id} .gt_row.gt_right, #{id} .gt_col_heading.gt_right {{ text-align: right; }}
#{id} .gt_row.gt_right {{ font-variant-numeric: tabular-nums; white-space: nowrap; }}
#{id} .gt_row a {{ white-space: nowrap; }}
"""


def reader_table(frame: pd.DataFrame, lang: str, columns: Iterable[str] | None = None,
                 decimals: Mapping[str, int] | None = None) -> pd.DataFrame:
    """`localised(frame, …)` without the columns that are empty in every row; a named index
    (the year of a rank table) becomes the first column, an unnamed one is dropped."""
    if any(name is not None for name in frame.index.names):
        frame = frame.reset_index()
    shown = localised(frame, lang, columns, decimals)
    keep = [c for c in shown.columns if shown[c].astype(str).str.strip().ne("").any()]
    return shown[keep] if len(shown) else shown


def numeric_columns(shown: pd.DataFrame) -> list[str]:
    """The columns of a displayed table whose every non-empty cell is a number."""
    out = []
    for c in shown.columns:
        cells = [str(v).strip() for v in shown[c] if str(v).strip()]
        if cells and all(_NUMBER.match(v) for v in cells):
            out.append(str(c))
    return out


def decimal_aligned(cells: Iterable[str], lang: str) -> list[str]:
    """Numbers padded after their last digit so their decimal marks line up when
    right-aligned: a figure space for each missing decimal, a punctuation space for a missing
    mark. No digit is added, so no number claims a precision it was not given."""
    mark = fmt_num(0.5, lang)[1]  # the locale's decimal mark: ',' (vi) or '.' (en)
    cells = [str(v) for v in cells]
    parts = []
    for v in cells:
        body, pct = (v[:-1], "%") if v.endswith("%") else (v, "")
        whole, sep, frac = body.rpartition(mark) if mark in body else (body, "", "")
        parts.append((whole, sep + frac, pct))
    width = max((len(frac) for _, frac, _ in parts), default=0)
    out = []
    for v, (whole, frac, pct) in zip(cells, parts, strict=True):
        if not v.strip() or width == 0:
            out.append(v)
            continue
        pad = PUNCTUATION_SPACE + FIGURE_SPACE * (width - 1) if not frac \
            else FIGURE_SPACE * (width - len(frac))
        out.append(f"{whole}{frac}{pad}{pct}")
    return out


def _linked(value: object, kind: str, page: str) -> str:
    """Markdown links of the ids in a cell ('c01;c10' → '[c01](…#claim-c01), [c10](…)')."""
    ids = [i.strip() for i in str(value).split(";") if i.strip()]
    return ", ".join(f"[{i}]({source_link(kind, i, page=page)})" for i in ids)


def typeset(shown: pd.DataFrame, *, label: str, lang: str,
            links: Mapping[str, str] | None = None, page: str | None = None) -> str:
    """A displayed table (`reader_table`) as self-contained HTML: great_tables' table with a
    stable id (so the same table always gives the same bytes), numbers right-aligned on the
    decimal mark, text left-aligned and never justified, long tokens breakable. `links` maps
    columns of ids ('c01;c10') to 'claim' or 'lesson' links on the annotated article `page`
    (default: the page of `lang`); pandoc reads the same HTML into the PDF's table."""
    table_id = "tbl-" + slugify(label)
    numeric = numeric_columns(shown)
    body = shown.copy()
    for c in numeric:
        body[c] = decimal_aligned(body[c], lang)
    linked = [c for c in (links or {}) if c in body.columns]
    page = source_page(lang) if page is None else page
    for c in linked:
        body[c] = [_linked(v, links[c], page) for v in body[c]]
    gt = GT(body, id=table_id)
    if linked:
        gt = gt.fmt_markdown(columns=linked)
    text = [c for c in body.columns if c not in numeric]
    if numeric:
        gt = gt.cols_align("right", columns=numeric)
    if text:
        gt = gt.cols_align("left", columns=text)
    return gt.opt_css(CSS.format(id=table_id)).as_raw_html()
