"""Choropleth of GSO poverty rates by province, joined on the ISO 3166-2 code.

The geoBoundaries file has 64 features: "Côn Đảo" is a separate feature carrying VN-43, the code
of Bà Rịa–Vũng Tàu. Dissolving by `shapeISO` gives the 63 provinces, which are joined to the
province table (`iso_3166_2`) and then to the GSO rates by Vietnamese name.
"""

from __future__ import annotations

import geopandas as gpd
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.patches import Patch

from analysis.compute.context import rank_provinces
from analysis.data.provinces import resolve_province
from analysis.errors import UserError
from analysis.show.i18n import check_lang, t
from analysis.show.style import place_colours

CMAP = "YlOrRd"
NO_DATA = "#d9d9d9"


def dissolve_provinces(boundaries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One (multi)polygon per ISO code: 64 features → 63 provinces (Côn Đảo into VN-43)."""
    out = boundaries[["shapeISO", "geometry"]].dissolve(by="shapeISO", as_index=False)
    return out.rename(columns={"shapeISO": "iso_3166_2"})


def join_rates(boundaries: gpd.GeoDataFrame, codes: pd.DataFrame, gso: pd.DataFrame,
               year: int | None = None) -> gpd.GeoDataFrame:
    """The 63 provinces with geometry, names, region and the GSO rate and rank of `year`
    (default: the latest year in the table). A province without a value that year keeps its
    row with an empty `value` (Hồ Chí Minh City in 2016: ".." in the source)."""
    shapes = dissolve_provinces(boundaries)
    ranks = rank_provinces(gso)
    year = int(ranks["year"].max()) if year is None else int(year)
    if year not in set(ranks["year"]):
        raise UserError(f"no GSO rates for {year}", where="parameter year",
                        fix=f"use one of {sorted(set(ranks['year']))}")
    cols = ["gso_code", "name_vi", "name_ascii", "region_gso", "iso_3166_2"]
    joined = shapes.merge(codes[cols], on="iso_3166_2", how="outer", validate="one_to_one",
                          indicator=True)
    bad = joined[joined["_merge"] != "both"]
    if not bad.empty:
        raise UserError(f"ISO code {bad['iso_3166_2'].iloc[0]!r} is in only one of boundaries "
                        "and province table", where="vietnam_provinces_63_codes.csv, column "
                        "'iso_3166_2'", fix="the two must list the same 63 codes")
    rates = ranks[ranks["year"] == year][["province", "value", "status", "rank", "n_ranked",
                                          "source_id"]]
    joined = joined.drop(columns="_merge").merge(
        rates.rename(columns={"province": "name_vi"}), on="name_vi", how="left",
        validate="one_to_one")
    joined["year"] = year
    joined["status"] = joined["status"].fillna(
        gso.loc[(gso["geo_level"] == "country") & (gso["year"] == year), "status"].iloc[0])
    return gpd.GeoDataFrame(joined, geometry="geometry", crs=shapes.crs)


def plot_choropleth(joined: gpd.GeoDataFrame, province: str, lang: str) -> plt.Figure:
    """Map of `joined` (from `join_rates`): fill = GSO rate, grey = no value; the chosen
    province outlined in black, the article's provinces in their palette colours."""
    check_lang(lang)
    province = resolve_province(province)
    year = int(joined["year"].iloc[0])
    prelim = joined["status"].eq("preliminary").any()
    fig, ax = plt.subplots(figsize=(6.4, 7.6))
    has = joined[joined["value"].notna()]
    has.plot(column="value", cmap=CMAP, ax=ax, edgecolor="white", linewidth=0.3, legend=True,
             vmin=0, legend_kwds={"label": t("context_fig_map_colorbar", lang),
                                  "orientation": "horizontal", "shrink": 0.7, "pad": 0.02,
                                  "aspect": 30})
    joined[joined["value"].isna()].plot(ax=ax, color=NO_DATA, edgecolor="white", linewidth=0.3,
                                        hatch="///")
    handles = []
    outlined = place_colours()
    for name, colour in outlined.items():
        if name == province:
            continue
        joined[joined["name_vi"] == name].boundary.plot(ax=ax, color=colour, linewidth=1.6)
        handles.append(Patch(facecolor="none", edgecolor=colour, linewidth=1.6,
                             label=t("context_fig_map_article", lang, province=name)))
    joined[joined["name_vi"] == province].boundary.plot(ax=ax, color="black", linewidth=2.2)
    label = t("context_fig_map_chosen", lang, province=province)
    if province in outlined:
        label += " · " + t("context_fig_map_in_article", lang)
    handles.insert(0, Patch(facecolor="none", edgecolor="black", linewidth=2.2, label=label))
    if joined["value"].isna().any():
        missing = ", ".join(joined.loc[joined["value"].isna(), "name_vi"])
        handles.append(Patch(facecolor=NO_DATA, hatch="///", edgecolor="white",
                             label=f"{missing}: {t('context_no_data', lang)}"))
    ax.legend(handles=handles, loc="lower right", fontsize=7.5, frameon=True, framealpha=0.9)
    ax.set_axis_off()
    status = f" ({t('context_preliminary', lang)})" if prelim else ""
    ax.set_title(t("context_fig_map_title", lang, year=year, status=status))
    fig.subplots_adjust(left=0.02, right=0.98, top=0.95, bottom=0.08)
    return fig


def map_note(joined: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame, lang: str) -> str:
    """One sentence on the join: shapes, provinces joined and provinces with a value."""
    return t("context_map_note", lang, n_shapes=len(dissolve_provinces(boundaries)),
             n_joined=int(joined["name_vi"].notna().sum()),
             n_values=int(joined["value"].notna().sum()), year=int(joined["year"].iloc[0]))


def source_ids(joined: gpd.GeoDataFrame) -> list[str]:
    """Source ids behind the map: the GSO table's and the boundary file's."""
    ids = [i for s in joined["source_id"].dropna() for i in str(s).split(";")]
    return [*dict.fromkeys(ids), "geoboundaries_vnm_adm1"]
