"""A province in national context: GSO poverty rates against region and country, ranks among
the 63 provinces, and national MOLISA rates beside the article's figures.

Three measures appear here and are never joined (data/external/SOURCES.md):
GSO's survey poverty rate (`gso_poverty_rate_by_province_2006_2016.csv`), MOLISA/DOLISA's
administrative poor-household rate (`measure_type=admin_molisa`), and the GSO/UNDP
multidimensional rate from the VHLSS survey (`measure_type=survey_vhlss`). Each table and figure
labels its values with their measure and poverty standard.

Rank rule: within each year, provinces with a GSO value are ranked from the highest poverty rate
(rank 1) to the lowest; ties share the smallest rank (pandas `method="min"`); a province without
a value that year (Hồ Chí Minh City in 2016) gets no rank and `n_ranked` counts only the ranked.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D

from analysis.data import paths
from analysis.data.processed import article_provinces, load_claims
from analysis.data.provinces import resolve_province, slugify
from analysis.errors import UserError
from analysis.show.i18n import check_lang, fmt_num, t
from analysis.show.style import PALETTE, place_colour

CLAIMS = paths.PROCESSED / "claims.csv"

#: Window of national MOLISA rates shown beside the article.
MOLISA_YEARS = (2010, 2020)

# Where in a year a figure sits on the timeline of the measures figure (year Y spans Y..Y+1).
_TIMEPOINT_OFFSET = {"start_of_year": 0.05, "end_of_year": 0.95, "year": 0.5,
                     "period_average": 0.5}
_DODGE = -0.3  # horizontal shift of the article's markers in the measures figure


# --------------------------------------------------------------------------- labels

def region_label(region: str, lang: str) -> str:
    """A GSO region (English label in the data) in `lang`."""
    key = "context_region_" + slugify(region).replace("-", "_")
    try:
        return t(key, lang)
    except KeyError:
        return region


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


def timeline_x(year: int | str, timepoint: str) -> float:
    """Position on a time axis: the year plus where in the year the figure applies."""
    return int(str(year)[:4]) + _TIMEPOINT_OFFSET.get(timepoint, 0.5)


# --------------------------------------------------------------------------- GSO

def province_rates(gso: pd.DataFrame) -> pd.DataFrame:
    """GSO poverty rates of the 63 provinces (no country, region or former-province rows)."""
    rows = gso[gso["geo_level"] == "province"]
    return rows[["province", "province_code", "region", "year", "value", "status",
                 "source_id"]].reset_index(drop=True)


def rank_provinces(gso: pd.DataFrame) -> pd.DataFrame:
    """Each province's rank per year: 1 = highest GSO poverty rate; ties share the smaller rank.

    `n_ranked` is the number of provinces with a value that year (63, or 62 in 2016).
    """
    rates = province_rates(gso)
    by_year = rates.groupby("year")["value"]
    rates["rank"] = by_year.rank(method="min", ascending=False).astype("Int64")
    rates["n_ranked"] = by_year.transform("count").astype(int)
    return rates


def province_region(codes: pd.DataFrame, province: str) -> str:
    """The GSO region of a province (as in the GSO table)."""
    return str(codes.loc[codes["name_vi"] == province, "region_gso"].iloc[0])


def province_context(gso: pd.DataFrame, codes: pd.DataFrame, province: str) -> pd.DataFrame:
    """One row per GSO year: the province's rate and rank, its region's and the country's rate.

    Years come from the country rows, so a year where the province has no value (Hồ Chí Minh
    City, 2016) stays in the table with an empty rate and rank.
    """
    province = resolve_province(province)
    region = province_region(codes, province)
    country = gso[gso["geo_level"] == "country"][["year", "value", "status", "source_id"]]
    country = country.rename(columns={"value": "country_value"})
    reg = gso[(gso["geo_level"] == "region") & (gso["region"] == region)]
    reg = reg[["year", "value"]].rename(columns={"value": "region_value"})
    ranks = rank_provinces(gso)
    mine = ranks[ranks["province"] == province][["year", "value", "rank"]]
    n = ranks.groupby("year")["n_ranked"].first().rename("n_ranked").reset_index()
    out = (country.merge(mine, on="year", how="left").merge(n, on="year", how="left")
           .merge(reg, on="year", how="left"))
    out.insert(1, "province", province)
    out.insert(2, "region", region)
    cols = ["year", "province", "region", "status", "value", "rank", "n_ranked", "region_value",
            "country_value", "source_id"]
    return out[cols].sort_values("year").reset_index(drop=True)


def _fmt(value: float, lang: str) -> str:
    return "–" if pd.isna(value) else fmt_num(value, lang, decimals=1)


def rank_table(ctx: pd.DataFrame, lang: str) -> pd.DataFrame:
    """`province_context` as a reader's table in `lang` (numbers formatted for the locale)."""
    check_lang(lang)
    province, region = ctx["province"].iloc[0], ctx["region"].iloc[0]
    rank = [("–" if pd.isna(r) else t("context_rank_of", lang, rank=int(r), n=int(n)))
            for r, n in zip(ctx["rank"], ctx["n_ranked"], strict=True)]
    return pd.DataFrame({
        t("context_col_year", lang): ctx["year"].astype(str),
        t("context_col_status", lang): [t(f"context_status_{s}", lang) for s in ctx["status"]],
        t("context_col_province_rate", lang, province=province):
            [_fmt(v, lang) for v in ctx["value"]],
        t("context_col_rank", lang): rank,
        t("context_col_region_rate", lang, region=region_label(region, lang)):
            [_fmt(v, lang) for v in ctx["region_value"]],
        t("context_col_country_rate", lang): [_fmt(v, lang) for v in ctx["country_value"]],
    }).set_index(t("context_col_year", lang))


