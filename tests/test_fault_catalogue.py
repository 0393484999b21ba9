"""The catalogue of what can go wrong: each case is answered by a one-line error that
says what, where and how to fix it, a non-zero exit, and nothing already built lost.

`CATALOGUE` is the table the README's troubleshooting section summarises. Rows with a command
run here through the real CLI; rows whose behaviour needs kernels (execution faults) or a
throw-away project name the test that exercises them, and a test below checks those exist.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from analysis.cli import main
from analysis.data import paths

TESTS = Path(__file__).parent


@dataclass(frozen=True)
class Case:
    case: str
    input: str  # what the user feeds
    fragment: str  # in the one-line message (stderr on failure, stdout on success)
    exit: int
    command: tuple[str, ...] = ()  # CLI arguments after `python -m analysis`; {tmp} expands
    setup: Callable[[Path], None] | None = None
    covered_by: str = ""  # tests/<file>::<test>[<id>] when run elsewhere


# ---------------------------------------------------------------- inputs made per case

ARTICLE = paths.ARTICLE.read_text(encoding="utf-8")


def _write(name: str, data: bytes) -> Callable[[Path], None]:
    return lambda tmp: (tmp / name).write_bytes(data)


def _huge(tmp: Path) -> None:
    with (tmp / "huge.txt").open("wb") as fh:  # sparse: 30 MB on paper, no disk used
        fh.truncate(30 * 1024 * 1024)


def _data_copy(edit: Callable[[Path], None]) -> Callable[[Path], None]:
    def setup(tmp: Path) -> None:
        shutil.copytree(paths.DATA, tmp / "data")
        edit(tmp / "data")
    return setup


def _sub(rel: str, old: str, new: str, count: int = 1) -> Callable[[Path], None]:
    def edit(data: Path) -> None:
        f = data / rel
        text = f.read_text(encoding="utf-8")
        assert old in text, (rel, old)
        f.write_text(text.replace(old, new, count), encoding="utf-8")
    return edit


def _drop_line(rel: str, index: int) -> Callable[[Path], None]:
    def edit(data: Path) -> None:
        f = data / rel
        lines = f.read_text(encoding="utf-8").splitlines(keepends=True)
        del lines[index]
        f.write_text("".join(lines), encoding="utf-8")
    return edit


def _truncate(rel: str, size: int) -> Callable[[Path], None]:
    def edit(data: Path) -> None:
        f = data / rel
        f.write_bytes(f.read_bytes()[:size])
    return edit


def _remove(rel: str) -> Callable[[Path], None]:
    return lambda data: (data / rel).unlink()


GEOJSON = ("external/boundaries/geoboundaries_VNM_ADM1_build_2023-12-12/"
           "geoBoundaries-VNM-ADM1.geojson")
EXTRACT = ("extract", "--article")
CHECK = ("check", "--data-dir", "{tmp}/data")

CATALOGUE: list[Case] = [
    # ---- article
    Case("empty article", "a 0-byte file", "article file is empty", 2,
         (*EXTRACT, "{tmp}/a.txt", "--out", "{tmp}/out"), _write("a.txt", b"")),
    Case("Windows-1258 article", "the article encoded cp1258", "not UTF-8", 2,
         (*EXTRACT, "{tmp}/a.txt", "--out", "{tmp}/out"),
         _write("a.txt", "Giảm nghèo ở Phú Yên, 2020".encode("cp1258", "replace") + b"\xd2")),
    Case("UTF-16 article", "the article encoded UTF-16", "is UTF-16, not UTF-8", 2,
         (*EXTRACT, "{tmp}/a.txt", "--out", "{tmp}/out"),
         _write("a.txt", ARTICLE.encode("utf-16"))),
    Case("article with a BOM", "UTF-8 with a byte-order mark", "12 quantitative claims", 0,
         (*EXTRACT, "{tmp}/a.txt", "--out", "{tmp}/out"),
         _write("a.txt", b"\xef\xbb\xbf" + ARTICLE.encode())),
    Case("decomposed (NFD) article", "the article in NFD", "15 enumerated lessons", 0,
         (*EXTRACT, "{tmp}/a.txt", "--out", "{tmp}/out"),
         _write("a.txt", unicodedata.normalize("NFD", ARTICLE).encode())),
    Case("page with no article body", "navigation and a headline only",
         "no recognisable article body", 2, (*EXTRACT, "{tmp}/a.txt", "--out", "{tmp}/out"),
         _write("a.txt", "Trang chủ\n15:38 | 20/12/2020 GMT+7\nTiêu đề\naa\n".encode())),
    Case("article without figures or lessons", "a short text with neither",
         "no figures and no enumerated lessons (tables are empty)", 0,
         (*EXTRACT, "{tmp}/a.txt", "--out", "{tmp}/out"),
         _write("a.txt", "Tin ngắn\n\nHôm nay người dân đi chơi ở công viên thành phố.\n"
                .encode())),
    Case("huge article file", "30 MB", "more than the 8 MB", 2,
         (*EXTRACT, "{tmp}/huge.txt", "--out", "{tmp}/out"), _huge),
    Case("missing article file", "a path that does not exist", "article file not found", 2,
         (*EXTRACT, "{tmp}/nope.txt", "--out", "{tmp}/out")),
    Case("annotate a bad article", "a UTF-16 file", "is UTF-16, not UTF-8", 2,
         ("annotate", "{tmp}/a.txt", "--out", "{tmp}/source"),
         _write("a.txt", ARTICLE.encode("utf-16"))),
    # ---- data
    Case("processed CSV missing a column", "claims.csv without `unit`",
         "missing column 'unit'", 2, CHECK,
         _data_copy(_sub("processed/claims.csv", ",unit,indicator,", ",indicator,"))),
    Case("processed CSV wrong type", "a word in `value`", "column 'value'", 2, CHECK,
         _data_copy(_sub("processed/claims.csv", ",10271.0,", ",nhiều,"))),
    Case("processed CSV duplicated key", "claim id c02 twice", "duplicated key", 2, CHECK,
         _data_copy(_sub("processed/claims.csv", "c03,", "c02,"))),
    Case("processed rate above 100", "3,93% typed as 393", "rate_0_100", 2, CHECK,
         _data_copy(_sub("processed/claims.csv", ",3.93,", ",393.0,"))),
    Case("processed negative count", "-10271 households", "row 1", 2, CHECK,
         _data_copy(_sub("processed/claims.csv", ",10271.0,", ",-10271.0,"))),
    Case("external rate above 100", "GSO 15.5 typed as 155", "rate outside 0–100", 2, CHECK,
         _data_copy(_sub("external/gso_poverty_rate_by_province_2006_2016.csv",
                         ",15.5,percent", ",155,percent"))),
    Case("external duplicated key", "a GSO row twice", "duplicated key", 2, CHECK,
         _data_copy(_sub("external/gso_poverty_rate_by_province_2006_2016.csv",
                         "country,Cả nước,WHOLE COUNTRY,VN,,2008",
                         "country,Cả nước,WHOLE COUNTRY,VN,,2006"))),
    Case("external file missing", "no targets CSV", "file not found", 2, CHECK,
         _data_copy(_remove("external/poverty_reduction_targets.csv"))),
    Case("province table missing a province", "62 rows", "63", 2, CHECK,
         _data_copy(_drop_line("external/vietnam_provinces_63_codes.csv", 40))),
    Case("malformed GeoJSON", "the boundary file cut in half", "GeoJSON", 2, CHECK,
         _data_copy(_truncate(GEOJSON, 300_000))),
    Case("derived file older than its input", "a GSO rate edited, ranks not derived again",
         "derived file out of date: its input external/gso_poverty_rate_by_province", 2, CHECK,
         _data_copy(_sub("external/gso_poverty_rate_by_province_2006_2016.csv",
                         ",15.5,percent", ",15.4,percent"))),
    Case("codebook duplicate theme id", "two themes with one id", "duplicate", 2, CHECK,
         _data_copy(_sub("codebook.yml", "- id: housing", "- id: communication_persuasion"))),
    Case("codebook invalid YAML", "an unclosed bracket", "invalid YAML", 2, CHECK,
         _data_copy(lambda d: (d / "codebook.yml").write_text("themes: [\n", encoding="utf-8"))),
    Case("audit checks invalid YAML", "an unclosed bracket", "invalid YAML", 2, CHECK,
         _data_copy(lambda d: (d / "audit_checks.yml").write_text("checks: [\n",
                                                                   encoding="utf-8"))),
    # ---- parameters and configuration (no kernel starts)
    Case("unknown province", "province: Phu Yenn", "did you mean: Phú Yên", 2,
         covered_by="test_build_config.py::test_cli_prints_one_line_and_exits_2"),
    Case("unknown province in the grid", "province: Phu Yenn", "unknown province",
         2, covered_by="test_build_config.py::test_configuration_faults_fail_before_any_kernel"
         "[unknown province]"),
    Case("wrong parameter type", "code: 2139 where the default is text", "is a number", 2,
         covered_by="test_build_config.py::test_configuration_faults_fail_before_any_kernel"
         "[wrong type]"),
    Case("unknown lang", "lang: fr", "unknown lang 'fr'", 2,
         covered_by="test_build_config.py::test_configuration_faults_fail_before_any_kernel"
         "[unknown lang]"),
    Case("string carrying quotes, newlines, code", "label: '\"; import os\\n'",
         "stays a string", 0,
         covered_by="test_build.py::test_build_exports_records_and_rebuilds_only_what_changed"),
    Case("province or name carrying ../", "province: ../../etc; name: '../{stem}'",
         "path separator", 2,
         covered_by="test_build_config.py::test_configuration_faults_fail_before_any_kernel"
         "[template with a path]"),
    Case("names stay inside reports/", "values with / and ..", "inside reports", 0,
         covered_by="test_build_config.py::test_names_are_sanitised_and_stay_inside_reports"),
    Case("grid names a missing notebook", "notebook: prbe.ipynb", "not found", 2,
         covered_by="test_build_config.py::test_configuration_faults_fail_before_any_kernel"
         "[missing notebook]"),
    Case("output names collide", "name: '{stem}' over two langs", "produced twice", 2,
         covered_by="test_build_config.py::test_configuration_faults_fail_before_any_kernel"
         "[colliding names]"),
    Case("notebook parameter validated in the notebook", "province: Hà Nội in 01",
         "unknown province", 1,
         covered_by="test_notebooks_01_04.py::test_01_rejects_an_unknown_province_before_any_work"),
    # ---- execution (real kernels, in the build tests)
    Case("a cell that raises", "raise ValueError", "cell", 1,
         covered_by="test_build.py::test_failures_are_isolated_reported_and_keep_the_last_good_"
         "report"),
    Case("a kernel that dies", "os._exit(1)", "kernel died", 1,
         covered_by="test_build.py::test_failures_are_isolated_reported_and_keep_the_last_good_"
         "report"),
    Case("a cell past the timeout", "sleep > timeout", "timed out", 1,
         covered_by="test_build.py::test_failures_are_isolated_reported_and_keep_the_last_good_"
         "report"),
    Case("build interrupted (SIGINT, SIGKILL)", "a signal mid-build", "interrupted", 130,
         covered_by="test_build.py::test_interrupted_build_leaves_reports_and_cache_valid"),
    Case("two builds at once", "a held lock", "another build is running", 2,
         covered_by="test_build_config.py::test_second_build_waits_for_no_one_and_says_why"),
    Case("reports/ not writable", "a file where the folder should be",
         "reports folder is not writable", 2,
         covered_by="test_build_config.py::test_reports_folder_not_writable"),
    Case("full disk", "a failing write", "No space left", 1,
         covered_by="test_build.py::test_full_disk_keeps_previous_reports_and_cache"),
    # ---- reports
    Case("HTML in a parameter or the index", "<script>, &, <", "escaped", 0,
         covered_by="test_build_config.py::test_index_escapes_everything_and_is_self_contained"),
    Case("HTML in the article", "<script> in the headline", "escaped", 0,
         covered_by="test_annotate.py::test_hostile_article_is_escaped"),
]

RUN_HERE = [c for c in CATALOGUE if c.command]
ELSEWHERE = [c for c in CATALOGUE if c.covered_by]


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> subprocess.CompletedProcess:
    """The CLI in-process (same code path as `python -m analysis`, without the start-up)."""
    capsys.readouterr()
    code = main(args)
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out, err)


def _tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode() + p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def processed_before() -> str:
    return _tree_digest(paths.PROCESSED)


@pytest.mark.parametrize("case", RUN_HERE, ids=[c.case for c in RUN_HERE])
def test_catalogue_case(case: Case, tmp_path: Path, processed_before: str,
                        capsys: pytest.CaptureFixture[str]) -> None:
    if case.setup:
        case.setup(tmp_path)
    run = _cli([a.replace("{tmp}", str(tmp_path)) for a in case.command], capsys)
    assert run.returncode == case.exit, (case.case, run.stdout, run.stderr)
    if case.exit == 0:
        assert case.fragment in run.stdout, (case.case, run.stdout)
    else:
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1, f"{case.case}: expected one line, got {run.stderr!r}"
        line = lines[0]
        assert line.startswith("error: ") and "Traceback" not in run.stderr
        assert case.fragment in line, (case.case, line)
        assert "fix:" in line, f"{case.case}: the message must say how to fix it: {line}"
        assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir()), (
            "a failed extraction must not leave partial tables")
    # nothing already built is touched: the committed processed tables stay as they were
    assert _tree_digest(paths.PROCESSED) == processed_before


def test_the_real_process_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"")
    run = subprocess.run([sys.executable, "-m", "analysis", "extract", "--article",
                          str(tmp_path / "a.txt"), "--out", str(tmp_path / "out")],
                         capture_output=True, text=True, timeout=300, cwd=paths.PROJ_ROOT)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'a.txt'}: article file is empty — fix: save the page's text "
        "(UTF-8) into it"]


@pytest.mark.parametrize("case", ELSEWHERE, ids=[c.case for c in ELSEWHERE])
def test_catalogue_case_is_exercised_by_a_named_test(case: Case) -> None:
    file, _, test = case.covered_by.partition("::")
    name, _, param = test.partition("[")
    source = (TESTS / file).read_text(encoding="utf-8")
    assert re.search(rf"^def {re.escape(name)}\(", source, flags=re.M), case.covered_by
    if param:
        assert f'("{param[:-1]}"' in source, f"{case.covered_by}: no case {param[:-1]!r}"
