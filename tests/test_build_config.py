"""The report declarations are checked before anything runs: these tests start no kernel.

The fault table below is the configuration/parameter part of the fault catalogue
(tests/test_fault_catalogue.py):
(case, YAML, expected message fragments, expected exit code through the CLI)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata

import pytest
from filelock import FileLock
from test_build_support import Project

from analysis.build import cache, engine, index
from analysis.data import files, paths
from analysis.data.config import load_config
from analysis.data.files import write_files
from analysis.errors import UserError


@pytest.fixture
def project(tmp_path):
    return Project(tmp_path / "proj")


def test_project_config_declares_the_overview_in_both_languages():
    jobs = load_config(paths.NOTEBOOKS / "reports.yml")
    overview = {j.name: j for j in jobs if j.notebook.name == "00_article_overview.ipynb"}
    assert set(overview) == {"00_article_overview_vi", "00_article_overview_en"}
    assert overview["00_article_overview_en"].parameters == {"lang": "en"}
    assert overview["00_article_overview_en"].lang == "en"
    assert overview["00_article_overview_vi"].formats == ("html", "html-nocode", "pdf")


def test_grid_expands_and_provinces_resolve_to_canonical_names(project):
    project.config("""
reports:
  - notebook: probe.ipynb
    name: "{stem}_{province}_{lang}"
    title: "{province} ({lang})"
    parameters:
      province: [Phu Yen, Hải Dương, an giang]
      lang: [vi, en]
      code: "02139"
""")
    jobs = load_config(project.layout.config)
    assert [j.name for j in jobs] == [
        "probe_phu-yen_vi", "probe_phu-yen_en", "probe_hai-duong_vi", "probe_hai-duong_en",
        "probe_an-giang_vi", "probe_an-giang_en"]
    assert jobs[0].parameters == {"province": "Phú Yên", "lang": "vi", "code": "02139"}
    assert isinstance(jobs[0].parameters["code"], str)  # "02139" never becomes 2139
    assert jobs[3].title == "Hải Dương (en)" and jobs[3].lang == "en"
    assert jobs[0].timeout == 600.0


def test_parameter_sets_are_crossed_with_the_grid(project):
    project.config("""
defaults: {formats: [html], timeout: 30}
reports:
  - notebook: probe.ipynb
    name: "{stem}_{label}_{lang}"
    parameters: {lang: [vi, en]}
    parameter_sets:
      - {label: first, code: "1"}
      - {label: second, code: "2"}
""")
    jobs = load_config(project.layout.config)
    assert [(j.name, j.parameters["code"]) for j in jobs] == [
        ("probe_first_vi", "1"), ("probe_first_en", "1"),
        ("probe_second_vi", "2"), ("probe_second_en", "2")]
    assert all(j.formats == ("html",) and j.timeout == 30 for j in jobs)


def test_names_are_sanitised_and_stay_inside_reports(project):
    project.config("""
reports:
  - notebook: probe.ipynb
    name: "{stem}_{label}"
    parameters: {label: ["../../../etc/passwd", "a/b\\\\c", "Đắk Lắk <b>"]}
