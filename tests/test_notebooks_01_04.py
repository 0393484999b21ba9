"""Notebooks 01–04 executed with papermill, checking what they computed (the facts recorded
under the label `key-values`), what they told the reader, and the figures they wrote.

Kernels are kept to the minimum that covers every province and both languages per notebook:
01–03 run once for each of the article's three provinces, the languages alternating so each
notebook also runs in vi and en (Phú Yên, the only province with figures, in both languages
across 01 and 02); 04 takes no province and runs in vi and en. One more kernel checks that a
bad province stops 01 before any work, with the valid values listed.
"""

from __future__ import annotations

import time

import nbformat
import papermill as pm
import pytest

from analysis.data import paths
from analysis.data.files import slugify
from analysis.show.record import read_records
from analysis.show.style import figure_name

pytestmark = pytest.mark.slow

RUNS = {
    ("01_poverty_trajectory", "Phú Yên", "en"),
    ("01_poverty_trajectory", "Hải Dương", "vi"),
    ("01_poverty_trajectory", "An Giang", "en"),
    ("02_repoverty", "Phú Yên", "vi"),
    ("02_repoverty", "Hải Dương", "en"),
    ("02_repoverty", "An Giang", "vi"),
    ("03_lessons", "Phú Yên", "vi"),
    ("03_lessons", "Hải Dương", "en"),
    ("03_lessons", "An Giang", "en"),
    ("04_claims_audit", None, "vi"),
    ("04_claims_audit", None, "en"),
}
STARTED = time.time()


@pytest.fixture(scope="module")
def run(executed, grid):
    """A notebook run of the suite's shared build (conftest `GRID`), by its parameters."""

    def execute(name: str, province: str | None, lang: str) -> nbformat.NotebookNode:
        assert (name, province, lang) in RUNS, "add the run to RUNS and to conftest's GRID"
        return executed(f"{name}_{slugify(province)}_{lang}" if province else f"{name}_{lang}")

    return execute


