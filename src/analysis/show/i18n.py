"""Every word a reader sees, in Vietnamese and English.

Translations live in `translations/*.yml` (one file per topic, key → {vi, en}) so notebooks and
figures switch language with one parameter; numbers are formatted with Babel's locale rules
(vi: 12,62 and 30.803; en: 12.62 and 30,803).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from babel.numbers import format_decimal

from analysis.data.config import LANGS
from analysis.data.files import load_yaml
from analysis.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

TRANSLATIONS = Path(__file__).with_name("translations")


def check_lang(lang: object, parameter: str = "lang") -> str:
    """`lang` itself when it is a supported language, else a one-line error."""
    if lang not in LANGS:
        raise UserError(f"unknown {parameter} {lang!r}", where=f"parameter {parameter}",
                        fix=f"use one of: {', '.join(LANGS)}")
    return str(lang)


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
    for path in sorted(TRANSLATIONS.glob("*.yml")):
        entries = load_yaml(path, what="translation file", missing_fix="") or {}
        for key, value in entries.items():
            if key in table:
                raise UserError(f"translation key {key!r} defined twice", where=str(path),
                                fix="keep one definition")
            missing = [lang for lang in LANGS if lang not in (value or {})]
            if missing:
                raise UserError(f"translation {key!r} lacks {missing[0]!r}", where=str(path),
                                fix=f"give every key a text for {', '.join(LANGS)}")
            table[key] = value
    return table


def t(key: str, lang: str, **values: object) -> str:
    """The text for `key` in `lang`, with `{name}` fields filled from `values`."""
    check_lang(lang)
    try:
        text = _table()[key][lang]
    except KeyError:
        raise KeyError(f"no translation for {key!r}; add it to {TRANSLATIONS}/*.yml") from None
    return text.format(**values) if values else text


def t_or(key: str, lang: str, default: str) -> str:
    """The text for `key` in `lang`, or `default` when there is no such key (a coded value
    without a translation is shown as written)."""
    try:
        return t(key, lang)
    except KeyError:
        return default


def fmt_num(value: float, lang: str, decimals: int | None = None) -> str:
    """A number as a reader of `lang` writes it (vi: '12,62', '30.803'; en: '12.62', '30,803')."""
    check_lang(lang)
    fmt = "#,##0" if decimals == 0 else (
        f"#,##0.{'0' * decimals}" if decimals else "#,##0.##")
    return format_decimal(value, format=fmt, locale=lang)


def localise_columns(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A copy of `frame` whose column names that are translation keys read in `lang`."""
    check_lang(lang)
    table = _table()
    return frame.rename(columns={c: table[c][lang] for c in frame.columns if c in table})