def summary_text(ctx: pd.DataFrame, lang: str) -> str:
    """One paragraph: the latest year with a value, its rank, region and country, and the
    first year for comparison. Every number comes from `ctx`."""
    check_lang(lang)
    have = ctx.dropna(subset=["value"])
    last, first = have.iloc[-1], have.iloc[0]
    return t("context_summary", lang, province=last["province"], year=int(last["year"]),
             status=t(f"context_status_{last['status']}", lang),
             value=_fmt(last["value"], lang), rank=int(last["rank"]), n=int(last["n_ranked"]),
             region=region_label(last["region"], lang),
             region_value=_fmt(last["region_value"], lang),
             country_value=_fmt(last["country_value"], lang), first=int(first["year"]),
             first_value=_fmt(first["value"], lang), first_rank=int(first["rank"]),
             first_n=int(first["n_ranked"]))


def rank_rule_text(gso: pd.DataFrame, lang: str) -> str:
    """How ranks are computed, naming any province missing from a year's ranking."""
    ranks = rank_provinces(gso)
    n_all = ranks["province"].nunique()
    short = ranks.groupby("year")["n_ranked"].first()
    short = short[short < n_all]
    if short.empty:
        return t("context_rank_rule_complete", lang)
    year = int(short.index[-1])
    missing = ranks[(ranks["year"] == year) & ranks["value"].isna()]["province"].tolist()
    present = set(ranks[ranks["year"] == year]["province"])
    missing += sorted(set(ranks["province"]) - present)
    return t("context_rank_rule", lang, missing_year=year, missing=", ".join(missing),
             n_missing_year=int(short.iloc[-1]))


# --------------------------------------------------------------------------- national

