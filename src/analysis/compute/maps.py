"""The map's data: GSO poverty rates by province joined to the province shapes on the ISO
3166-2 code (the choropleth itself is `analysis.show.plots.choropleth_plot`).

The geoBoundaries file has 64 features: "Côn Đảo" is a separate feature carrying VN-43, the code
of Bà Rịa–Vũng Tàu. Dissolving by `shapeISO` gives the 63 provinces, which are joined to the
province table (`iso_3166_2`) and then to the GSO rates by Vietnamese name.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from analysis.compute.context import rank_provinces
from analysis.errors import UserError


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


def join_counts(joined: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame) -> dict[str, int]:
    """How the join went: province shapes, provinces joined and provinces with a value, and
    the year of the values."""
    return {"n_shapes": len(dissolve_provinces(boundaries)),
            "n_joined": int(joined["name_vi"].notna().sum()),
            "n_values": int(joined["value"].notna().sum()), "year": int(joined["year"].iloc[0])}


def source_ids(joined: gpd.GeoDataFrame) -> list[str]:
    """Source ids behind the map: the GSO table's and the boundary file's."""
    ids = [i for s in joined["source_id"].dropna() for i in str(s).split(";")]
    return [*dict.fromkeys(ids), "geoboundaries_vnm_adm1"]
