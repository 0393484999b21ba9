"""A build writes only where it is told: into another reports folder, the repository's
reports/ stays byte for byte as it was; a notebook copied into another folder with its own
reports.yml finds its data through the data layer and builds the same report."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from analysis.data import paths
from analysis.show.record import read_records

pytestmark = pytest.mark.slow
NAME = "01_poverty_trajectory_phu-yen_vi"


def _snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns,
                                               hashlib.sha256(p.read_bytes()).hexdigest())
            for p in folder.rglob("*") if p.is_file()}


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != paths.REPORTS_ENV}  # the build says
    return subprocess.run([sys.executable, "-m", "analysis", "build", *args], cwd=paths.PROJ_ROOT,
                          env=env, capture_output=True, text=True, timeout=600, check=False)


def test_a_build_elsewhere_leaves_the_repository_reports_untouched(tmp_path):
    before = _snapshot(paths.REPORTS)
    run = _cli("--reports-dir", str(tmp_path / "r"), "--only", NAME, "--formats", "html")
    assert run.returncode == 0, run.stdout + run.stderr
    assert _snapshot(paths.REPORTS) == before
    figures = sorted(p.name for p in (tmp_path / "r" / "figures").iterdir())
    assert "01-trajectory_phu-yen_vi.svg" in figures
    modes = {oct(p.stat().st_mode & 0o777) for p in (tmp_path / "r").rglob("*") if p.is_file()
             and p.name != ".build.lock"}
    assert modes == {"0o644"}


def test_a_notebook_copied_elsewhere_builds_the_same_report(tmp_path, executed):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(paths.NOTEBOOKS / "01_poverty_trajectory.ipynb", elsewhere)
    (elsewhere / "reports.yml").write_text(
        "reports:\n  - notebook: 01_poverty_trajectory.ipynb\n"
        "    name: \"{stem}_{province}_{lang}\"\n"
        "    parameters: {lang: vi, province: Phú Yên}\n", encoding="utf-8")
    run = _cli("--config", str(elsewhere / "reports.yml"), "--reports-dir",
               str(tmp_path / "r"), "--formats", "html")
    assert run.returncode == 0, run.stdout + run.stderr
    copied = nbformat.read(tmp_path / "r" / "executed" / f"{NAME}.ipynb", as_version=4)
    facts = {k: r.values for k, r in read_records(copied).items() if r.kind == "facts"}
    same = {k: r.values for k, r in read_records(executed(NAME)).items() if r.kind == "facts"}
    assert facts == same and facts["key-values"]["trajectory"][0]["rate"] == 12.62
