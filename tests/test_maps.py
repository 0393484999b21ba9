"""The map joins all 63 provinces on the ISO code (Côn Đảo merged into Bà Rịa–Vũng Tàu)."""

from __future__ import annotations

import csv

import pytest

from analysis.compute import maps
from analysis.data import external, paths
from analysis.errors import UserError


@pytest.fixture(scope="module")
def data():
    return external.load_all()


@pytest.fixture(scope="module")
def raw_rates():
    with open(paths.EXTERNAL / external.GSO_PROVINCE, encoding="utf-8", newline="") as f:
        return {(r["province"], int(r["year"])): float(r["value"])
                for r in csv.DictReader(f) if r["geo_level"] == "province"}


def test_dissolve_gives_63_shapes_and_keeps_con_dao(data):
    shapes = maps.dissolve_provinces(data.boundaries)
    assert len(shapes) == 63 and shapes["iso_3166_2"].is_unique
    b = data.boundaries
    con_dao = b[b["shapeName"] == "Côn Đảo"]
    assert con_dao["shapeISO"].tolist() == ["VN-43"]
    brvt = shapes[shapes["iso_3166_2"] == "VN-43"].geometry.iloc[0]
    assert brvt.contains(con_dao.geometry.iloc[0].representative_point())
    parts = b[b["shapeISO"] == "VN-43"].geometry
    assert brvt.area == pytest.approx(sum(g.area for g in parts), rel=1e-6)  # shapely, degrees


@pytest.mark.parametrize("year", [2006, 2015, 2016])
def test_join_has_all_63_provinces_and_the_raw_values(data, raw_rates, year):
    joined = maps.join_rates(data.boundaries, data.codes, data.gso, year)
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


def test_join_defaults_to_the_latest_year(data):
    joined = maps.join_rates(data.boundaries, data.codes, data.gso)
    assert joined["year"].unique().tolist() == [2016]
    assert set(joined["status"]) == {"preliminary"}
    py = joined[joined["iso_3166_2"] == "VN-32"].iloc[0]
    assert (py["name_vi"], py["value"]) == ("Phú Yên", 6.4)


def test_unknown_year(data):
    with pytest.raises(UserError, match="no GSO rates for 2011"):
        maps.join_rates(data.boundaries, data.codes, data.gso, 2011)


def test_join_counts_and_sources(data):
    joined = maps.join_rates(data.boundaries, data.codes, data.gso)
    assert maps.join_counts(joined, data.boundaries) == {"n_shapes": 63, "n_joined": 63,
                                                         "n_values": 62, "year": 2016}
    assert maps.source_ids(joined) == ["gso_pov_prov", "geoboundaries_vnm_adm1"]
