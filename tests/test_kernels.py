"""Kernels forked from the worker's zygote (`analysis.build.kernels`, `analysis.build.zygote`):
each starts exactly as a fresh kernel would, nothing one notebook changes reaches the next on
the same worker, reports come out the same alone, in a grid and from a fresh kernel, and a
zygote that fails or dies never costs a report."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import threading
import time

import nbformat
import pytest
from test_build_support import Project, fail_first_kernel_start, outcome

from analysis.build import engine, kernels
from analysis.data import paths

pytestmark = pytest.mark.slow

needs_fork = pytest.mark.skipif(not kernels.fork_supported(), reason="kernels cannot be forked")


@pytest.fixture
def project(tmp_path):
    return Project(tmp_path / "proj")


def _spec(project: Project, notebook: str, fork: bool, **parameters) -> dict:
    return {"name": notebook, "parameters": {"lang": "vi", **parameters},
            "notebook": (project.root / "notebooks" / notebook).read_text(encoding="utf-8"),
            "cwd": str(project.root / "notebooks"), "timeout": 120,
            "work": str(project.root / ".cache"), "fork": fork,
            "env": {paths.DATA_ENV: str(project.layout.data),
                    paths.REPORTS_ENV: str(project.reports)}}


def _printed(nb_text: str) -> list[dict]:
    """The JSON lines the notebook printed, in order."""
    nb = nbformat.reads(nb_text, as_version=4)
    return [json.loads(line) for c in nb.cells if c.cell_type == "code" for o in c.outputs
            if o.get("name") == "stdout" for line in o["text"].splitlines()
            if line.startswith("{")]


def _normalised_state(res: dict) -> dict:
    assert res["ok"], res["error"]
    state = _printed(res["notebook"])[-1]
    temp = re.compile(r"/tmp[^'\" ]*?/(tmp\w+\.json|analysis-job-\w+)")
    for key in ("argv", "orig_argv", "files"):
        state[key] = [temp.sub("<temp>", a) for a in state[key]]
    return state


@needs_fork
def test_a_forked_kernel_starts_as_a_fresh_kernel_would(project):
    """After the same imports, everything a notebook can observe is the same: folder, argv,
    sys.path, environment, signals, streams, rcParams, every pandas option, warning filters,
    namespace, builtins, IPython hooks and display formats, gc settings, open files, threads."""
    fresh = engine.run_notebook(_spec(project, "state.ipynb", fork=False))
    forked = [engine.run_notebook(_spec(project, "state.ipynb", fork=True)) for _ in range(2)]
    assert fresh["kernel"] == "spawn" and [r["kernel"] for r in forked] == ["fork", "fork"]
    want = _normalised_state(fresh)
    for res in forked:
        got = _normalised_state(res)
        assert got.keys() == want.keys()
        for key in want:
            assert got[key] == want[key], key
    assert want["parent_watched"] and want["own_session"] and want["main"] == "__main__"


LEAK = """
reports:
  - notebook: leak.ipynb
    name: "1_leak"
    formats: [html]
  - notebook: look.ipynb
    name: "{label}_look"
    formats: [html]
    parameters:
      label: ["2", "3"]
