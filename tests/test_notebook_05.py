"""Notebook 05 runs under papermill for any province and records what it computed; the recorded
values match the GSO rows read here independently."""

from __future__ import annotations

import csv
import json
import shutil

import nbformat
import papermill as pm
import pytest

from analysis.data import paths
from analysis.data.external import GSO_PROVINCE
from analysis.show.record import read_records
from analysis.show.style import figure_name

NOTEBOOK = paths.NOTEBOOKS / "05_national_context.ipynb"
pytestmark = pytest.mark.slow


def _run(tmp_path, monkeypatch, **params):
    out = tmp_path / "out.ipynb"
    monkeypatch.setenv(paths.REPORTS_ENV, str(tmp_path))  # figures under tmp_path/figures
    pm.execute_notebook(str(NOTEBOOK), str(out), parameters=params, cwd=str(paths.NOTEBOOKS),
                        kernel_name="python3", progress_bar=False)
    return nbformat.read(out, as_version=4)


def _values(nb):
    return read_records(nb)["key-values"].values


def _raw(province):
    with open(paths.EXTERNAL / GSO_PROVINCE, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["geo_level"] == "province"]
    mine = {r["year"]: float(r["value"]) for r in rows if r["province"] == province}
    ranks = {}
    for year, value in mine.items():
        same_year = [float(r["value"]) for r in rows if r["year"] == year]
        ranks[year] = 1 + sum(v > value for v in same_year)
    return mine, ranks


def _text(nb):
    return "\n".join(str(o.get("data", {}).get("text/markdown", "")) for c in nb.cells
                     if c.cell_type == "code" for o in c.outputs)


def _article_rates():
    with open(paths.PROCESSED / "claims.csv", encoding="utf-8", newline="") as f:
        return sorted(float(r["value"]) for r in csv.DictReader(f)
                      if r["unit"] == "percent" and r["indicator"] == "poor_household_rate"
                      and r["place"] == "Phú Yên" and not r["same_as"])


def test_phu_yen_vi_with_the_article_figures(tmp_path, monkeypatch):
    # the committed data/processed/claims.csv
    nb = _run(tmp_path, monkeypatch, province="Phú Yên", lang="vi")
    values = _values(nb)
    rates, ranks = _raw("Phú Yên")
    assert values["province"] == "Phú Yên"
    assert values["rate"] == {y: rates[y] for y in values["rate"]}
    assert values["rank"] == ranks
    assert values["n_ranked"]["2016"] == 62 and values["n_ranked"]["2006"] == 63
    assert values["map"] == {"year": 2016, "n_geometries": 63, "n_provinces_joined": 63,
                             "n_values": 62, "no_value": ["TP Hồ Chí Minh"]}
    assert sorted(a["value"] for a in values["article_figures"]) == _article_rates()
    assert 12.62 in _article_rates()  # the article's start-2016 Phú Yên rate
    assert 9.88 in [m["value"] for m in values["molisa"]]
    text = _text(nb)
    assert "thứ 1 = tỷ lệ nghèo cao nhất" in text and "claims.csv" not in text
    for stem in ("05_gso_context", "05_map", "05_measures"):
        name = figure_name(stem, {"province": "phu-yen", "lang": "vi"})
        assert (tmp_path / "figures" / f"{name}.svg").stat().st_size > 10_000


def test_other_province_en_without_claims(tmp_path, monkeypatch):
    nb = _run(tmp_path, monkeypatch, province="lai chau", lang="en",
              claims_csv=str(tmp_path / "no-claims.csv"))
    values = _values(nb)
    rates, ranks = _raw("Lai Châu")
    assert values["province"] == "Lai Châu"
    assert values["region"] == "Northern midlands and mountain areas"
    assert values["rate"] == rates and values["rank"] == ranks
    assert values["article_figures"] is None
    text = _text(nb)
    assert "The article's figures are missing" in text and "has not been made yet" in text
    assert "rank 1 = highest poverty rate" in text


def test_unknown_province_fails_with_closest_names(tmp_path, monkeypatch):
    with pytest.raises(pm.PapermillExecutionError) as e:
        _run(tmp_path, monkeypatch, province="Phu Yenn", lang="en")
    assert "UserError" in e.value.ename
    assert "unknown province 'Phu Yenn'" in e.value.evalue and "Phú Yên" in e.value.evalue


def test_input_folder_is_a_parameter(tmp_path, monkeypatch):
    folder = tmp_path / "external"
    shutil.copytree(paths.EXTERNAL, folder)
    gso = folder / GSO_PROVINCE
    gso.write_text(gso.read_text(encoding="utf-8").replace("poverty_rate,6.4,",
                                                           "poverty_rate,106.4,"),
                   encoding="utf-8")
    with pytest.raises(pm.PapermillExecutionError) as e:
        _run(tmp_path, monkeypatch, province="Phú Yên", lang="en", external_dir=str(folder))
    assert "rate outside 0–100" in e.value.evalue and str(gso) in e.value.evalue
    assert json.dumps("value") in e.value.evalue.replace("'", '"')
