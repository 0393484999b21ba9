"""Display tables: computed frames as a reader sees them in `lang` — localised column names and
coded values, numbers written the local way. Nothing here computes a figure: each table is
made from a frame of `analysis.compute` (or the parsed article) and only written out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from analysis.compute.metrics import is_missing
from analysis.reading.article import Article
from analysis.show.i18n import check_lang, fmt_num, t, t_or

#: Columns of character offsets: plain integers, no grouping.
OFFSET_COLUMNS = ("start", "end")


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
        if c in OFFSET_COLUMNS:
            out[c] = col.map(lambda v: "" if pd.isna(v) else str(int(v)))
        elif pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            out[c] = col.map(lambda v, c=c: "" if pd.isna(v) else fmt_num(v, lang,
                                                                           decimals.get(c)))
        else:
            out[c] = col.map(lambda v: "" if is_missing(v) else (
                t_or(f"val_{v}", lang, v) if isinstance(v, str)
                else ("✓" if v is True else "✗" if v is False else v)))
    names = {c: t_or(f"col_{c}", lang, c) for c in out.columns}
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