"""


@needs_fork
def test_nothing_one_notebook_changes_reaches_the_next_on_the_same_worker(project):
    """leak.ipynb changes a global, rcParams, a pandas option, a module attribute
    (analysis.data.paths.PROJ_ROOT), builtins, sys.path, sys.modules, the environment, both
    random seeds and the working folder; look.ipynb, forked next from the same zygote by the
    same worker, sees none of it, and two forks draw different random numbers. leak.ipynb
    also leaves a file unclosed and a thread running: both finish as at a normal exit."""
    project.config(LEAK)
    summary = project.build(workers=1)
    assert summary.exit_code == 0, [o.error for o in summary.failed]
    records = {n: json.loads((project.reports / ".cache" / f"{n}.json").read_text())
               for n in ("1_leak", "2_look", "3_look")}
    assert {r["timings"]["kernel"] for r in records.values()} == {"fork"}

    def seen(name):
        return _printed((project.reports / "executed" / f"{name}.ipynb").read_text())[-1]

    leak, look2, look3 = seen("1_leak"), seen("2_look"), seen("3_look")
    # the kernel left as Python would: its unclosed file flushed, its thread waited for
    assert (project.reports / "unclosed.txt").read_text() == "kept"
    assert (project.reports / "thread.txt").read_text() == "done"
    assert leak["global"] and leak["linewidth"] == 17.0 and leak["max_rows"] == 3  # control
    assert leak["proj_root"] == "/leaked" and leak["cwd"] == "/" and leak["builtin"]
    assert len({leak["parent"], look2["parent"], look3["parent"]}) == 1  # one zygote
    assert len({leak["pid"], look2["pid"], look3["pid"]}) == 3  # three kernels
    for look in (look2, look3):
        assert not look["global"] and not look["builtin"] and not look["path"]
        assert not look["module"] and not look["env"]
        assert look["linewidth"] == 1.5 and look["max_rows"] == 60
        assert look["proj_root"] == str(paths.PROJ_ROOT)
        assert look["cwd"] == str(project.root / "notebooks")
        assert look["random"] != leak["random"] and look["numpy_random"] != leak["numpy_random"]
    assert look2["random"] != look3["random"] and look2["numpy_random"] != look3["numpy_random"]


def _outputs(path) -> list:
    """An executed notebook without what differs from run to run: papermill's times and the
    notebook-level run metadata."""
    nb = nbformat.read(path, as_version=4)
    return [(c.cell_type, c.source, c.get("execution_count"), c.get("outputs"))
            for c in nb.cells]


@needs_fork
def test_a_report_is_the_same_alone_in_a_grid_and_from_a_fresh_kernel(tmp_path, grid):
    """Notebook 05 for Phú Yên (vi): built alone, built in the shared grid (19 reports on two
    workers: its kernel forked after others ran on the same zygote), and built in an ordinary
    fresh kernel — the executed notebooks' outputs (tables, figures, key values) are
    identical."""
    name = "05_national_context_phu-yen_vi"
    assert json.loads((grid / ".cache" / f"{name}.json").read_text())["timings"]["kernel"] \
        == "fork"
    runs = {"grid": _outputs(grid / "executed" / f"{name}.ipynb")}
    for label, fork in (("alone", True), ("fresh", False)):
        layout = engine.Layout(reports=tmp_path / label, work=tmp_path / "work")
        summary = engine.build(layout=layout, only=[name], formats=["html"], workers=1,
                               fork_kernels=fork, progress=False, log=lambda m: None)
        assert summary.exit_code == 0, [o.error for o in summary.failed]
        assert [o.job.name for o in summary.outcomes] == [name]
        kernel = json.loads((layout.record(name)).read_text())["timings"]["kernel"]
        assert kernel == ("fork" if fork else "spawn")
        runs[label] = _outputs(layout.executed(name))
    assert runs["grid"] == runs["alone"]
    assert runs["fresh"] == runs["alone"]
    assert any(o.get("output_type") == "display_data" and "image/svg+xml" in o.get("data", {})
               for _, _, _, outs in runs["alone"] for o in outs or [])


@needs_fork
def test_a_kernel_dies_with_its_zygote_and_the_next_one_still_starts(project):
    """Killing the zygote mid-notebook ends its kernel (a clean report failure, no orphan);
    the next notebook gets a new zygote."""
    spec = _spec(project, "slow.ipynb", fork=True, seconds=60.0)
    box = {}
    thread = threading.Thread(target=lambda: box.update(res=engine.run_notebook(spec)))
    thread.start()
    zygote = kernels.worker_zygote(*engine._fork_env(spec))
    assert zygote is not None
    end = time.monotonic() + 60
    while zygote.forks == 0 and time.monotonic() < end:
        time.sleep(0.1)
    time.sleep(1.0)
    os.kill(zygote.pid, signal.SIGKILL)
    thread.join(timeout=60)
    assert not thread.is_alive()
    res = box["res"]
    assert not res["ok"] and res["error"]["ename"] == "DeadKernelError", res["error"]
    again = engine.run_notebook(_spec(project, "fail.ipynb", fork=True))
    assert again["kernel"] == "fork" and "boom from the test notebook" in again["notebook"]
    assert kernels.worker_zygote(*engine._fork_env(spec)) is not zygote


@needs_fork
def test_a_zygote_refuses_a_kernel_whose_environment_differs_and_stays_usable(project):
    spec = _spec(project, "fail.ipynb", fork=True)
    env, cwd = engine._fork_env(spec)
    zygote = kernels.Zygote(env, cwd)
    try:
        with pytest.raises(kernels.ZygoteError, match="differs from the zygote's in OTHER"):
            zygote.fork([sys.executable, "-m", "ipykernel_launcher", "-f", "x.json"], cwd,
                        {**env, "OTHER": "1"}, 1, 2)
        assert zygote.broken is None
    finally:
        zygote.close()
    assert zygote.proc.returncode == 0


def test_kernels_start_the_ordinary_way_when_fork_is_unavailable(project, monkeypatch):
    monkeypatch.setattr(kernels, "fork_supported", lambda: False)
    monkeypatch.setattr(kernels, "_zygote", None)
    res = engine.run_notebook(_spec(project, "fail.ipynb", fork=True))
    assert res["kernel"] == "spawn" and res["error"]["ename"] == "ValueError"


@needs_fork
def test_a_forked_kernel_start_failure_is_retried(project, monkeypatch):
    calls = fail_first_kernel_start(monkeypatch)
    res = engine.run_notebook(_spec(project, "fail.ipynb", fork=True))
    assert res["kernels"] == 2 and res["kernel"] == "fork"
    assert all(kw.get("zygote") for _, kw in calls)
    assert res["error"]["ename"] == "ValueError"


def test_a_build_records_where_each_report_spent_its_time(project):
    project.config("reports:\n  - notebook: probe.ipynb\n    name: probe\n")
    summary = project.build()
    assert summary.exit_code == 0, [o.error for o in summary.failed]
    timings = json.loads((project.reports / ".cache" / "probe.json").read_text())["timings"]
    assert timings["kernel"] in ("fork", "spawn")
    assert set(timings["exports"]) == {"html", "html-nocode", "pdf"}
    for key in ("kernel_start", "first_cell", "cells", "teardown"):
        assert 0 <= timings[key] < 120, (key, timings)
    assert outcome(summary, "probe").kernels == 1
