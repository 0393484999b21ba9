"""The map's data: the province shapes, and the GSO poverty rates by province joined to them on
the ISO 3166-2 code (the choropleth itself is `analysis.show.plots.choropleth_plot`).

The geoBoundaries file has 64 features: "Côn Đảo" is a separate feature carrying VN-43, the code
of Bà Rịa–Vũng Tàu. Dissolving by `shapeISO` gives the 63 provinces. Simplified for print once
per build (`province_shapes`, written to data/processed/province_shapes.geojson by
`analysis.build.derive`, which chooses the tolerance), they are joined to the province table
(`iso_3166_2`) and then to the GSO rates and ranks (`context.rank_provinces`,
data/processed/gso_ranks.csv) by Vietnamese name.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.errors import UserError


def dissolve_provinces(boundaries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One (multi)polygon per ISO code: 64 features → 63 provinces (Côn Đảo into VN-43)."""
    out = boundaries[["shapeISO", "geometry"]].dissolve(by="shapeISO", as_index=False)
    return out.rename(columns={"shapeISO": "iso_3166_2"})


def vertex_count(shapes: gpd.GeoDataFrame) -> int:
    """Coordinates in every ring of every shape (a ring's closing point included)."""
    return int(shapely.get_num_coordinates(shapes.geometry.to_numpy()).sum())


def simplify_coverage(shapes: gpd.GeoDataFrame, tolerance: float,
                      decimals: int) -> gpd.GeoDataFrame:
    """`shapes` simplified as one coverage (`shapely.coverage_simplify`, Visvalingam–Whyatt:
    `tolerance` is about the square root of the area of the triangles removed, in the units of
    the coordinates; an edge two provinces share is simplified once, so it stays shared and no
    gap or overlap can appear), coordinates rounded to `decimals` (shared vertices round alike).

    The shapes must form a clean coverage (no overlaps, shared edges with identical vertices),
    and every simplified shape must be a valid, non-empty polygon: otherwise a UserError.
    """
    geoms = shapes.geometry.to_numpy()
    if not shapely.coverage_is_valid(geoms):
        raise UserError("the province polygons overlap or their shared edges do not match",
                        where="the boundary file (data/external/boundaries)",
                        fix="restore the file from git (SHA-256 in SOURCES.md)")
    simple = shapely.transform(shapely.coverage_simplify(geoms, tolerance),
                               lambda xy: np.round(xy, decimals))
    bad = ~shapely.is_valid(simple) | shapely.is_empty(simple)
    if bad.any() or not shapely.coverage_is_valid(simple):
        what = (f"shape {int(np.argmax(bad)) + 1}" if bad.any()
                else "the coverage (a gap or an overlap)")
        raise UserError(f"simplifying at {tolerance}° breaks {what}",
                        where=f"simplification tolerance {tolerance}",
                        fix="use a smaller tolerance")
    return gpd.GeoDataFrame(shapes.drop(columns="geometry"), geometry=simple, crs=shapes.crs)


def province_shapes(boundaries: gpd.GeoDataFrame, tolerance: float,
                    decimals: int) -> gpd.GeoDataFrame:
    """The 63 province shapes the map draws: the boundary file dissolved by ISO code and
    simplified for print (`dissolve_provinces`, `simplify_coverage`)."""
    return simplify_coverage(dissolve_provinces(boundaries), tolerance, decimals)


def join_rates(shapes: gpd.GeoDataFrame, codes: pd.DataFrame, gso: pd.DataFrame,
               ranks: pd.DataFrame, year: int | None = None) -> gpd.GeoDataFrame:
    """The 63 provinces with geometry (`shapes`, from `province_shapes`), names, region and the
    GSO rate and rank of `year` (from `ranks`, `context.rank_provinces(gso)`; default: the
    latest year in the table). A province without a value that year keeps its row with an
    empty `value` (Hồ Chí Minh City in 2016: ".." in the source) and the country's status."""
    year = int(ranks["year"].max()) if year is None else int(year)
    if year not in set(ranks["year"]):
        raise UserError(f"no GSO rates for {year}", where="parameter year",
                        fix=f"use one of {sorted(set(ranks['year']))}")
    cols = ["gso_code", "name_vi", "name_ascii", "region_gso", "iso_3166_2"]
    joined = shapes[["iso_3166_2", "geometry"]].merge(
        codes[cols], on="iso_3166_2", how="outer", validate="one_to_one", indicator=True)
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


def join_counts(joined: gpd.GeoDataFrame, shapes: gpd.GeoDataFrame) -> dict[str, int]:
    """How the join went: province shapes, provinces joined and provinces with a value, and
    the year of the values."""
    return {"n_shapes": len(shapes),
            "n_joined": int(joined["name_vi"].notna().sum()),
            "n_values": int(joined["value"].notna().sum()), "year": int(joined["year"].iloc[0])}


def source_ids(joined: gpd.GeoDataFrame) -> list[str]:
    """Source ids behind the map: the GSO table's and the boundary file's."""
    ids = [i for s in joined["source_id"].dropna() for i in str(s).split(";")]
    return [*dict.fromkeys(ids), "geoboundaries_vnm_adm1"]
