"""A build trusts a file it wrote while its size and mtime are the ones its record kept, and
hashes it only when they differ: an output edited in place is found and written again, one only
touched is neither rebuilt nor rewritten, and with nothing changed no output is read at all.

No kernel runs here: the notebook's execution and its exports are stood in for (the real ones
are tests/test_build.py's), so what is checked is the engine's bookkeeping alone."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from test_build_support import Project, outcome

from analysis.build import cache, engine
from analysis.data import files

CONFIG = """
reports:
  - notebook: probe.ipynb
    name: probe
    formats: [html, html-nocode, pdf]
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A temp project whose one job 'executes' by handing back its notebook as it is and
    'exports' a text naming the format and how many times the job was exported."""
    proj = Project(tmp_path / "proj")
    proj.config(CONFIG)
    proj.exports = []

    def run_local(specs, workers, on_result):
        for spec in specs:
            on_result(spec["name"], {"ok": True, "notebook": spec["notebook"], "kernels": 0,
                                     "seconds": 0.0})

    def export(nb, job, formats, seconds=None):
        proj.exports.append(list(formats))
        return {f: f"{f} of {job.name}, export {len(proj.exports)}\n" for f in formats}

    monkeypatch.setattr(engine, "_run_local", run_local)
    monkeypatch.setattr(engine, "_export", export)
    monkeypatch.setattr(engine, "_warm_exports", lambda: None)
    monkeypatch.setattr(engine, "recorded_facts", lambda text: {})
    return proj


@pytest.fixture
def hashed(monkeypatch):
    """The files a build reads to hash them (every call, the in-process memo's hits too)."""
    seen: list[Path] = []
    real = files._sha256_file

    def spy(path: str, size: int, mtime_ns: int) -> str:
        seen.append(Path(path))
        return real(path, size, mtime_ns)

    monkeypatch.setattr(files, "_sha256_file", spy)
    return seen


def _under(paths: list[Path], folder: Path) -> list[Path]:
    return [p for p in paths if p.is_relative_to(folder)]


def _mtimes(folder: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def _later(path: Path, seconds: int = 10) -> None:
    """Move the file's mtime `seconds` on, as an edit made later would."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 10**9))


def _record(project: Project) -> dict:
    return json.loads((project.reports / ".cache" / "probe.json").read_text(encoding="utf-8"))


def test_a_record_keeps_each_file_s_size_and_mtime_next_to_its_sha256(project):
    assert project.build().exit_code == 0
    record, R = _record(project), project.reports
    for fmt in ("html", "html-nocode", "pdf"):
        path = R / record["outputs"][fmt]["path"]
        assert record["stat"][fmt] == [path.stat().st_size, path.stat().st_mtime_ns]
    executed = R / "executed" / "probe.ipynb"
    assert record["stat"]["executed"] == [executed.stat().st_size, executed.stat().st_mtime_ns]
    # the manifest (provenance, published) carries no machine-local time
    manifest = json.loads((R / "manifest.json").read_text(encoding="utf-8"))
    assert "stat" not in manifest["reports"][0]
    assert "mtime_ns" not in json.dumps(manifest)


def test_nothing_changed_reads_no_output_and_writes_no_file(project, hashed):
    assert project.build().exit_code == 0
    before = _mtimes(project.reports)
    hashed.clear()
    again = project.build()
    assert outcome(again, "probe").source == "cached" and project.exports == [
        ["html", "html-nocode", "pdf"]]
    assert _under(hashed, project.reports) == []  # not one output or executed notebook read
    assert _mtimes(project.reports) == before


@pytest.mark.parametrize("size", ["same size", "other size"])
def test_an_output_edited_in_place_is_found_and_exported_again(project, hashed, size):
    assert project.build().exit_code == 0
    html = project.reports / "html" / "probe.html"
    good = html.read_bytes()
    html.write_bytes(good.upper() if size == "same size" else good + b"edited\n")
    _later(html)
    hashed.clear()
    plan = project.build(dry_run=True)
    assert outcome(plan, "probe").reason == "missing: html"
    fixed = project.build()
    assert outcome(fixed, "probe").source == "exported" and project.exports[-1] == ["html"]
    assert html.read_text(encoding="utf-8") == "html of probe, export 2\n"
    # another size is other content without reading the file; the same size is hashed
    assert (html in hashed) == (size == "same size")
    hashed.clear()
    assert outcome(project.build(), "probe").source == "cached"
    assert _under(hashed, project.reports) == []


def test_a_touched_output_is_not_rebuilt_nor_rewritten(project, hashed):
    assert project.build().exit_code == 0
    html = project.reports / "html" / "probe.html"
    content = html.read_bytes()
    _later(html)
    touched = html.stat().st_mtime_ns
    hashed.clear()
    again = project.build()
    assert outcome(again, "probe").source == "cached" and len(project.exports) == 1
    assert html.read_bytes() == content and html.stat().st_mtime_ns == touched
    assert _under(hashed, project.reports) == [html]  # hashed once, found the same
    assert _record(project)["stat"]["html"] == [len(content), touched]  # and kept
    hashed.clear()
    project.build()
    assert _under(hashed, project.reports) == []


def test_a_same_size_edit_that_keeps_the_mtime_is_trusted(project):
    """The trade-off make, ninja and git accept, spelled out: same size, same mtime, trusted."""
    assert project.build().exit_code == 0
    html = project.reports / "html" / "probe.html"
    st = html.stat()
    html.write_bytes(html.read_bytes().upper())
    os.utime(html, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert outcome(project.build(dry_run=True), "probe").source == "cached"
    _later(html, 1)  # any later mtime and it is found
    assert outcome(project.build(dry_run=True), "probe").reason == "missing: html"


def test_an_edited_executed_notebook_runs_the_job_again(project):
    assert project.build().exit_code == 0
    executed = project.reports / "executed" / "probe.ipynb"
    executed.write_text(executed.read_text(encoding="utf-8").replace("Test", "Tset"),
                        encoding="utf-8")
    _later(executed)
    again = project.build()
    assert outcome(again, "probe").source == "built"
    assert outcome(again, "probe").reason == "executed notebook missing"


def test_a_record_without_sizes_and_mtimes_is_checked_by_hash_once(project, hashed):
    """Records written before sizes and mtimes were kept: every file is hashed once, found
    intact, and the record gains them; no output is written again."""
    assert project.build().exit_code == 0
    path = project.reports / ".cache" / "probe.json"
    record = _record(project)
    stat = record.pop("stat")
    cache.write_json(path, record)
    outputs = _mtimes(project.reports / "html")
    hashed.clear()
    assert outcome(project.build(), "probe").source == "cached"
    assert len(_under(hashed, project.reports)) == 4  # executed, html, html-nocode, pdf
    assert _record(project)["stat"] == stat and _mtimes(project.reports / "html") == outputs
    hashed.clear()
    project.build()
    assert _under(hashed, project.reports) == []


def test_a_missing_format_is_exported_and_the_others_keep_their_stat(project):
    assert project.build().exit_code == 0
    stat = _record(project)["stat"]
    (project.reports / "pdf" / "probe.pdf").unlink()
    assert outcome(project.build(), "probe").source == "exported"
    assert project.exports[-1] == ["pdf"]
    new = _record(project)["stat"]
    assert {k: v for k, v in new.items() if k != "pdf"} == {
        k: v for k, v in stat.items() if k != "pdf"}
    pdf = project.reports / "pdf" / "probe.pdf"
    assert new["pdf"] == [pdf.stat().st_size, pdf.stat().st_mtime_ns]


def test_a_step_trusts_what_it_read_and_wrote_by_size_and_mtime(project, hashed, tmp_path):
    """The steps around the jobs (annotated article, replication documents) keep the same
    sizes and mtimes: nothing changed reads nothing, a touch is hashed once, an edit reruns."""
    source = tmp_path / "source.txt"
    source.write_text("first\n", encoding="utf-8")
    calls = []

    def document(layout):
        calls.append(1)
        files.write_files({layout.reports / "doc.txt": source.read_text(encoding="utf-8")})

    document.outputs = lambda layout: [layout.reports / "doc.txt"]
    doc = project.reports / "doc.txt"
    record = project.reports / ".cache" / "steps" / "document.json"

    def build() -> list[Path]:
        """The step's files hashed by one build."""
        hashed.clear()
        assert project.build(after=[document]).exit_code == 0
        return [p for p in hashed if p in (source, doc)]

    build()
    assert len(calls) == 1
    assert json.loads(record.read_text())["stat"] == {
        str(p): [p.stat().st_size, p.stat().st_mtime_ns] for p in (source, doc)}
    before = _mtimes(project.reports)
    assert build() == []  # neither what it read nor what it wrote
    assert len(calls) == 1 and _mtimes(project.reports) == before
    _later(source)
    assert build() == [source] and len(calls) == 1  # touched: hashed once, found the same
    assert build() == [] and len(calls) == 1
    doc.write_text("FIRST\n", encoding="utf-8")  # edited: same size, a later mtime
    _later(doc)
    build()
    assert len(calls) == 2 and doc.read_text(encoding="utf-8") == "first\n"


def test_the_index_is_rendered_again_only_after_a_step_wrote_a_document(project, monkeypatch):
    renders = []
    real = engine.refresh_index
    monkeypatch.setattr(engine, "refresh_index", lambda *a: renders.append(1) or real(*a))

    def document(layout):
        files.write_files({layout.reports / "replication_vi.html": "<html></html>\n"})

    document.outputs = lambda layout: [layout.reports / "replication_vi.html"]
    assert project.build(after=[document]).exit_code == 0
    assert len(renders) == 2  # with the manifest, then to link the document
    assert 'href="replication_vi.html"' in (project.reports / "index.html").read_text("utf-8")
    renders.clear()
    assert project.build(after=[document]).exit_code == 0
    assert len(renders) == 1  # with the manifest only: the step did not run


def test_verified_stat(tmp_path, hashed):
    path = tmp_path / "f.txt"
    path.write_bytes(b"abc")
    digest, stat = cache.hashed(path)
    assert stat == [3, path.stat().st_mtime_ns] and digest == cache.sha256_bytes(b"abc")
    hashed.clear()
    assert cache.verified_stat(path, digest, stat) == stat and hashed == []
    assert cache.verified_stat(path, digest) == stat and hashed == [path]  # no stat: hashed
    path.write_bytes(b"abcd")
    assert cache.verified_stat(path, digest, stat) is None and hashed == [path]  # size: no read
    assert cache.verified_stat(tmp_path / "gone", digest, stat) is None
    assert cache.verified_stat(tmp_path, digest, stat) is None  # a folder
    assert cache.verified_stats({str(path): digest}, {}) is None
    assert cache.verified_stats({}, {}) == {}
