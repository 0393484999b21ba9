"""A province in national context: values and ranks checked against the raw CSV rows, read
here with the csv module independently of the package."""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest

from analysis.compute import context
from analysis.data import external, paths
from analysis.data.processed import load_claims
from analysis.data.provinces import article_provinces
from analysis.errors import UserError

PROVINCES = ["Phú Yên", "Hải Dương", "An Giang", "Lai Châu", "TP Hồ Chí Minh"]


def _raw(name):
    with open(paths.EXTERNAL / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def raw():
    """(geo_level, province or region, year) → (value, status), straight from the file."""
    out = {}
    for r in _raw(external.GSO_PROVINCE):
        key = r["province"] if r["geo_level"] in ("province", "country") else r["region"]
        out[(r["geo_level"], key, int(r["year"]))] = (float(r["value"]), r["status"])
    return out


@pytest.fixture(scope="module")
def raw_region():
    return {r["name_vi"]: r["region_gso"] for r in _raw(external.CODES)}


def _expected_rank(raw, province, year):
    """1 + the number of provinces with a strictly higher rate that year (1 = highest)."""
    values = {k[1]: v[0] for k, v in raw.items() if k[0] == "province" and k[2] == year}
    if province not in values:
        return None, len(values)
    return 1 + sum(v > values[province] for v in values.values()), len(values)


@pytest.mark.parametrize("province", PROVINCES)
def test_province_context_matches_raw_rows(data, ranks, raw, raw_region, province):
    ctx = context.province_context(data.gso, data.codes, ranks, province)
    region = raw_region[province]
    assert ctx["region"].eq(region).all()
    assert ctx["year"].tolist() == [2006, 2008, 2010, 2012, 2013, 2014, 2015, 2016]
    for row in ctx.itertuples():
        got = raw.get(("province", province, row.year))
        if got is None:
            assert row.value != row.value  # NaN
            assert row.rank is context.pd.NA
        else:
            assert row.value == got[0]
        assert row.region_value == raw[("region", region, row.year)][0]
        assert row.country_value == raw[("country", "Cả nước", row.year)][0]
        assert row.status == raw[("country", "Cả nước", row.year)][1]
        rank, n = _expected_rank(raw, province, row.year)
        assert row.n_ranked == n
        if rank is not None:
            assert row.rank == rank


def test_known_ranks_and_values():
    """Spot values read off the GSO table by hand (SOURCES.md extract and the CSV rows)."""
    d = external.load_all()
    ranks = context.rank_provinces(d.gso)
    py = context.province_context(d.gso, d.codes, ranks, "Phu Yen").set_index("year")
    assert py.loc[2015, "value"] == 9.3 and py.loc[2016, "value"] == 6.4
    assert py.loc[2016, "n_ranked"] == 62  # Hồ Chí Minh City has ".." in 2016
    hd = context.province_context(d.gso, d.codes, ranks, "Hải Dương").set_index("year")
    assert hd.loc[2006, "value"] == 12.7 and hd.loc[2006, "region_value"] == 10.0
    top = ranks[ranks["rank"] == 1].set_index("year")["province"]
    # the highest rate of each year, found independently
    by_year = defaultdict(list)
    for r in _raw(external.GSO_PROVINCE):
        if r["geo_level"] == "province":
            by_year[int(r["year"])].append((float(r["value"]), r["province"]))
    for year, rows in by_year.items():
        best = max(v for v, _ in rows)
        assert top[year] in {p for v, p in rows if v == best}


def test_ties_share_the_smaller_rank(data):
    ranks = context.rank_provinces(data.gso)
    hcm = ranks[(ranks["province"] == "TP Hồ Chí Minh") & (ranks["year"] == 2015)]
    zero = ranks[(ranks["year"] == 2015) & (ranks["value"] == 0.0)]
    assert len(zero) >= 1 and zero["rank"].nunique() == 1
    assert int(hcm["rank"].iloc[0]) == 63 - len(zero) + 1


def test_unknown_province_names_closest(data, ranks):
    with pytest.raises(UserError, match=r"unknown province 'Phu Yenn'.*Phú Yên"):
        context.province_context(data.gso, data.codes, ranks, "Phu Yenn")
    with pytest.raises(UserError, match=r"Hải Dương"):
        context.province_context(data.gso, data.codes, ranks, "Hai Duongg")


def test_national_molisa_rates_2010_2020_keep_measure_and_standard(data):
    raw = [r for r in _raw(external.NATIONAL)
           if r["indicator"] == "poor_household_rate" and r["measure_type"] == "admin_molisa"
           and r["year"].isdigit() and 2010 <= int(r["year"]) <= 2020]
    got = context.national_rates(data.national)
    assert sorted(got["value"]) == sorted(float(r["value"]) for r in raw)
    assert set(got["measure_type"]) == {"admin_molisa"}
    assert dict(zip(got["year"], got["standard"], strict=False))[2016] == \
        "multidimensional_2016_2020"
    assert 2005 not in set(got["year"]) and 2021 not in set(got["year"])
    # the 2014 range stays two rows; the end-2015 census sits just before 2016's start
    assert got[got["year"] == 2014]["qualifier"].str.startswith("range").all()
    assert context.timeline_x(2015, "end_of_year") < context.timeline_x(2016, "start_of_year")
    vhlss = context.national_rates(data.national, "survey_vhlss",
                                   "multidimensional_poverty_rate_gso_vhlss")
    assert vhlss["value"].tolist() == [9.9, 4.5]


CLAIMS_HEADER = ("claim_id,quote,start,end,value,value_max,unit,indicator,period,timepoint,"
                 "status,place,qualifier,same_as\n")


def test_article_rates_from_claims(tmp_path):
    path = tmp_path / "claims.csv"
    path.write_text(CLAIMS_HEADER
                    + 'c02,"3,93%",1,2,3.93,,percent,poor_household_rate,2019,end_of_year,actual,'
                      "Phú Yên,,\n"
                    + 'c03,"2,54%",3,4,2.54,,percent,poor_household_rate,2020,end_of_year,estimate,'
                      "Phú Yên,,\n"
                    + 'c05,"7,1%",5,6,7.1,,percent,re_poverty_share,2011-2015,period,actual,'
                      "Phú Yên,,\n"
                    + 'c09,"12,62%",7,8,12.62,,percent,poor_household_rate,2016,start_of_year,'
                      "actual,Phú Yên,,\n"
                    + 'c10,"30.803 hộ",9,10,30803,,households,poor_households,2016,start_of_year,'
                      "actual,Phú Yên,,\n"
                    + 'c11,"3,93%",11,12,3.93,,percent,poor_household_rate,2019,end_of_year,actual,'
                      "Phú Yên,,c02\n", encoding="utf-8")
    rates = context.article_rates(load_claims(path))
    assert rates["claim_id"].tolist() == ["c09", "c02", "c03"]
    assert rates["value"].tolist() == [12.62, 3.93, 2.54]
    assert rates["standard"].eq("multidimensional_2016_2020").all()
    assert context.article_rates(None) is None


def test_article_rates_from_the_committed_claims():
    with open(paths.PROCESSED / "claims.csv", encoding="utf-8", newline="") as f:
        raw = [r for r in csv.DictReader(f) if r["unit"] == "percent"
               and r["indicator"] == "poor_household_rate" and not r["same_as"]]
    rates = context.article_rates(load_claims())
    assert sorted(rates["value"]) == sorted(float(r["value"]) for r in raw)
    assert set(rates["place"]) <= set(article_provinces())


def test_bad_claims_file_is_a_user_error(tmp_path):
    path = tmp_path / "claims.csv"
    path.write_text(CLAIMS_HEADER + 'c02,"x",1,2,abc,,percent,poor_household_rate,2019,'
                    "end_of_year,actual,Phú Yên,,\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"claims\.csv:2 \(row 1\), column 'value'"):
        context.article_rates(load_claims(path))


def test_ranking_gap_names_the_province_without_a_value(ranks):
    gap = context.ranking_gap(ranks)
    assert gap == {"year": 2016, "missing": ["TP Hồ Chí Minh"], "n_ranked": 62}


def test_measures_frame_holds_every_point_and_its_source(data):
    article = context.article_rates(load_claims())
    frame = context.measures_frame(data.gso, data.national, article, "Hải Dương")
    assert list(frame.columns) == context.MEASURES_COLUMNS
    assert list(dict.fromkeys(frame["panel"])) == ["gso", "molisa", "vhlss"]
    gso = frame[frame["panel"] == "gso"]
    assert set(gso["place"]) == {"Cả nước", "Hải Dương"} and gso["year"].between(2010, 2020).all()
    molisa = frame[(frame["panel"] == "molisa") & (frame["series"] == "country")]
    assert sorted(molisa["value"]) == sorted(context.national_rates(data.national)["value"])
    drawn = frame[frame["series"] == "article"]
    assert drawn["source_id"].tolist() == article["claim_id"].tolist()
    assert (drawn["panel"] == "molisa").all()
    without = context.measures_frame(data.gso, data.national)
    assert set(without["series"]) == {"country"}
