"""A report's cache key covers only the data it reads (the build benchmark's scenario (e)); this
proves the declared inputs are complete: each notebook runs with a Python audit hook recording
every file it opens, and every data file opened must be among `engine.job_inputs` for that job.

(Reads made by C libraries without Python's `open` — GDAL reading the boundary file — are not
seen by the hook; notebook 05 names the whole data/external folder, which contains that file.)
"""

from __future__ import annotations

import shutil
from pathlib import Path

import papermill as pm
import pytest

from analysis.build import cache, engine
from analysis.data import derived, paths
from analysis.data.config import load_config

pytestmark = pytest.mark.slow

HOOK = '''
import os, sys
_fd = os.open(os.environ["ANALYSIS_READS_LOG"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
def _record(event, args, _fd=_fd):
    if event == "open" and args and isinstance(args[0], (str, os.PathLike)):
        mode = args[1] if len(args) > 1 and isinstance(args[1], str) else "r"
        if not any(c in mode for c in "wax+"):
            os.write(_fd, (os.path.abspath(os.fspath(args[0])) + "\\n").encode())
sys.addaudithook(_record)
'''


def _one_job_per_notebook():
    seen, jobs = set(), []
    for job in load_config(paths.NOTEBOOKS / "reports.yml"):
        if job.notebook.name not in seen:
            seen.add(job.notebook.name)
            jobs.append(job)
    return jobs


JOBS = _one_job_per_notebook()


def test_every_notebook_names_its_data():
    layout = engine.Layout()
    for job in JOBS:
        inputs = engine.job_inputs(job, layout)
        assert inputs, f"{job.notebook.name} names no data path: it would key on all of data/"
        assert paths.PROVINCES in inputs
        assert paths.LESSONS in inputs  # they name the article's provinces


def test_notebook_05_keys_on_the_derived_files_and_their_records():
    (job,) = [j for j in JOBS if j.notebook.name.startswith("05_")]
    inputs = engine.job_inputs(job, engine.Layout())
    for path in (paths.PROVINCE_SHAPES, paths.GSO_RANKS):
        assert path in inputs and derived.meta_path(path) in inputs
    assert paths.EXTERNAL in inputs  # the inputs the loaders check the records against


def test_editing_the_boundary_file_changes_only_notebook_05s_keys(tmp_path):
    data = tmp_path / "data"  # a copy: other tests (and xdist workers) read the real one
    shutil.copytree(paths.DATA, data, ignore=shutil.ignore_patterns("corpus"))
    layout = engine.Layout(data=data)
    fp = cache.Fingerprint.of(layout.data, layout.src)
    geo = next((data / "external").glob("boundaries/*/*.geojson"))
    before = {j.name: engine._plan(j, fp, layout, None, True).key for j in JOBS}
    geo.write_bytes(geo.read_bytes() + b"\n")
    fp = cache.Fingerprint.of(layout.data, layout.src)  # the next build's (one per build)
    after = {j.name: engine._plan(j, fp, layout, None, True).key for j in JOBS}
    changed = sorted(n for n in before if before[n] != after[n])
    assert changed == [j.name for j in JOBS if j.notebook.name.startswith("05_")]


@pytest.mark.parametrize("job", JOBS, ids=[j.notebook.stem for j in JOBS])
def test_a_notebook_reads_no_data_outside_its_inputs(job, tmp_path, monkeypatch):
    startup = tmp_path / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-record-reads.py").write_text(HOOK, encoding="utf-8")
    log = tmp_path / "reads.log"
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("ANALYSIS_READS_LOG", str(log))
    params = {**job.parameters}
    pm.execute_notebook(job.notebook, tmp_path / "out.ipynb", parameters=params,
                        kernel_name="python3", cwd=str(job.notebook.parent), progress_bar=False)
    data = paths.DATA.resolve()
    opened = {Path(p).resolve() for p in log.read_text(encoding="utf-8").splitlines()}
    read = {p for p in opened if p.is_relative_to(data) and p.is_file()}
    assert read, "the hook recorded no data read: the test would pass vacuously"
    inputs = engine.job_inputs(job, engine.Layout())
    allowed = {f.resolve() for p in inputs for f in (cache.tree_files(p) if p.is_dir() else [p])}
    assert read <= allowed, f"{job.notebook.name} reads undeclared data: {sorted(read - allowed)}"