def national_rates(national: pd.DataFrame, measure_type: str = "admin_molisa",
                   indicator: str = "poor_household_rate",
                   years: tuple[int, int] = MOLISA_YEARS) -> pd.DataFrame:
    """National rates of one measure within `years` (single years only, no period averages),
    with their timeline position. Ranges stay as two rows (qualifier range_low / range_high)."""
    rows = national[(national["geo"] == "VN") & (national["measure_type"] == measure_type)
                    & (national["indicator"] == indicator)
                    & national["year"].str.fullmatch(r"\d{4}")].copy()
    rows["year"] = rows["year"].astype(int)
    rows = rows[rows["year"].between(*years)]
    rows["x"] = [timeline_x(y, tp) for y, tp in zip(rows["year"], rows["timepoint"], strict=True)]
    cols = ["year", "timepoint", "value", "qualifier", "standard", "measure_type", "source_id",
            "x"]
    return rows[cols].sort_values(["x", "value"]).reset_index(drop=True)


def national_value(national: pd.DataFrame, year: int, indicator: str = "poor_household_rate",
                   measure_type: str = "admin_molisa", qualifier: str | None = None) -> float:
    """One national figure, or an error naming what is missing."""
    rows = national_rates(national, measure_type, indicator, (year, year))
    if qualifier is not None:
        rows = rows[rows["qualifier"].str.startswith(qualifier)]
    if rows.empty:
        raise UserError(f"no national {indicator} ({measure_type}) for {year}",
                        where="national_poverty_statistics.csv",
                        fix="restore the file from git")
    return float(rows["value"].iloc[0])


def _status_word(status: str, lang: str) -> str:
    try:
        return t(status, lang)  # estimate / target / actual (common.yml)
    except KeyError:
        return status


def _qualified(value: float, qualifier: str, lang: str) -> str:
    text = fmt_num(value, lang)
    if qualifier.startswith("<"):
        return t("context_qualifier_below", lang, value=text)
    if qualifier.startswith("approx"):
        return t("context_qualifier_approx", lang, value=text)
    return text


def national_table(national: pd.DataFrame, lang: str,
                   article: pd.DataFrame | None = None) -> pd.DataFrame:
    """National MOLISA and VHLSS rates (and the article's figures when given) as a reader's
    table: one row per figure, each with its measure, standard, time point and source."""
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
                         if r.timepoint in _TIMEPOINT_OFFSET else r.timepoint,
                         fmt_num(r.value, lang) + ("" if r.status == "actual"
                                                   else f" ({_status_word(r.status, lang)})"),
                         r.claim_id))
    cols = [t(f"context_col_{c}", lang) for c in
            ("place", "measure", "standard", "year", "timepoint", "value", "source")]
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- article

def article_rates(claims_path: Path | str = CLAIMS,
                  places: Iterable[str] | None = None) -> pd.DataFrame | None:
    """The article's poor-household rates (percent, one calendar year) for `places` (default:
    the article's provinces, `analysis.data.processed.article_provinces`), from
    claims.csv (read by `analysis.data.processed.load_claims`), each figure once (repeats marked in
    `same_as` or identical rows are dropped).

    Returns None when claims.csv does not exist yet (the claims extractor writes it).
    They are DOLISA list rates under the 2016–2020 multidimensional standard (SOURCES.md).
    """
    path = Path(claims_path)
    if not path.is_file():
        return None
    places = article_provinces() if places is None else list(places)
    claims = load_claims(path)
    is_rate = (claims["unit"].eq("percent") & claims["indicator"].eq("poor_household_rate")
               & claims["same_as"].isna() & claims["place"].isin(places)
               & claims["period"].str.fullmatch(r"\d{4}").fillna(False).astype(bool))
    rows = claims[is_rate].copy()
    rows["year"] = rows["period"].str[:4].astype(int)
    rows["standard"] = "multidimensional_2016_2020"
    rows["x"] = [timeline_x(y, tp) for y, tp in zip(rows["year"], rows["timepoint"], strict=True)]
    rows = rows.drop_duplicates(["place", "year", "timepoint", "value", "status"])
    cols = ["claim_id", "place", "year", "timepoint", "value", "status", "standard", "x"]
    return rows[cols].sort_values(["place", "x"]).reset_index(drop=True)