""")
    names = [j.name for j in load_config(project.layout.config)]
    assert names == ["probe_etc-passwd", "probe_a-b-c", "probe_dak-lak-b"]
    for n in names:
        for fmt in ("html", "html-nocode", "pdf"):
            out = project.layout.output(fmt, n).resolve()
            assert out.parent == (project.reports / fmt).resolve()


ENTRY = "reports:\n  - notebook: probe.ipynb\n"
FAULTS = [
    # case, YAML, fragments the one-line error must contain
    ("missing notebook", "reports:\n  - notebook: prbe.ipynb\n",
     ["reports.yml:2", "reports[0]", "notebook 'prbe.ipynb' not found", "probe.ipynb"]),
    ("colliding names", ENTRY + "    name: '{stem}'\n    parameters: {lang: [vi, en]}\n",
     ["reports.yml:3", "output name 'probe' is produced twice", "{lang}"]),
    ("collision across entries", ENTRY + "    name: same\n  - notebook: fail.ipynb\n"
     "    name: SAME\n", ["reports[1]", "produced twice"]),
    ("unknown format", ENTRY + "    formats: [html, docx]\n",
     ["reports.yml:3", "reports[0].formats", "unknown format 'docx'", "html-nocode"]),
    ("bad template field", ENTRY + "    name: '{stem}_{provnce}'\n    parameters: {lang: vi}\n",
     ["reports[0].name", "unknown template field {provnce}", "{lang}"]),
    ("template with a path", ENTRY + "    name: '../{stem}'\n",
     ["reports[0].name", "path separator"]),
    ("template with a format spec", ENTRY + "    name: '{stem!r}'\n", ["takes no format"]),
    ("unknown province", ENTRY + "    parameters: {province: Phu Yenn}\n",
     ["reports.yml:3", "parameters.province", "unknown province 'Phu Yenn'", "Phú Yên"]),
    ("province carrying ../", ENTRY + "    parameters: {province: ../../etc}\n",
     ["unknown province '../../etc'"]),
    ("wrong type", ENTRY + "    parameters: {code: 2139}\n",
     ["parameters.code", "is a number (2139)", "default is text", "quote"]),
    ("YAML no-is-false", ENTRY + "    parameters: {label: no}\n", ["is true/false (False)"]),
    ("unknown lang", ENTRY + "    parameters: {lang: fr}\n", ["unknown lang 'fr'", "vi, en"]),
    ("unknown parameter", ENTRY + "    parameters: {provnce: Phú Yên}\n",
     ["has no parameter 'provnce'", "did you mean 'province'"]),
    ("notebook's allowed values", ENTRY + "    parameters: {mode: c}\n",
     ["parameters.mode", "unknown mode 'c'", "a, b"]),
    ("entry's allowed values", ENTRY + "    parameters: {label: z}\n    allowed: {label: [x, y]}\n",
     ["unknown label 'z'"]),
    ("allowed province subset", ENTRY + "    parameters: {province: Hà Nội}\n"
     "    allowed: {province: [Phú Yên, An Giang]}\n", ["unknown province 'Hà Nội'"]),
    ("typo in an entry key", ENTRY + "    paramters: {lang: vi}\n",
     ["reports[0].paramters", "did you mean 'parameters'"]),
    ("unknown top-level key", "report: []\n", ["unknown key 'report'"]),
    ("no reports", "reports: []\n", ["no reports declared"]),
    ("invalid YAML", "reports:\n  - notebook: [probe.ipynb\n", ["invalid YAML"]),
    ("duplicate key", ENTRY + "    formats: [html]\n    formats: [pdf]\n",
     ["reports.yml:4", "'formats' appears twice"]),
    ("bad timeout", ENTRY + "    timeout: -1\n", ["reports[0].timeout", "positive"]),
    ("empty name part", ENTRY + "    name: '{stem}_{label}'\n    parameters: {label: '///'}\n",
     ["gives an empty file-name part"]),
    ("params without a parameters cell", "reports:\n  - notebook: nocell.ipynb\n"
     "    parameters: {lang: vi}\n", ["no cell tagged 'parameters'"]),
    ("not a notebook", "reports:\n  - notebook: broken.ipynb\n", ["cannot read notebook"]),
]


@pytest.mark.parametrize(("case", "text", "fragments"), FAULTS, ids=[f[0] for f in FAULTS])
def test_configuration_faults_fail_before_any_kernel(project, case, text, fragments):
    nb = json.loads((project.root / "notebooks" / "fail.ipynb").read_text())
    nb["cells"] = [c for c in nb["cells"] if "parameters" not in c["metadata"].get("tags", [])]
    (project.root / "notebooks" / "nocell.ipynb").write_text(json.dumps(nb))
    (project.root / "notebooks" / "broken.ipynb").write_text("{not json")
    project.config(text)
    with pytest.raises(UserError) as err:
        project.build()
    message = str(err.value)
    assert "\n" not in message
    assert str(project.layout.config) in message or "notebook" in message
    for fragment in fragments:
        assert fragment in message, (case, message)
    assert not project.reports.exists(), "nothing may be written before the check passes"


def test_cli_prints_one_line_and_exits_2(project):
    project.config(ENTRY + "    parameters: {province: Phu Yenn}\n")
    run = project.cli()
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in run.stderr
    assert "did you mean: Phú Yên" in lines[0]


@pytest.mark.parametrize(("args", "fragment"), [
    (["--only", "nothing-like-this"], "no report matches --only"),
    (["--workers", "0"], "--workers must be 1 or more"),
    (["--formats", "docx"], "unknown format 'docx'"),
    (["--timeout", "0"], "--timeout must be a positive"),
    (["--scheduler", "localhost"], "bad scheduler address"),
])
def test_bad_options_are_user_errors(project, args, fragment):
    project.config(ENTRY)
    run = project.cli(*args)
    assert run.returncode == 2 and fragment in run.stderr, run.stderr
    assert not project.reports.exists()


def test_dry_run_plans_and_writes_nothing(project):
    project.config(ENTRY + "    name: '{stem}_{lang}'\n    parameters: {lang: [vi, en]}\n")
    run = project.cli("--dry-run", "--only", "*_en")
    assert run.returncode == 0, run.stderr
    assert "probe_en" in run.stdout and "would build" in run.stdout
    assert "probe_vi" not in run.stdout and "never built" in run.stdout
    assert not project.reports.exists()


def test_reports_folder_not_writable(project):
    project.config(ENTRY)
    project.reports.write_text("a file where the folder should be")
    with pytest.raises(UserError, match="reports folder is not writable"):
        project.build()


def test_second_build_waits_for_no_one_and_says_why(project):
    project.config(ENTRY)
    project.reports.mkdir()
    with FileLock(str(project.layout.lock)).acquire(timeout=1):
        run = project.cli()
    assert run.returncode == 2
    assert "another build is running" in run.stderr and "Traceback" not in run.stderr


def test_cache_key_covers_notebook_parameters_data_src_and_packages(project, monkeypatch):
    L = project.layout
    nb = (project.root / "notebooks" / "probe.ipynb").read_bytes()
    fp = cache.Fingerprint.of(L.data, L.src)
    key, parts = fp.key(nb, {"lang": "vi", "code": "1"})
    assert key == fp.key(nb, {"code": "1", "lang": "vi"})[0]  # order does not matter
    assert key != fp.key(nb, {"lang": "vi", "code": 1})[0]  # type does
    assert key != fp.key(nb + b" ", {"lang": "vi", "code": "1"})[0]
    assert "papermill" in fp.package_list and fp.python == sys.version.split()[0]

    (L.data / "sub").mkdir()
    (L.data / "sub" / "new.csv").write_text("a\n1\n")
    fp2 = cache.Fingerprint.of(L.data, L.src)
    assert fp2.data != fp.data and fp2.src == fp.src
    assert cache.changed_parts(parts, fp2.key(nb, {"lang": "vi", "code": "1"})[1]) == ["data"]

    (L.src / "__pycache__").mkdir()
    (L.src / "__pycache__" / "helper.cpython-311.pyc").write_bytes(b"\0")
    assert cache.Fingerprint.of(L.data, L.src).src == fp.src  # byte-code is not source
    (L.src / "helper.py").write_text("VALUE = 2\n")
    assert cache.Fingerprint.of(L.data, L.src).src != fp.src

    monkeypatch.setattr(cache, "installed_packages", lambda: {"pandas": "0.0.1"})
    assert cache.Fingerprint.of(L.data, L.src).packages != fp.packages


def test_a_build_digests_each_set_of_data_inputs_once(project, monkeypatch):
    L = project.layout
    inputs = [L.data / "value.txt", L.data / "external"]
    fp = cache.Fingerprint.of(L.data, L.src)
    calls = []
    real = cache.files_digest
    monkeypatch.setattr(cache, "files_digest", lambda *a: calls.append(a) or real(*a))
    digest = fp.files_digest(L.data, inputs)
    assert digest == real(L.data, inputs) and fp.files_digest(L.data, inputs) == digest
    assert len(calls) == 1
    assert fp.files_digest(L.data, inputs[:1]) != digest and len(calls) == 2
    (L.data / "value.txt").write_text("42\n")  # the next build sees the edit
    assert cache.Fingerprint.of(L.data, L.src).files_digest(L.data, inputs) != digest
def test_installed_packages_are_the_names_and_versions_importlib_reads():
    """Read from each distribution's header block only, they are those of its full metadata."""
    expected: dict[str, str] = {}
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if name:
            expected.setdefault(name, dist.version)
    assert cache.installed_packages() == dict(sorted(expected.items()))


