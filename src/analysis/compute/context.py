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

from collections.abc import Iterable

import pandas as pd

from analysis.data.provinces import article_provinces, resolve_province
from analysis.errors import UserError

#: Window of national MOLISA rates shown beside the article.
MOLISA_YEARS = (2010, 2020)

#: Where in a year a figure sits on the timeline of the measures figure (year Y spans Y..Y+1).
TIMEPOINT_OFFSET = {"start_of_year": 0.05, "end_of_year": 0.95, "year": 0.5,
                     "period_average": 0.5}


# --------------------------------------------------------------------------- time axis

def timeline_x(year: int | str, timepoint: str) -> float:
    """Position on a time axis: the year plus where in the year the figure applies."""
    return int(str(year)[:4]) + TIMEPOINT_OFFSET.get(timepoint, 0.5)


# --------------------------------------------------------------------------- GSO

def province_rates(gso: pd.DataFrame) -> pd.DataFrame:
    """GSO poverty rates of the 63 provinces (no country, region or former-province rows)."""
    rows = gso[gso["geo_level"] == "province"]
    return rows[["province", "province_code", "region", "year", "value", "status",
                 "source_id"]].reset_index(drop=True)


def rank_provinces(gso: pd.DataFrame) -> pd.DataFrame:
    """Each province's rank per year: 1 = highest GSO poverty rate; ties share the smaller rank.

    `n_ranked` is the number of provinces with a value that year (63, or 62 in 2016). Computed
    once per build (`analysis.build.derive` → data/processed/gso_ranks.csv), not per report.
    """
    rates = province_rates(gso)
    by_year = rates.groupby("year")["value"]
    rates["rank"] = by_year.rank(method="min", ascending=False).astype("Int64")
    rates["n_ranked"] = by_year.transform("count").astype(int)
    return rates


def province_region(codes: pd.DataFrame, province: str) -> str:
    """The GSO region of a province (as in the GSO table)."""
    return str(codes.loc[codes["name_vi"] == province, "region_gso"].iloc[0])


def province_context(gso: pd.DataFrame, codes: pd.DataFrame, ranks: pd.DataFrame,
                     province: str) -> pd.DataFrame:
    """One row per GSO year: the province's rate and rank (`ranks`: `rank_provinces(gso)`), its
    region's and the country's rate.

    Years come from the country rows, so a year where the province has no value (Hồ Chí Minh
    City, 2016) stays in the table with an empty rate and rank.
    """
    province = resolve_province(province)
    region = province_region(codes, province)
    country = gso[gso["geo_level"] == "country"][["year", "value", "status", "source_id"]]
    country = country.rename(columns={"value": "country_value"})
    reg = gso[(gso["geo_level"] == "region") & (gso["region"] == region)]
    reg = reg[["year", "value"]].rename(columns={"value": "region_value"})
    mine = ranks[ranks["province"] == province][["year", "value", "rank"]]
    n = ranks.groupby("year")["n_ranked"].first().rename("n_ranked").reset_index()
    out = (country.merge(mine, on="year", how="left").merge(n, on="year", how="left")
           .merge(reg, on="year", how="left"))
    out.insert(1, "province", province)
    out.insert(2, "region", region)
    cols = ["year", "province", "region", "status", "value", "rank", "n_ranked", "region_value",
            "country_value", "source_id"]
    return out[cols].sort_values("year").reset_index(drop=True)


def ranking_gap(ranks: pd.DataFrame) -> dict[str, object] | None:
    """The latest year some province is missing from the ranking (`ranks`:
    `rank_provinces(gso)`): {'year', 'missing' (the provinces without a value that year, then
    those without a row), 'n_ranked'}; None when every year ranks every province."""
    n_all = ranks["province"].nunique()
    short = ranks.groupby("year")["n_ranked"].first()
    short = short[short < n_all]
    if short.empty:
        return None
    year = int(short.index[-1])
    missing = ranks[(ranks["year"] == year) & ranks["value"].isna()]["province"].tolist()
    present = set(ranks[ranks["year"] == year]["province"])
    missing += sorted(set(ranks["province"]) - present)
    return {"year": year, "missing": missing, "n_ranked": int(short.iloc[-1])}


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


VHLSS = "multidimensional_poverty_rate_gso_vhlss"


