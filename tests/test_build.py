"""The batch engine with real kernels: exports, the cache (code, data, nothing changed), isolated
failures (cell error, kernel death, timeout), crash-safe writes, the CLI, and Dask.

Each test builds in a temp project through `Layout`, so src/ and data/ can be edited safely."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time

import pytest
from pypdf import PdfReader
from test_build_support import Project, fail_first_kernel_start, outcome, visible_files

from analysis.build import cache, engine
from analysis.data import files, paths

pytestmark = pytest.mark.slow

PROBE = """
reports:
  - notebook: probe.ipynb
    name: "{stem}_{label}"
    title: "Probe {label}"
    formats: [html, html-nocode, pdf, pdf-code]
    parameters:
      label: ["x", "<script>alert(1)</script> & 'q' \\"d\\"\\nimport os; os._exit(3)"]
      code: "02139"
"""
EVIL = "probe_script-alert-1-script-q-d-import-os-os-exit-3"


@pytest.fixture
def project(tmp_path):
    return Project(tmp_path / "proj")


def _pdf_text(path):
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def _mtimes(reports):
    return {p: p.stat().st_mtime_ns for p in visible_files(reports) if p.suffix != ".json"
            and p.name not in ("index.html", "index_en.html", "build.html")}


def test_build_exports_records_and_rebuilds_only_what_changed(project, capsys):
    project.config(PROBE)
    first = project.build(workers=2)
    assert [o.status for o in first.outcomes] == ["ok", "ok"] and first.kernels_started == 2
    assert first.exit_code == 0
    R = project.reports

    html = (R / "html" / "probe_x.html").read_text(encoding="utf-8")
    # the kernel ran this interpreter, over IPC sockets, in notebooks/, with typed parameters
    assert f"exe={sys.executable}" in html and "transport=ipc" in html
    assert "helper=1 data=41" in html
    assert "code=&#x27;02139&#x27; str" in html or "code='02139' str" in html
    # the injected cell is kept in the executed notebook, never in a report
    executed = json.loads((R / "executed" / "probe_x.ipynb").read_text())
    assert any("injected-parameters" in c["metadata"].get("tags", []) for c in executed["cells"])
    assert "injected-parameters" not in html and "# Parameters" not in html
    assert executed["metadata"]["papermill"]["input_path"] == "notebooks/probe.ipynb"
    assert str(project.root) not in (R / "executed" / "probe_x.ipynb").read_text()
    # code-free variant, PDF, self-contained HTML
    nocode = (R / "html-nocode" / "probe_x.html").read_text(encoding="utf-8")
    assert "test fixture only" in html and "test fixture only" not in nocode
    assert "helper=1 data=41" in nocode
    # the reader's PDF has no code; pdf-code, asked for here, keeps it
    reader, coded = (_pdf_text(R / fmt / "probe_x.pdf") for fmt in ("pdf", "pdf-code"))
    assert "helper=1 data=41" in reader and "helper=1 data=41" in coded
    assert "test fixture only" in coded and "test fixture only" not in reader
    assert not re.search(r"""(src|href)=["']https?://""", html)
    # every file the build writes is readable by others, like an ordinary write (rw-r--r--)
    written = [p for p in R.rglob("*") if p.is_file() and ".build.lock" not in p.name]
    modes = {str(p.relative_to(R)): oct(p.stat().st_mode & 0o777) for p in written}
    assert {"index.html", "manifest.json", "html/probe_x.html", "pdf/probe_x.pdf"} <= set(modes)
    assert set(modes.values()) == {"0o644"}, modes
    # a parameter carrying HTML and code stays an escaped string
    evil = (R / "html" / f"{EVIL}.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in evil and "&lt;script&gt;alert(1)&lt;/script&gt;" in evil
    assert "os._exit(3)" in evil  # printed back, not executed

    manifest = json.loads((R / "manifest.json").read_text())
    assert manifest["kernels_started"] == 2 and "papermill" in next(
        iter(manifest["packages"].values()))
    entry = next(e for e in manifest["reports"] if e["name"] == "probe_x")
    assert entry["status"] == "ok" and entry["parameters"] == {"label": "x", "code": "02139"}
    assert re.fullmatch(r"[0-9a-f]{64}", entry["cache_key"])
    assert entry["packages_sha256"] in manifest["packages"]
    assert entry["outputs"]["pdf"]["sha256"] == cache.sha256_file(R / "pdf" / "probe_x.pdf")
    page = (R / "build.html").read_text(encoding="utf-8")
    assert 'href="html/probe_x.html"' in page and 'href="pdf/probe_x.pdf"' in page
    assert "<script" not in page and "Báo cáo" in page and "Reports" in page
    assert str(project.root) not in page and "https://" not in page
    for landing in ("index.html", "index_en.html"):  # the reader's pages link the reader formats
        page = (R / landing).read_text(encoding="utf-8")
        assert 'href="html-nocode/probe_x.html"' in page and 'href="pdf/probe_x.pdf"' in page
        assert 'href="build.html"' in page and "https://" not in page

    # nothing changed: no kernel, no output rewritten
    before = _mtimes(R)
    again = project.build(progress=True)
    assert again.kernels_started == 0 and {o.source for o in again.outcomes} == {"cached"}
    assert _mtimes(R) == before
    assert "100%" in capsys.readouterr().err  # the tqdm bar when asked for (a TTY)

    # a missing output is re-exported from the kept executed notebook, still no kernel
    (R / "pdf" / "probe_x.pdf").unlink()
    fixed = project.build()
    assert fixed.kernels_started == 0 and outcome(fixed, "probe_x").source == "exported"
    assert (R / "pdf" / "probe_x.pdf").read_bytes().startswith(b"%PDF")

    # editing a helper module rebuilds what depends on it
    (project.layout.src / "helper.py").write_text("VALUE = 2\n")
    plan = project.build(dry_run=True)
    assert {o.source for o in plan.outcomes} == {"would build"}
    assert all("src/analysis" in o.reason for o in plan.outcomes)
    code = project.build(only=["probe_x"], formats=["html"])
    assert code.kernels_started == 1
    assert "helper=2 data=41" in (R / "html" / "probe_x.html").read_text(encoding="utf-8")

    # editing a data file rebuilds too
    (project.layout.data / "value.txt").write_text("42\n")
    data = project.build(only=["probe_x"], formats=["html"])
    assert data.kernels_started == 1 and "data" in outcome(data, "probe_x").reason
    assert "helper=2 data=42" in (R / "html" / "probe_x.html").read_text(encoding="utf-8")

    # --force ignores the cache
    forced = project.build(only=["probe_x"], formats=["html"], force=True)
    assert forced.kernels_started == 1 and outcome(forced, "probe_x").reason == "--force"


FAULTS = """
reports:
  - notebook: flaky.ipynb
    formats: [html]
  - notebook: die.ipynb
    formats: [html]
  - notebook: slow.ipynb
    name: slow
    timeout: 2
    parameters: {seconds: 60.0}
    formats: [html]
  - notebook: probe.ipynb
    name: probe
    formats: [html]
"""


def test_failures_are_isolated_reported_and_keep_the_last_good_report(project):
    nbs = project.root / "notebooks"
    (nbs / "flaky.ipynb").write_bytes((nbs / "probe.ipynb").read_bytes())
    project.config(FAULTS)
    good = project.build(only=["flaky"])
    assert good.exit_code == 0 and good.kernels_started == 1
    R = project.reports
    last_good = (R / "html" / "flaky.html").read_bytes()

    (nbs / "flaky.ipynb").write_bytes((nbs / "fail.ipynb").read_bytes())
    summary = project.build(workers=2)
    assert summary.kernels_started == 4 and summary.exit_code == 1
    status = {o.job.name: o.status for o in summary.outcomes}
    assert status == {"flaky": "failed", "die": "failed", "slow": "failed", "probe": "ok"}

    flaky = outcome(summary, "flaky").error
    assert flaky["ename"] == "ValueError" and flaky["cell_index"] == 3
    assert flaky["execution_count"] == 3
    assert flaky["message"] == ("notebooks/flaky.ipynb {} cell index 3 (In [3]): "
                                "ValueError: boom from the test notebook")
    die = outcome(summary, "die").error
    assert die["ename"] == "DeadKernelError" and die["cell_index"] == 2
    slow = outcome(summary, "slow").error
    assert slow["ename"] == "CellTimeoutError" and slow["cell_index"] == 2
    assert "timeout of 2 s" in slow["message"] and '{"seconds":60.0}' in slow["message"]

    # the failed run is kept with its error; the last good report stays in place
    kept = json.loads((R / "failed" / "flaky.ipynb").read_text())
    errors = [o for c in kept["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert errors and errors[0]["evalue"] == "boom from the test notebook"
    assert (R / "html" / "flaky.html").read_bytes() == last_good
    assert not (R / "html" / "die.html").exists() and (R / "html" / "probe.html").exists()

    table = engine.format_summary(summary)
    assert re.search(r"flaky\s+failed", table) and re.search(r"probe\s+ok\s+[\d.]+\s+built", table)
    assert "FAILED flaky: notebooks/flaky.ipynb {} cell index 3 (In [3]): ValueError" in table
    assert "failed/flaky.ipynb" in table

    manifest = json.loads((R / "manifest.json").read_text())
    by_name = {e["name"]: e for e in manifest["reports"]}
    assert by_name["flaky"]["status"] == "failed" and by_name["flaky"]["outputs"]["html"]
    assert by_name["die"]["status"] == "failed" and by_name["die"]["cache_key"] is None
    page = (R / "build.html").read_text(encoding="utf-8")
    assert "bản tốt gần nhất" in page and 'href="failed/flaky.ipynb"' in page

    # a failed job is tried again next time; the good one is not
    plan = {o.job.name: o.source for o in project.build(dry_run=True).outcomes}
    assert plan == {"flaky": "would build", "die": "would build", "slow": "would build",
                    "probe": "cached"}


def test_full_disk_keeps_previous_reports_and_cache(project, monkeypatch):
    project.config(FAULTS)
    assert project.build(only=["probe"]).exit_code == 0
    R = project.reports
    old_html = (R / "html" / "probe.html").read_bytes()
    old_record = (R / ".cache" / "probe.json").read_bytes()
    real = files._stage

    def full_disk(path, data):
        if path.suffix == ".html" and path.parent.name == "html":
            raise OSError(28, "No space left on device")
        return real(path, data)

    monkeypatch.setattr(files, "_stage", full_disk)
    failed = project.build(only=["probe"], force=True)
    assert failed.exit_code == 1 and "No space left on device" in failed.failed[0].error["message"]
    assert (R / "html" / "probe.html").read_bytes() == old_html
    assert (R / ".cache" / "probe.json").read_bytes() == old_record
    assert not list(R.rglob(".*.tmp"))
    monkeypatch.setattr(files, "_stage", real)
    plan = project.build(only=["probe"], dry_run=True)
    assert outcome(plan, "probe").source == "cached"  # the old record still matches old files


def test_kernel_start_failure_is_retried(project, monkeypatch):
    calls = fail_first_kernel_start(monkeypatch)
    nb = (project.root / "notebooks" / "fail.ipynb").read_text()
    nb = nb.replace("raise ValueError", "print")
    res = engine.run_notebook({"notebook": nb, "parameters": {"lang": "en"},
                              "cwd": str(project.root / "notebooks"), "timeout": 60,
                              "work": str(project.root / ".cache")})
    assert res["ok"], res["error"]
    assert res["kernels"] == 2 and len(calls) == 2 and calls[0][0] != calls[1][0]
    assert "boom from the test notebook" in res["notebook"]


def test_cli_build_logs_plain_lines_and_exits_nonzero_on_failure(project):
    project.config(FAULTS)
    run = project.cli("--only", "flaky", "--only", "probe", "--workers", "2")
    assert run.returncode == 1, run.stderr
    assert re.search(r"^job\s+status\s+seconds\s+cached/built$", run.stdout, re.M)
    assert re.search(r"^probe\s+ok", run.stdout, re.M) and "kernels started: 2" in run.stdout
    assert re.search(r"^\[\d/2\] flaky: FAILED", run.stderr, re.M)  # not a TTY: log lines
    assert "\r" not in run.stderr and "Traceback" not in run.stderr


def _wait_for(predicate, seconds=90.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _check_consistent(project):
    """Every visible report is complete, every JSON parses, no record points at a missing file."""
    R = project.reports
    for p in visible_files(R):
        if p.suffix == ".html":
            assert p.read_text(encoding="utf-8").rstrip().endswith("</html>"), p
        elif p.suffix in (".json", ".ipynb"):
            json.loads(p.read_text(encoding="utf-8"))
        elif p.suffix == ".pdf":
            assert p.read_bytes().rstrip().endswith(b"%%EOF"), p
    for rec in (R / ".cache").glob("*.json"):
        data = json.loads(rec.read_text())
        for out in data["outputs"].values():
            assert cache.sha256_file(R / out["path"]) == out["sha256"]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_interrupted_build_leaves_reports_and_cache_valid(project, sig):
    project.config(FAULTS.replace("60.0", "40.0").replace("timeout: 2", "timeout: 120"))
    assert project.build(only=["probe"]).exit_code == 0
    probe_record = project.reports / ".cache" / "probe.json"
    stamp = probe_record.stat().st_mtime_ns

    proc = project.popen("--only", "probe", "--only", "slow", "--force", "--workers", "2")
    try:
        # wait until the quick job is written and the slow one is mid-cell
        assert _wait_for(lambda: probe_record.stat().st_mtime_ns != stamp)
        # meanwhile a second build is refused, clearly
        second = project.cli("--only", "probe")
        assert second.returncode == 2 and "another build is running" in second.stderr
        if sig == signal.SIGINT:
            os.kill(proc.pid, signal.SIGINT)
        else:
            os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    if sig == signal.SIGINT:
        assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
        manifest = json.loads((project.reports / "manifest.json").read_text())
        assert manifest["interrupted"] is True
    else:
        assert proc.returncode == -signal.SIGKILL
    assert not (project.reports / "html" / "slow.html").exists()
    _check_consistent(project)

    # the next build picks up: the finished job is cached, the interrupted one runs
    project.config(FAULTS.replace("60.0", "0.1"))
    again = project.build(only=["probe", "slow"])
    assert again.exit_code == 0, [o.error for o in again.failed]
    assert outcome(again, "probe").source == "cached" and again.kernels_started == 1
    assert not list(project.reports.rglob(".*.tmp"))
    _check_consistent(project)


def test_dask_scheduler_runs_the_same_jobs(project):
    distributed = pytest.importorskip("distributed")
    project.config(FAULTS)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  protocol="tcp", host="127.0.0.1", dashboard_address=None
                                  ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        summary = project.build(only=["probe", "flaky"], scheduler=cluster.scheduler_address)
    status = {o.job.name: o.status for o in summary.outcomes}
    assert status == {"flaky": "failed", "probe": "ok"}, [o.error for o in summary.outcomes]
    assert summary.kernels_started == 2
    assert "helper=1 data=41" in (project.reports / "html" / "probe.html").read_text()
    assert outcome(summary, "flaky").error["ename"] == "ValueError"
    assert project.build(only=["probe"]).kernels_started == 0  # same cache as local runs


def test_unreachable_scheduler_is_a_user_error(project):
    project.config(FAULTS)
    from analysis.errors import UserError

    with pytest.raises(UserError, match="cannot reach the Dask scheduler"):
        project.build(only=["probe"], scheduler="tcp://127.0.0.1:9")


def test_the_project_overview_builds(tmp_path):
    layout = engine.Layout(reports=tmp_path / "reports", work=tmp_path / "work")
    summary = engine.build(layout=layout, only=["00_article_overview_en"], formats=["html"],
                          progress=False, log=lambda m: None)
    assert summary.exit_code == 0, [o.error for o in summary.failed]
    page = (tmp_path / "reports" / "html" / "00_article_overview_en.html").read_text()
    assert "injected-parameters" not in page and str(paths.PROJ_ROOT) not in page


def _all_files(reports):
    """Every file under reports/, hidden ones included (records, manifest, index, lock)."""
    return {p: p.stat().st_mtime_ns for p in reports.rglob("*") if p.is_file()}


def test_every_step_is_cached_on_what_it_read(project, tmp_path):
    """A document assembled after the notebooks (like the replication reports) reruns only when
    a file it read, what it declares, or its output changed; otherwise nothing is written."""
    project.config(FAULTS)
    extra = tmp_path / "notes.txt"
    extra.write_text("first\n", encoding="utf-8")
    calls, edition = [], ["1"]

    def document(layout):
        calls.append(1)
        text = layout.executed("probe").read_text(encoding="utf-8")
        files.write_files({layout.reports / "doc.txt": f"{len(text)} {extra.read_text()}"})

    document.outputs = lambda layout: [layout.reports / "doc.txt"]
    document.key = lambda layout: {"edition": edition[0]}

    def build():
        return project.build(only=["probe"], after=[document])

    assert build().kernels_started == 1 and len(calls) == 1
    record = json.loads((project.reports / ".cache" / "steps" / "document.json").read_text())
    assert str(extra) in record["inputs"]
    assert str(project.reports / "executed" / "probe.ipynb") in record["inputs"]

    before = _all_files(project.reports)
    again = build()
    assert again.kernels_started == 0 and len(calls) == 1
    assert _all_files(project.reports) == before  # not one file written

    extra.write_text("second\n", encoding="utf-8")  # a file it read
    assert build().kernels_started == 0 and len(calls) == 2
    assert (project.reports / "doc.txt").read_text().endswith("second\n")
    edition[0] = "2"  # what it declares (e.g. the git commit a cover prints)
    build()
    assert len(calls) == 3
    (project.reports / "doc.txt").write_text("edited by hand")  # its output
    build()
    assert len(calls) == 4 and (project.reports / "doc.txt").read_text().endswith("second\n")
    build()
    assert len(calls) == 4


def test_a_cli_build_with_nothing_changed_writes_no_file_and_starts_no_kernel(project):
    project.config(FAULTS)
    first = project.cli("--only", "probe")
    assert first.returncode == 0, first.stderr
    assert (project.reports / "source").is_dir()  # the before-steps ran
    before = _all_files(project.reports)
    folders = {p: p.stat().st_mtime_ns for p in [project.reports, *project.reports.rglob("*")]
               if p.is_dir()}
    t0 = time.monotonic()
    again = project.cli("--only", "probe")
    seconds = time.monotonic() - t0
    assert again.returncode == 0, again.stderr
    assert "kernels started: 0" in again.stdout and re.search(r"^probe\s+ok.*cached$",
                                                                again.stdout, re.M)
    assert _all_files(project.reports) == before
    assert {p: p.stat().st_mtime_ns for p in folders} == folders  # nothing created or removed
    assert seconds < 10  # a whole process start; the target (< 1 s) is measured by make bench
