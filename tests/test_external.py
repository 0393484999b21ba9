"""data/external loaders: the committed files load with the right types and sizes, and every
kind of broken copy fails with a UserError naming the file, the column and the row."""

from __future__ import annotations

import csv
import json
import re
import shutil

import pytest

from analysis.data import external, paths
from analysis.errors import UserError

GSO = paths.EXTERNAL / external.GSO_PROVINCE


def _rows(name):
    with open(paths.EXTERNAL / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def data():
    return external.load_all()


def test_all_files_load_with_their_row_counts(data):
    for attr, name in [("gso", external.GSO_PROVINCE), ("gso_regions", external.GSO_REGION),
                       ("national", external.NATIONAL), ("targets", external.TARGETS),
                       ("standards", external.STANDARDS), ("provincial", external.PROVINCIAL),
                       ("codes", external.CODES)]:
        assert len(getattr(data, attr)) == len(_rows(name)), name
    assert len(data.gso) == 560  # SOURCES.md file table
    assert len(data.codes) == 63
    assert len(data.boundaries) == 64  # Côn Đảo is its own feature
    assert data.boundaries["shapeISO"].nunique() == 63


def test_types_and_values_match_the_raw_rows(data):
    raw = {(r["province_name_in_source"], r["year"]): r for r in _rows(external.GSO_PROVINCE)}
    assert data.gso["year"].dtype == "int64" and data.gso["value"].dtype == "float64"
    for row in data.gso.itertuples():
        assert row.value == float(raw[(row.province_name_in_source, str(row.year))]["value"])
    pys = data.gso[(data.gso["province"] == "Phú Yên") & (data.gso["year"] == 2016)].iloc[0]
    assert (pys["value"], pys["status"]) == (6.4, "preliminary")
    nat = data.national
    assert nat.loc[(nat["year"] == "2015") & (nat["indicator"] == "poor_household_rate"),
                   "value"].tolist() == [9.88]
    assert data.targets["value_low"].isna().sum() == sum(r["value_low"] == ""
                                                         for r in _rows(external.TARGETS))


# ---------------------------------------------------------------- broken copies

def _broken(tmp_path, name, edit):
    text = (paths.EXTERNAL / name).read_text(encoding="utf-8")
    new = edit(text)
    assert new != text, "the edit must change the file"
    path = tmp_path / name
    path.write_text(new, encoding="utf-8")
    return path


def _line_of(name, needle):
    for i, line in enumerate((paths.EXTERNAL / name).read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(UserError, match=r"nope\.csv: file not found"):
        external.load_national(tmp_path / "nope.csv")


def test_missing_column_names_file_and_column(tmp_path):
    path = _broken(tmp_path, external.GSO_PROVINCE,
                   lambda s: s.replace(",status,", ",state,", 1))
    with pytest.raises(UserError) as e:
        external.load_gso_provinces(path)
    assert str(path) in str(e.value) and "missing column 'status'" in str(e.value)


def test_wrong_type_names_file_line_row_and_column(tmp_path):
    needle = "Phú Yên,Phu Yen,54,Northern Central area and Central coastal area,2013"
    line = _line_of(external.GSO_PROVINCE, needle)
    path = _broken(tmp_path, external.GSO_PROVINCE,
                   lambda s: s.replace(needle + ",poverty_rate,15.3",
                                       needle + ",poverty_rate,15.3x", 1))
    with pytest.raises(UserError) as e:
        external.load_gso_provinces(path)
    msg = str(e.value)
    assert f"{path}:{line} (row {line - 1}), column 'value'" in msg
    assert "'15.3x'" in msg and "wrong type" in msg


def test_duplicated_key_names_both_rows(tmp_path):
    lines = (paths.EXTERNAL / external.NATIONAL).read_text(encoding="utf-8").splitlines(True)
    copy = next(i for i, ln in enumerate(lines) if ",9.88," in ln)
    path = tmp_path / external.NATIONAL
    path.write_text("".join(lines + [lines[copy]]), encoding="utf-8")
    with pytest.raises(UserError) as e:
        external.load_national(path)
    msg = str(e.value)
    assert f"{path}:{len(lines) + 1} (row {len(lines)})" in msg
    assert "duplicated key" in msg and f"already in row {copy}" in msg
    assert "year='2015'" in msg and "indicator='poor_household_rate'" in msg


def test_rate_outside_0_100(tmp_path):
    needle = "Hải Dương,Hai Duong,30,Red River Delta,2015,poverty_rate,3.5"
    line = _line_of(external.GSO_PROVINCE, needle)
    path = _broken(tmp_path, external.GSO_PROVINCE,
                   lambda s: s.replace(needle, needle.replace(",3.5", ",103.5"), 1))
    with pytest.raises(UserError, match=re.escape(f"{path}:{line} (row {line - 1}), column "
                                                  "'value': rate outside 0–100 (got '103.5')")):
        external.load_gso_provinces(path)


def test_negative_percentage_is_outside_0_100_too(tmp_path):
    line = _line_of(external.PROVINCIAL, ",poor_household_rate,6.75,")
    path = _broken(tmp_path, external.PROVINCIAL,
                   lambda s: s.replace(",poor_household_rate,6.75,", ",poor_household_rate,-6.75,"))
    with pytest.raises(UserError, match=re.escape(f":{line} (row {line - 1}), column 'value': "
                                                  "rate outside 0–100")):
        external.load_provincial(path)


def test_negative_count(tmp_path):
    line = _line_of(external.PROVINCIAL, ",poor_households_count,36726,")
    path = _broken(tmp_path, external.PROVINCIAL,
                   lambda s: s.replace(",36726,", ",-36726,"))
    with pytest.raises(UserError, match=re.escape(f"{path}:{line} (row {line - 1}), column "
                                                  "'value': negative count (got '-36726')")):
        external.load_provincial(path)


def test_unknown_province_in_gso_table(tmp_path):
    line = _line_of(external.GSO_PROVINCE, "An Giang,An Giang,89,Mekong River Delta,2006")
    path = _broken(tmp_path, external.GSO_PROVINCE,
                   lambda s: s.replace("An Giang,An Giang,89", "An Giangg,An Giang,89", 1))
    with pytest.raises(UserError, match=re.escape(f":{line} (row {line - 1}), column "
                                                  "'province': unknown province 'An Giangg'")):
        external.load_gso_provinces(path)


def test_province_table_duplicate_iso_code(tmp_path):
    line = _line_of(external.CODES, "Phú Yên")
    path = _broken(tmp_path, external.CODES, lambda s: s.replace(",VN-32,", ",VN-31,"))
    with pytest.raises(UserError) as e:
        external.load_province_codes(path)
    assert f"{path}:{line} (row {line - 1}), column 'iso_3166_2'" in str(e.value)
    first = _line_of(external.CODES, "Bình Định") - 1
    assert f"duplicated key (iso_3166_2='VN-31'), already in row {first}" in str(e.value)


# ---------------------------------------------------------------- GeoJSON

def _geo(tmp_path, text):
    path = tmp_path / "b.geojson"
    path.write_text(text, encoding="utf-8")
    return path


def _doc():
    return json.loads((paths.EXTERNAL / external.BOUNDARIES).read_text(encoding="utf-8"))


def test_truncated_geojson_is_malformed(tmp_path):
    raw = (paths.EXTERNAL / external.BOUNDARIES).read_text(encoding="utf-8")
    path = _geo(tmp_path, raw[: len(raw) // 3])
    with pytest.raises(UserError, match=re.escape(str(path)) + r": malformed GeoJSON: .* line"):
        external.load_boundaries(path)


def test_partial_geojson_names_the_missing_provinces(tmp_path):
    doc = _doc()
    doc["features"] = [f for f in doc["features"]
                       if f["properties"]["shapeISO"] not in ("VN-32", "VN-61")]
    path = _geo(tmp_path, json.dumps(doc))
    with pytest.raises(UserError) as e:
        external.load_boundaries(path)
    msg = str(e.value)
    assert "partial boundary file" in msg and "column 'shapeISO'" in msg
    assert "Phú Yên (VN-32)" in msg and "Hải Dương (VN-61)" in msg


def test_feature_without_geometry_names_the_feature(tmp_path):
    doc = _doc()
    doc["features"][3]["geometry"] = None
    name = doc["features"][3]["properties"]["shapeName"]
    path = _geo(tmp_path, json.dumps(doc))
    with pytest.raises(UserError, match=re.escape(f"{path}, feature 4, column 'geometry'")
                       + f".*{name}"):
        external.load_boundaries(path)


def test_feature_with_bad_iso_code_names_feature_and_column(tmp_path):
    doc = _doc()
    doc["features"][9]["properties"]["shapeISO"] = "VN32"
    path = _geo(tmp_path, json.dumps(doc))
    with pytest.raises(UserError, match=re.escape(f"{path}, feature 10, column 'shapeISO'")):
        external.load_boundaries(path)


def test_not_a_feature_collection(tmp_path):
    path = _geo(tmp_path, '{"type": "Feature", "geometry": null}')
    with pytest.raises(UserError, match="not a GeoJSON FeatureCollection"):
        external.load_boundaries(path)


def test_load_all_reads_a_copied_folder(tmp_path):
    folder = tmp_path / "external"
    shutil.copytree(paths.EXTERNAL, folder)
    (folder / external.STANDARDS).write_text(
        (folder / external.STANDARDS).read_text(encoding="utf-8").replace(",700000,", ",x,", 1),
        encoding="utf-8")
    with pytest.raises(UserError, match=re.escape(str(folder / external.STANDARDS))
                       + r":2 \(row 1\), column 'value': wrong type"):
        external.load_all(folder)