def values(nb: nbformat.NotebookNode) -> dict:
    cells = [c for c in nb.cells if "key-values" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    return read_records(nb)["key-values"].values


def markdown(nb: nbformat.NotebookNode) -> str:
    return "\n".join(o["data"]["text/markdown"] for c in nb.cells if c.cell_type == "code"
                     for o in c.outputs if "text/markdown" in o.get("data", {}))


def html(nb: nbformat.NotebookNode) -> str:
    return "\n".join(o["data"]["text/html"] for c in nb.cells if c.cell_type == "code"
                     for o in c.outputs if "text/html" in o.get("data", {}))


def images(nb: nbformat.NotebookNode) -> int:
    return sum("image/svg+xml" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
               for o in c.outputs)


@pytest.fixture(scope="module")
def written(grid):
    """Whether a figure's SVG exists under its stable name in the shared build's
    figures folder, written by this test run."""
    def check(stem: str, **params: str) -> bool:
        name = figure_name(stem, params)
        files = [grid / "figures" / f"{name}.{ext}" for ext in ("svg",)]
        return all(f.exists() and f.stat().st_mtime >= STARTED - 1 for f in files)

    return check


def test_01_phu_yen_trajectory(run, written):
    nb = run("01_poverty_trajectory", "Phú Yên", "en")
    v = values(nb)
    assert (v["province"], v["lang"]) == ("Phú Yên", "en")
    traj = v["trajectory"]
    assert [p["rate"] for p in traj] == [12.62, 3.93, 2.54]
    assert [p["households"] for p in traj] == [30803, 10271, None]
    assert [p["status"] for p in traj] == ["actual", "actual", "estimate"]
    assert all(p["claim_ids"] for p in traj)
    first = {f["to_period"]: f["pp_per_year"] for f in v["falls"] if f["from_first"]}
    assert first["2019"] == pytest.approx((12.62 - 3.93) / 4)
    assert first["2020"] == pytest.approx((12.62 - 2.54) / 5)
    relations = {(c["instrument"][:22], c["scope"]): c["relation"] for c in v["comparison"]
                 if c["to_period"] == "2019"}
    assert relations[("Nghị quyết 80/NQ-CP", "national")] == "meets"
    assert relations[("Nghị quyết 80/NQ-CP", "poor districts and poor communes")] == "below"
    assert [t["total"] for t in v["totals"]] == pytest.approx([30803 / 0.1262, 10271 / 0.0393])
    text = markdown(nb)
    assert "**2.17 pp a year**" in text and "≈ 244,081" in text
    assert images(nb) == 2
    assert written("01_trajectory", province="phu-yen", lang="en")
    assert written("01_implied_totals", province="phu-yen", lang="en")


@pytest.mark.parametrize("province, lang, statement", [
    ("Hải Dương", "vi", "Bài báo không đưa ra số liệu nào cho Hải Dương."),
    ("An Giang", "en", "The article gives no figures for An Giang."),
])
def test_01_province_without_figures_says_so(run, province, lang, statement):
    nb = run("01_poverty_trajectory", province, lang)
    assert statement in markdown(nb)
    assert values(nb)["trajectory"] == [] and images(nb) == 0


def test_02_phu_yen_repoverty(run, written):
    nb = run("02_repoverty", "Phú Yên", "vi")
    v = values(nb)
    assert [(s["period"], s["value"]) for s in v["shares"]] == [("2006-2010", 12.97),
                                                               ("2011-2015", 7.1)]
    d = v["difference"][0]
    assert d["computed"] == pytest.approx(12.97 - 7.1) and d["stated"] == 5.87
    assert d["written_percent"] is True and d["agrees"] is True
    e = v["escaped"][0]
    assert (e["households"], e["years"], e["per_year"]) == (37600, 5, 7520)
    text = markdown(nb)
    assert "giảm **5,87 điểm phần trăm**" in text and "hơn 7.520 hộ mỗi năm" in text
    assert "Tỷ lệ tái nghèo" in text or "tỷ lệ tái nghèo" in text
    assert written("02_repoverty", province="phu-yen", lang="vi")


@pytest.mark.parametrize("province, lang, statement", [
    ("Hải Dương", "en", "The article gives no figures for Hải Dương."),
    ("An Giang", "vi", "Bài báo không đưa ra số liệu nào cho An Giang."),
])
def test_02_province_without_figures_says_so(run, province, lang, statement):
    nb = run("02_repoverty", province, lang)
    assert statement in markdown(nb)
    assert values(nb)["difference"] == [] and images(nb) == 0


@pytest.mark.parametrize("province, lang, own, header", [
    ("Phú Yên", "vi", "Sự lãnh đạo của Đảng", "Những chữ đầu"),
    ("Hải Dương", "en", "Growth together with social security", "Opening words"),
    ("An Giang", "en", "Housing", "Opening words"),
])
def test_03_lessons(run, written, province, lang, own, header):
    nb = run("03_lessons", province, lang)
    v = values(nb)
    assert v["province"] == province
    assert [row["place"] for row in v["themes"]] == ["Phú Yên", "Hải Dương", "An Giang"]
    assert [(r["lesson_a"], r["lesson_b"]) for r in v["reused"]] == [("phu-yen-2",
                                                                      "hai-duong-1")]
    assert own in v["facts"]["own"]
    assert header in html(nb)
    assert images(nb) == 2
    slug = {"Phú Yên": "phu-yen", "Hải Dương": "hai-duong", "An Giang": "an-giang"}[province]
    assert written("03_theme_heatmap", province=slug, lang=lang)
    assert written("03_lesson_overlap", province=slug, lang=lang)


@pytest.mark.parametrize("lang, header, status", [("vi", "Bằng chứng", "cần lưu ý"),
                                                  ("en", "Evidence", "flag")])
def test_04_audit(run, written, lang, header, status):
    nb = run("04_claims_audit", None, lang)
    v = values(nb)
    assert v["n_claims"] == 12
    assert v["counts"] == {"n_pass": 11, "n_fail": 0, "n_flag": 4}
    flagged = {(r["check_id"], r["start"]) for r in v["audit"] if r["status"] == "flag"}
    raw = paths.ARTICLE.read_text(encoding="utf-8")
    assert ("typo_so_so", raw.index("sơ sở")) in flagged
    assert ("percentage_points_written_as_percent", raw.index("5,87%")) in flagged
    assert ("lesson_names_other_province", raw.index("Thừa Thiên - Huế")) in flagged
    reuse = [r for r in v["audit"] if r["check_id"] == "lessons_reused_across_provinces"]
    assert [r["lesson_ids"] for r in reuse] == ["phu-yen-2;hai-duong-1"]
    page = html(nb)
    assert header in page and status in page
    assert written("04_audit", lang=lang)


def test_01_rejects_an_unknown_province_before_any_work(tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as e:
        pm.execute_notebook(paths.NOTEBOOKS / "01_poverty_trajectory.ipynb",
                            tmp_path / "bad.ipynb", parameters={"province": "Hà Nội"},
                            kernel_name="python3", cwd=str(paths.NOTEBOOKS), progress_bar=False)
    assert "UserError" in e.value.ename
    assert "use one of: Phú Yên, Hải Dương, An Giang" in e.value.evalue
