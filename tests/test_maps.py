"""The map joins all 63 provinces on the ISO code (Côn Đảo merged into Bà Rịa–Vũng Tàu); the
shapes it draws are simplified once as a coverage, without gaps or overlaps."""

from __future__ import annotations

import csv

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import box

from analysis.build import derive
from analysis.compute import maps
from analysis.data import external, paths
from analysis.errors import UserError

TOL = derive.SIMPLIFY_TOLERANCE_DEG


@pytest.fixture(scope="module")
def data():
    return external.load_all()


@pytest.fixture(scope="module")
def dissolved(data):
    return maps.dissolve_provinces(data.boundaries)


@pytest.fixture(scope="module")
def raw_rates():
    with open(paths.EXTERNAL / external.GSO_PROVINCE, encoding="utf-8", newline="") as f:
        return {(r["province"], int(r["year"])): float(r["value"])
                for r in csv.DictReader(f) if r["geo_level"] == "province"}


def test_dissolve_gives_63_shapes_and_keeps_con_dao(data, dissolved):
    shapes = dissolved
    assert len(shapes) == 63 and shapes["iso_3166_2"].is_unique
    b = data.boundaries
    con_dao = b[b["shapeName"] == "Côn Đảo"]
    assert con_dao["shapeISO"].tolist() == ["VN-43"]
    brvt = shapes[shapes["iso_3166_2"] == "VN-43"].geometry.iloc[0]
    assert brvt.contains(con_dao.geometry.iloc[0].representative_point())
    parts = b[b["shapeISO"] == "VN-43"].geometry
    assert brvt.area == pytest.approx(sum(g.area for g in parts), rel=1e-6)  # shapely, degrees


def test_simplified_shapes_keep_the_coverage(dissolved, shapes):
    """The committed shapes against the dissolved boundary file: same provinces and parts,
    every shape valid, no overlap, no gap (the union's area is the sum of the areas, and
    within 0.03 % of the original's), no edge moved by more than about the tolerance."""
    before, after = dissolved.geometry.to_numpy(), shapes.geometry.to_numpy()
    assert shapes["iso_3166_2"].tolist() == dissolved["iso_3166_2"].tolist()
    assert shapely.is_valid(after).all() and not shapely.is_empty(after).any()
    assert shapely.coverage_is_valid(after)
    assert (shapely.get_num_geometries(after) == shapely.get_num_geometries(before)).all()
    union_before, union_after = shapely.union_all(before).area, shapely.union_all(after).area
    assert abs(union_after - union_before) / union_before < 3e-4  # measured 1.8e-4
    assert shapely.area(after).sum() == pytest.approx(union_after, rel=1e-9)  # no overlap
    tree = shapely.STRtree(after)
    left, right = tree.query(after, predicate="intersects")
    overlaps = [shapely.intersection(after[i], after[j]).area
                for i, j in zip(left, right, strict=True) if i < j]
    assert len(overlaps) > 100 and max(overlaps) < 1e-12  # neighbours touch, never overlap
    moved = shapely.hausdorff_distance(shapely.boundary(before), shapely.boundary(after))
    assert moved.max() < 1.2 * TOL  # measured 0.0106° at 0.01°
    area_change = np.abs(shapely.area(after) / shapely.area(before) - 1)
    assert area_change.max() < 0.01  # measured 0.6 %



def test_con_dao_stays_in_ba_ria_vung_tau(data, shapes):
    b = data.boundaries
    con_dao = b[b["shapeName"] == "Côn Đảo"].geometry.iloc[0]
    mainland = b[(b["shapeISO"] == "VN-43") & (b["shapeName"] != "Côn Đảo")].geometry.iloc[0]
    brvt = shapes.set_index("iso_3166_2").geometry["VN-43"]
    assert brvt.contains(con_dao.representative_point())
    assert shapely.get_num_geometries(brvt) == (shapely.get_num_geometries(mainland)
                                                + shapely.get_num_geometries(con_dao))


def test_simplify_refuses_polygons_that_overlap():
    squares = gpd.GeoDataFrame({"iso_3166_2": ["VN-01", "VN-02"]},
                               geometry=[box(0, 0, 1, 1), box(0.5, 0, 1.5, 1)], crs="EPSG:4326")
    with pytest.raises(UserError, match="overlap or their shared edges do not match"):
        maps.simplify_coverage(squares, TOL, 5)
    touching = squares.set_geometry([box(0, 0, 1, 1), box(1, 0, 2, 1)])
    assert maps.vertex_count(maps.simplify_coverage(touching, TOL, 5)) == 10


@pytest.mark.parametrize("year", [2006, 2015, 2016])
def test_join_has_all_63_provinces_and_the_raw_values(data, shapes, ranks, raw_rates, year):
    joined = maps.join_rates(shapes, data.codes, data.gso, ranks, year)
    assert len(joined) == 63 and joined.geometry.notna().all()
    assert not joined.geometry.is_empty.any()
    key_cols = ["iso_3166_2", "name_vi", "gso_code", "region_gso", "year", "status"]
    assert joined[key_cols].notna().all().all(), "no NaN after the join"
    assert sorted(joined["name_vi"]) == sorted({p for p, _ in raw_rates})
    for row in joined.itertuples():
        expected = raw_rates.get((row.name_vi, year))
        if expected is None:
            assert row.value != row.value  # NaN: ".." in the source
        else:
            assert row.value == expected
    missing = joined.loc[joined["value"].isna(), "name_vi"].tolist()
    assert missing == ([] if year != 2016 else ["TP Hồ Chí Minh"])


def test_join_defaults_to_the_latest_year(data, shapes, ranks):
    joined = maps.join_rates(shapes, data.codes, data.gso, ranks)
    assert joined["year"].unique().tolist() == [2016]
    assert set(joined["status"]) == {"preliminary"}
    py = joined[joined["iso_3166_2"] == "VN-32"].iloc[0]
    assert (py["name_vi"], py["value"]) == ("Phú Yên", 6.4)


def test_unknown_year(data, shapes, ranks):
    with pytest.raises(UserError, match="no GSO rates for 2011"):
        maps.join_rates(shapes, data.codes, data.gso, ranks, 2011)


def test_join_counts_and_sources(data, shapes, ranks):
    joined = maps.join_rates(shapes, data.codes, data.gso, ranks)
    assert maps.join_counts(joined, shapes) == {"n_shapes": 63, "n_joined": 63,
                                                "n_values": 62, "year": 2016}
    assert maps.source_ids(joined) == ["gso_pov_prov", "geoboundaries_vnm_adm1"]