def reading_figures(gso: pd.DataFrame, national: pd.DataFrame) -> dict[str, float]:
    """The national figures the reading of the comparison quotes (MOLISA 2014–2020, VHLSS 2016
    and 2020, GSO 2014 and 2015) and `gso_last`, the last GSO year."""
    country = gso[gso["geo_level"] == "country"].set_index("year")["value"]
    return {
        "molisa_2014_low": national_value(national, 2014, qualifier="range_low"),
        "molisa_2014_high": national_value(national, 2014, qualifier="range_high"),
        "molisa_2015": national_value(national, 2015),
        "molisa_2016": national_value(national, 2016),
        "molisa_2020": national_value(national, 2020),
        "vhlss_2016": national_value(national, 2016, VHLSS, "survey_vhlss"),
        "vhlss_2020": national_value(national, 2020, VHLSS, "survey_vhlss"),
        "gso_2014": float(country[2014]), "gso_2015": float(country[2015]),
        "gso_last": int(country.index.max()),
    }


# --------------------------------------------------------------------------- article

def article_rates(claims: pd.DataFrame | None,
                  places: Iterable[str] | None = None) -> pd.DataFrame | None:
    """The article's poor-household rates (percent, one calendar year) for `places` (default:
    the article's provinces, `analysis.data.provinces.article_provinces`), from the claims
    frame (`analysis.data.processed.load_claims`), each figure once (repeats marked in
    `same_as` or identical rows are dropped).

    Returns None when there are no claims yet (claims.csv not written by the extractor).
    They are DOLISA list rates under the 2016–2020 multidimensional standard (SOURCES.md).
    """
    if claims is None:
        return None
    places = article_provinces() if places is None else list(places)
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


# --------------------------------------------------------------------------- measures

MEASURES_COLUMNS = ["panel", "series", "place", "year", "x", "value", "qualifier", "status",
                    "standard", "source_id"]


def measures_frame(gso: pd.DataFrame, national: pd.DataFrame,
                   article: pd.DataFrame | None = None,
                   province: str | None = None) -> pd.DataFrame:
    """Every figure of the three measures on one time axis, one row per point, in the order
    they are drawn: `panel` gso (the country, and `province` when given, 2010–2016), molisa
    (national MOLISA rates 2010–2020 grouped by poverty standard, then the article's DOLISA
    figures `article`, grouped by place) and vhlss (national GSO/UNDP VHLSS rates).

    `series` is country, province or article; `x` the timeline position; `source_id` the
    source of a national or GSO figure and the claim id of an article figure, so the ids
    behind the figure are `metrics.ids_of(frame, column="source_id")`.
    """
    lo, hi = MOLISA_YEARS
    parts = []
    for level in ("country", "province") if province else ("country",):
        rows = gso[(gso["geo_level"] == level) & gso["year"].between(lo, hi)]
        if level == "province":
            rows = rows[rows["province"] == province]
        parts.append(pd.DataFrame({
            "panel": "gso", "series": level, "place": rows["province"], "year": rows["year"],
            "x": rows["year"] + 0.5, "value": rows["value"], "qualifier": None,
            "status": rows["status"], "standard": rows["standard"],
            "source_id": rows["source_id"]}))
    molisa = national_rates(national)
    order = {s: i for i, s in enumerate(dict.fromkeys(molisa["standard"]))}
    molisa = molisa.iloc[molisa["standard"].map(order).argsort(kind="stable")]
    parts.append(_national_points("molisa", molisa))
    if article is not None and not article.empty:
        places = list(dict.fromkeys(article["place"]))
        art = article.iloc[article["place"].map(places.index).argsort(kind="stable")]
        parts.append(pd.DataFrame({
            "panel": "molisa", "series": "article", "place": art["place"], "year": art["year"],
            "x": art["x"], "value": art["value"], "qualifier": None, "status": art["status"],
            "standard": art["standard"], "source_id": art["claim_id"]}))
    parts.append(_national_points("vhlss", national_rates(national, "survey_vhlss", VHLSS)))
    return pd.concat(parts, ignore_index=True)[MEASURES_COLUMNS]


def _national_points(panel: str, rows: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "panel": panel, "series": "country", "place": "VN", "year": rows["year"], "x": rows["x"],
        "value": rows["value"], "qualifier": rows["qualifier"], "status": None,
        "standard": rows["standard"], "source_id": rows["source_id"]})