def test_writes_are_all_or_nothing(tmp_path, monkeypatch):
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    a.write_text("old a")
    b.write_text("old b")
    real = files._stage

    def full_disk(path, data):
        if path.name == "b.html":
            raise OSError(28, "No space left on device")
        return real(path, data)

    monkeypatch.setattr(files, "_stage", full_disk)
    with pytest.raises(OSError):
        write_files({a: "new a", b: "new b"})
    assert a.read_text() == "old a" and b.read_text() == "old b"
    assert not list(tmp_path.glob(".*.tmp"))
    monkeypatch.setattr(files, "_stage", real)
    write_files({a: "new a", b: "new b"})
    assert a.read_text() == "new a" and b.read_text() == "new b"


def test_index_escapes_everything_and_is_self_contained():
    evil = "<script>alert('x')</script> & <b>"
    manifest = {"generated_at": "2026-01-01T00:00:00+07:00", "reports": [
        {"name": "r1", "notebook": "notebooks/x.ipynb", "parameters": {"label": evil},
         "status": "failed", "error": {"message": f"ValueError: {evil}"},
         "failed_notebook": "failed/r1.ipynb", "outputs": {"html": {"path": "html/r1.html"}},
         "executed": "executed/r1.ipynb", "built_at": "2026-01-01T00:00:00+07:00",
         "seconds": 1.25},
        {"name": "r2", "notebook": "notebooks/y.ipynb", "parameters": {}, "status": "ok",
         "outputs": {"pdf": {"path": "pdf/r2.pdf"}}, "seconds": 2}]}
    page = index.render_build_page(manifest)
    assert "<script" not in page and "alert(&#x27;x&#x27;)" in page
    assert "&amp; &lt;b&gt;" in page
    assert "Báo cáo" in page and "Reports" in page and "Trạng thái" in page and "Status" in page
    assert 'href="html/r1.html"' in page and 'href="failed/r1.ipynb"' in page
    assert 'href="pdf/r2.pdf"' in page and "1 thành công" in page and "1 failed" in page
    assert "http://" not in page and "https://" not in page and "<link" not in page
    assert "src=" not in page


