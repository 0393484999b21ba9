"""Derived data (data/processed/province_shapes.geojson, gso_ranks.csv): committed, equal to a
fresh derivation, recorded with the SHA-256 of their inputs and their parameters; an edited
input makes the loaders refuse the file and `derive` make exactly that file again, and nothing
when nothing changed; the build derives before it plans the reports."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest

from analysis import cli
from analysis.build import derive, engine
from analysis.compute import context, maps
from analysis.data import derived, external, paths
from analysis.data.processed import load_ranks
from analysis.errors import UserError

SHAPES, RANKS = "processed/province_shapes.geojson", "processed/gso_ranks.csv"
GEOJSON = paths.BOUNDARIES.relative_to(paths.DATA).as_posix()
GSO = paths.GSO_PROVINCES.relative_to(paths.DATA).as_posix()


def _sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def data(tmp_path) -> Path:
    """A copy of data/ (other tests, and xdist workers, read the real one)."""
    shutil.copytree(paths.DATA, tmp_path / "data", ignore=shutil.ignore_patterns("corpus"))
    return tmp_path / "data"


def _state(folder: Path) -> dict[str, tuple[int, bytes]]:
    """(mtime in ns, bytes) of every file under `folder`."""
    return {p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _set_phu_yen_2016(data: Path, value: str) -> None:
    """Phú Yên's 2016 GSO rate (6.4 in the file) set to `value`."""
    gso = data / GSO
    old = "Phú Yên,Phu Yen,54,Northern Central area and Central coastal area,2016,poverty_rate,6.4,"
    text = gso.read_text(encoding="utf-8")
    assert text.count(old) == 1
    gso.write_text(text.replace(old, old.replace(",6.4,", f",{value},")), encoding="utf-8")


def _load(data: Path, rel: str):
    return (external.load_province_shapes if rel == SHAPES else load_ranks)(data / rel)


def test_committed_derived_files_equal_a_fresh_derivation(data):
    for rel in (SHAPES, RANKS):
        (data / rel).unlink()
        derived.meta_path(data / rel).unlink()
    written = derive.refresh(data)
    assert [p.relative_to(data).as_posix() for p in written] == [SHAPES, RANKS]
    for rel in (SHAPES, RANKS):
        for path in (Path(rel), derived.meta_path(Path(rel))):
            assert (data / path).read_bytes() == (paths.DATA / path).read_bytes(), (
                f"data/{path} is stale: run `make extract` and commit it")


def test_the_shapes_record_says_what_the_code_used():
    meta = json.loads(derived.meta_path(paths.PROVINCE_SHAPES).read_text(encoding="utf-8"))
    assert meta["parameters"] == {"method": "shapely.coverage_simplify",
                                  "tolerance_deg": derive.SIMPLIFY_TOLERANCE_DEG,
                                  "coordinate_decimals": derive.COORDINATE_DECIMALS}
    assert meta["inputs"] == {GEOJSON: _sha(paths.BOUNDARIES)}
    assert meta["sha256"] == _sha(paths.PROVINCE_SHAPES)
    shapes = external.load_province_shapes()
    boundaries = external.load_boundaries()
    assert meta["counts"] == {"features_in": 64, "shapes": 63,
                              "vertices_in": maps.vertex_count(boundaries),
                              "vertices_out": maps.vertex_count(shapes)}
    assert meta["counts"]["vertices_in"] == 15_830
    assert meta["counts"]["vertices_out"] < 0.4 * 15_830  # measured 5,826 at 0.01°
    assert derive.SIMPLIFY_TOLERANCE_DEG == 0.01


def test_the_shapes_are_the_63_provinces():
    shapes = external.load_province_shapes()
    codes = external.load_province_codes()
    assert len(shapes) == 63 and shapes.crs == "EPSG:4326"
    assert sorted(shapes["iso_3166_2"]) == sorted(codes["iso_3166_2"])


def test_the_ranks_file_is_rank_provinces_of_the_gso_file():
    meta = json.loads(derived.meta_path(paths.GSO_RANKS).read_text(encoding="utf-8"))
    assert meta["inputs"] == {GSO: _sha(paths.GSO_PROVINCES)}
    assert meta["sha256"] == _sha(paths.GSO_RANKS)
    expected = context.rank_provinces(external.load_gso_provinces())
    pdt.assert_frame_equal(load_ranks(), expected, check_exact=True)
    assert meta["counts"] == {"rows": 503, "provinces": 63, "years": 8}