def claims_note(article: pd.DataFrame | None, lang: str) -> str:
    """The TODO for the lead while claims.csv is missing, else nothing."""
    return t("context_claims_missing", lang) if article is None else ""


def measures_source(article: pd.DataFrame | None, lang: str) -> str:
    """Source line of the measures figure (names the article when its figures are drawn)."""
    return t("context_source_measures_article" if article is not None and len(article)
             else "context_source_measures", lang)


# --------------------------------------------------------------------------- texts

def reading_text(gso: pd.DataFrame, national: pd.DataFrame, province: str, lang: str) -> str:
    """The honest reading of the comparison, every number taken from the data files."""
    check_lang(lang)
    country = gso[gso["geo_level"] == "country"].set_index("year")["value"]
    vhlss = "multidimensional_poverty_rate_gso_vhlss"
    f = {
        "molisa_2014_low": national_value(national, 2014, qualifier="range_low"),
        "molisa_2014_high": national_value(national, 2014, qualifier="range_high"),
        "molisa_2015": national_value(national, 2015),
        "molisa_2016": national_value(national, 2016),
        "molisa_2020": national_value(national, 2020),
        "vhlss_2016": national_value(national, 2016, vhlss, "survey_vhlss"),
        "vhlss_2020": national_value(national, 2020, vhlss, "survey_vhlss"),
        "gso_2014": float(country[2014]), "gso_2015": float(country[2015]),
    }
    # GSO publishes one decimal: keep it ("7,0"); other figures as the source gives them
    text = {k: fmt_num(v, lang, decimals=1 if k.startswith("gso") else None)
            for k, v in f.items()}
    return t("context_reading", lang, province=resolve_province(province),
             gso_last=int(country.index.max()), **text)


# --------------------------------------------------------------------------- values

def key_values(ctx: pd.DataFrame, joined: pd.DataFrame | None = None,
               national: pd.DataFrame | None = None,
               article: pd.DataFrame | None = None) -> dict[str, object]:
    """The notebook's key computed values, JSON-ready, so tests can read what it computed."""
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


# --------------------------------------------------------------------------- figures

def _province_colour(province: str) -> str:
    return place_colour(province, PALETTE["highlight"])


def plot_gso_context(ctx: pd.DataFrame, lang: str) -> plt.Figure:
    """Two panels: the province's GSO rate against its region and the country (left), and its
    rank among the provinces (right, rank 1 = highest rate at the top). Preliminary years are
    drawn with open markers and a dashed last segment."""
    check_lang(lang)
    province, region = ctx["province"].iloc[0], ctx["region"].iloc[0]
    prelim = ctx["status"].eq("preliminary")
    fig, (ax, axr) = plt.subplots(1, 2, figsize=(11, 4.6), gridspec_kw={"width_ratios": [3, 2]})
    series = [("value", province, _province_colour(province), 2.4),
              ("region_value", region_label(region, lang), PALETTE["region"], 1.6),
              ("country_value", t("context_country", lang), PALETTE["country"], 1.6)]
    for col, label, colour, lw in series:
        _line_with_preliminary(ax, ctx["year"], ctx[col], prelim, colour, lw, label)
    ax.set_xlabel(t("year", lang))
    ax.set_ylabel(t("context_fig_series_ylabel", lang))
    ax.set_ylim(bottom=0)
    ax.set_xticks(ctx["year"].tolist())
    ax.tick_params(axis="x", labelrotation=45)
    ax.legend(frameon=False, fontsize=8.5)
    n = int(ctx["n_ranked"].max())
    _line_with_preliminary(axr, ctx["year"], ctx["rank"].astype(float), prelim,
                           _province_colour(province), 2.4, province)
    for y, r in zip(ctx["year"], ctx["rank"], strict=True):
        if not pd.isna(r):
            axr.annotate(str(int(r)), (y, float(r)), textcoords="offset points", xytext=(0, 7),
                         ha="center", fontsize=8)
    axr.set_ylim(n + 1, 0)
    axr.set_xticks(ctx["year"].tolist())
    axr.tick_params(axis="x", labelrotation=45)
    axr.set_title(t("context_fig_rank_title", lang, n=n), fontsize=10)
    axr.set_ylabel(t("context_fig_rank_ylabel", lang))
    axr.set_xlabel(t("year", lang))
    years = ctx.loc[prelim, "year"].tolist()
    if years:
        fig.text(0.99, 0.005, t("context_fig_preliminary_note", lang, year=int(years[-1])),
                 ha="right", va="bottom", fontsize=7.5, color="#555555")
    fig.suptitle(t("context_fig_series_title", lang, province=province,
                   first=int(ctx["year"].min()), last=int(ctx["year"].max())))
    fig.text(0.5, 0.9, measure_label("gso", "not_stated_in_source_file", lang), ha="center",
             fontsize=8.5, color="#555555")
    fig.subplots_adjust(top=0.82, bottom=0.22, wspace=0.25)
    return fig