def test_cli_help_lists_build():
    run = subprocess.run([sys.executable, "-m", "analysis", "--help"], capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0 and "build" in run.stdout
    assert engine.format_summary(engine.BuildSummary()).endswith("kernels started: 0")


def test_landing_page_links_findings_to_claim_anchors():
    manifest = {"generated_at": "2026-12-03T08:00:00+00:00", "reports": [
        {"name": "01_poverty_trajectory_phu-yen_vi", "notebook": "notebooks/01_x.ipynb",
         "parameters": {"province": "Phú Yên", "lang": "vi"}, "status": "ok",
         "outputs": {"pdf": {"path": "pdf/01_poverty_trajectory_phu-yen_vi.pdf"}},
         "facts": {"facts": {"province": "Phú Yên", "first_rate": "12,62",
                             "first_rate_ids": "c09;c08", "first": "đầu 2016"}}}]}
    found = index.findings(manifest, "vi", "source/x.html")
    assert ("12,62", "source/x.html#claim-c09") in found[0]
    page = index.render_landing(manifest, "vi", findings=found)
    assert 'href="source/x.html#claim-c09"' in page and "%23" not in page
    assert 'href="pdf/01_poverty_trajectory_phu-yen_vi.pdf"' in page


def test_notebook_defaults_are_the_article_s_province_and_languages():
    """The one default province (the article's first) and the languages a notebook accepts
    are not typed per notebook: the parameters cells' defaults agree with the data layer."""
    from analysis.data.config import LANGS, notebook_parameters
    from analysis.data.provinces import default_province

    for path in sorted(paths.NOTEBOOKS.glob("0*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        declared = notebook_parameters(nb)
        allowed = nb["metadata"]["analysis"]["allowed"]
        assert declared["lang"] == LANGS[0] and allowed["lang"] == "langs", path.name
        if "province" in declared:
            assert declared["province"] == default_province(), path.name
            assert allowed["province"] in ("provinces", "article_provinces"), path.name