@pytest.mark.parametrize(("edited", "other", "edit"), [
    (SHAPES, RANKS, lambda d: (d / GEOJSON).write_bytes((d / GEOJSON).read_bytes() + b" ")),
    (RANKS, SHAPES, lambda d: _set_phu_yen_2016(d, "64.0")),
], ids=["boundary file + space", "GSO value"])
def test_an_edited_input_is_refused_then_only_its_file_is_derived_again(data, edited, other,
                                                                        edit):
    before = _state(data / "processed")
    edit(data)
    source = GEOJSON if edited == SHAPES else GSO
    with pytest.raises(UserError) as e:
        _load(data, edited)
    assert str(e.value) == (f"{data / edited}: derived file out of date: its input {source} "
                            "changed since it was derived — fix: run `python -m analysis "
                            "extract`")
    _load(data, other)  # the other one is still good
    assert [(d.output, why) for d, why in derive.stale(data)] == [
        (edited, f"its input {source} changed since it was derived")]
    assert derive.refresh(data) == [data / edited]
    after = _state(data / "processed")
    changed = sorted(k for k in before if before[k] != after[k])
    assert changed == sorted([edited.split("/")[1],
                              derived.meta_path(Path(edited)).name])  # the other: same mtime
    meta = json.loads(derived.meta_path(data / edited).read_text(encoding="utf-8"))
    assert meta["inputs"] == {source: _sha(data / source)}
    loaded = _load(data, edited)
    if edited == SHAPES:  # a space changes the bytes, not the shapes
        assert (data / edited).read_bytes() == before[edited.split("/")[1]][1]
    else:  # Phú Yên 2016 at 64.0% ranks first
        py = loaded[(loaded["province"] == "Phú Yên") & (loaded["year"] == 2016)].iloc[0]
        assert (py["value"], py["rank"]) == (64.0, 1)
    assert derive.refresh(data) == []


def test_nothing_stale_nothing_written(data):
    before = _state(data)
    assert derive.stale(data) == [] and derive.refresh(data) == []
    assert _state(data) == before


@pytest.mark.parametrize(("break_it", "why"), [
    (lambda d: (d / RANKS).write_text((d / RANKS).read_text(encoding="utf-8")  # Hà Nội 2006
                                      .replace(",61,63", ",1,63", 1), encoding="utf-8"),
     "the file was edited since it was derived"),
    (lambda d: derived.meta_path(d / RANKS).unlink(),
     "its record gso_ranks.meta.json is missing or unreadable"),
    (lambda d: derived.meta_path(d / RANKS).write_text("{", encoding="utf-8"),
     "its record gso_ranks.meta.json is missing or unreadable"),
    (lambda d: (d / RANKS).unlink(), "the file is missing"),
], ids=["edited", "no record", "bad record", "missing"])
def test_a_broken_derived_file_is_refused_and_made_again(data, break_it, why):
    break_it(data)
    with pytest.raises(UserError, match=f"derived file out of date: {why}"):
        load_ranks(data / RANKS)
    assert derive.refresh(data) == [data / RANKS]
    pdt.assert_frame_equal(load_ranks(data / RANKS), load_ranks())


def test_new_parameters_make_the_file_again(data, monkeypatch):
    shapes, ranks = derive.DERIVED
    coarse = dataclasses.replace(shapes, parameters={**shapes.parameters, "tolerance_deg": 0.05})
    monkeypatch.setattr(derive, "DERIVED", (coarse, ranks))
    assert [why for _, why in derive.stale(data)] == ["its parameters changed"]
    derive.refresh(data)
    meta = json.loads(derived.meta_path(data / SHAPES).read_text(encoding="utf-8"))
    assert meta["parameters"]["tolerance_deg"] == 0.05
    assert meta["counts"]["vertices_out"] < maps.vertex_count(external.load_province_shapes())
    assert len(external.load_province_shapes(data / SHAPES)) == 63


def test_the_build_derives_before_it_plans(data, tmp_path, monkeypatch):
    """A dry run names the stale file and writes nothing; a build makes it again first, so the
    report's cache key is the one of the new file."""
    _set_phu_yen_2016(data, "6.5")
    layout = engine.Layout(data=data, reports=tmp_path / "reports", work=tmp_path / "work")
    only = ["05_national_context_phu-yen_vi"]
    before, logged = _state(data), []
    engine.build(layout=layout, only=only, dry_run=True, log=logged.append)
    assert logged == [f"would derive data/{RANKS} (its input {GSO} changed since it was derived)"]
    assert _state(data) == before
    planned = []

    def execute(plans, *args, **kw):  # record what was planned, run nothing
        planned.extend(plans)
        return engine.BuildSummary()

    monkeypatch.setattr(engine, "_execute", execute)
    engine.build(layout=layout, only=only, log=logged.append)
    assert derive.stale(data) == []
    (plan,) = planned
    fp = engine.cache.Fingerprint.of(layout.data, layout.src)
    assert plan.key == engine._plan(plan.job, fp, layout, None, False).key
    inputs = engine.job_inputs(plan.job, layout)
    assert {data / RANKS, derived.meta_path(data / RANKS)} <= set(inputs)


def test_extract_brings_the_derived_files_up_to_date(data, monkeypatch, capsys):
    (data / GEOJSON).write_bytes((data / GEOJSON).read_bytes() + b"\n")
    monkeypatch.setattr(paths, "DATA", data)
    monkeypatch.setattr(paths, "PROCESSED", data / "processed")
    assert cli.main(["extract"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert str(data / SHAPES) in out and str(data / RANKS) not in out
    assert out[-1] == f"derived files up to date: {SHAPES}, {RANKS}"
    assert derive.stale(data) == []
    assert pd.read_csv(data / "processed" / "claims.csv").shape[0] == 12