def _line_with_preliminary(ax: plt.Axes, x: pd.Series, y: pd.Series, prelim: pd.Series,
                           colour: str, lw: float, label: str) -> None:
    final = ~prelim
    ax.plot(x[final], y[final], "-o", color=colour, lw=lw, ms=4.5, label=label)
    if prelim.any():
        idx = list(x[final].index[-1:]) + list(x[prelim].index)
        ax.plot(x[idx], y[idx], "--", color=colour, lw=lw * 0.8)
        ax.plot(x[prelim], y[prelim], "o", mfc="white", mec=colour, ms=5.5)


def plot_measures(gso: pd.DataFrame, national: pd.DataFrame, lang: str,
                  article: pd.DataFrame | None = None,
                  province: str | None = None) -> tuple[plt.Figure, list[str]]:
    """Three panels, one per measure, on one time axis and one y scale; markers only, so no
    line ever joins two measures or two standards.

    (a) GSO poverty rate (country, and `province` when given) 2010–2016;
    (b) MOLISA poor-household rate, national, 2010–2020, coloured by standard, with the article's
        DOLISA figures (`article`) when available;
    (c) GSO/UNDP VHLSS multidimensional rate, national.
    Returns the figure and the source ids it drew on.
    """
    check_lang(lang)
    ids: list[str] = []
    fig, axes = plt.subplots(1, 3, figsize=(13, 6.2), sharey=True, sharex=True)
    lo, hi = MOLISA_YEARS
    # (a) GSO
    ax = axes[0]
    gso_rows = [("country", t("context_country", lang), PALETTE["country"])]
    if province:
        gso_rows.append(("province", province, _province_colour(province)))
    for level, label, colour in gso_rows:
        rows = gso[(gso["geo_level"] == level) & gso["year"].between(lo, hi)]
        if level == "province":
            rows = rows[rows["province"] == province]
        fin = rows["status"] == "final"
        x = rows["year"] + 0.5
        ax.plot(x[fin], rows["value"][fin], "o", color=colour, label=label)
        ax.plot(x[~fin], rows["value"][~fin], "o", mfc="white", mec=colour,
                label=f"{label} ({t('context_preliminary', lang)})" if (~fin).any() else None)
        ids += rows["source_id"].tolist()
    ax.set_title(_wrap(t("context_measure_gso", lang)), fontsize=9.5)
    _legend(ax, standard_label("not_stated_in_source_file", lang))
    # (b) MOLISA (+ article)
    ax = axes[1]
    molisa = national_rates(national)
    standards = list(dict.fromkeys(molisa["standard"]))
    colours = ["#9c9c9c", PALETTE["country"], "#6a4c93", "#1982c4"]
    has_range = has_below = False
    for std, colour in zip(standards, colours, strict=False):
        rows = molisa[molisa["standard"] == std]
        exact = rows[~rows["qualifier"].str.startswith(("<", "range"))]
        ax.plot(exact["x"], exact["value"], "s", color=colour,
                label=f"{t('context_country', lang)}: {standard_label(std, lang)}")
        rng = rows[rows["qualifier"].str.startswith("range")]
        for x, part in rng.groupby("x"):
            lo_v, hi_v = part["value"].min(), part["value"].max()
            ax.errorbar([x], [(lo_v + hi_v) / 2], yerr=[[(hi_v - lo_v) / 2]] * 2, fmt="s",
                        mfc="white", mec=colour, ecolor=colour, capsize=4)
        below = rows[rows["qualifier"].str.startswith("<")]
        ax.plot(below["x"], below["value"], "v", mec=colour, mfc="white", ms=7)
        has_range |= not rng.empty
        has_below |= not below.empty
        ids += rows["source_id"].tolist()
    if article is not None and not article.empty:
        for place, rows in article.groupby("place", sort=False):
            est = rows["status"].ne("actual")
            colour = _province_colour(str(place))
            x = rows["x"] + _DODGE  # beside, not on top of, a national figure of the same date
            ax.plot(x[~est], rows["value"][~est], "D", color=colour,
                    label=t("context_measure_dolisa_article", lang, province=place))
            ax.plot(x[est], rows["value"][est], "D", mfc="white", mec=colour,
                    label=f"{place} ({t('estimate', lang)})" if est.any() else None)
            ids += rows["claim_id"].tolist()
    ax.set_title(_wrap(t("context_measure_molisa", lang)), fontsize=9.5)
    extra = []
    if has_range:
        extra.append((Line2D([], [], marker="s", mfc="white", mec="#555555", ls="",
                             color="#555555"), t("context_fig_range", lang)))
    if has_below:
        extra.append((Line2D([], [], marker="v", mfc="white", mec="#555555", ls=""),
                      t("context_fig_below", lang)))
    _legend(ax, None, extra)
    # (c) VHLSS
    ax = axes[2]
    vhlss = national_rates(national, "survey_vhlss", "multidimensional_poverty_rate_gso_vhlss")
    ax.plot(vhlss["x"], vhlss["value"], "^", color="#8ac926", ms=8,
            label=t("context_country", lang))
    ids += vhlss["source_id"].tolist()
    ax.set_title(_wrap(t("context_measure_vhlss", lang)), fontsize=9.5)
    _legend(ax, standard_label("gso_undp_vhlss_multidimensional", lang))
    for a in axes:
        a.set_xlim(lo, hi + 1.2)
        a.set_xticks([y + 0.5 for y in range(lo, hi + 1, 2)],
                     [str(y) for y in range(lo, hi + 1, 2)])
        a.set_xticks(range(lo, hi + 2), minor=True)
        a.grid(which="minor", axis="x", color="#eeeeee", lw=0.6)
        a.set_ylim(bottom=0)
    axes[1].set_xlabel(t("context_fig_measures_xlabel", lang), fontsize=8.5)
    axes[0].set_ylabel(t("context_fig_measures_ylabel", lang))
    fig.suptitle(t("context_fig_measures_title", lang))
    fig.subplots_adjust(top=0.83, bottom=0.46, wspace=0.08)
    return fig, [i for s in ids for i in str(s).split(";")]


def _wrap(text: str, width: int = 38) -> str:
    return "\n".join(textwrap.wrap(text, width))


def _legend(ax: plt.Axes, standard: str | None,
            extra: list[tuple[Line2D, str]] | None = None) -> None:
    handles, labels = ax.get_legend_handles_labels()
    for handle, label in extra or []:
        handles.append(handle)
        labels.append(label)
    if standard:
        handles.append(Line2D([], [], lw=0))
        labels.append(f"({standard})")
    ax.legend(handles, [_wrap(lbl, 42) for lbl in labels], frameon=False, fontsize=7.5,
              loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=1)
