"""The layers of src/analysis are a contract (import-linter, pyproject.toml): a module imports
only from layers below its own, and only the data layer opens a data file."""

from __future__ import annotations

import ast
import pkgutil
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import analysis
from analysis.build import derive, extract
from analysis.data import inputs, paths
from analysis.reading.article import load_article
from analysis.show import annotate

LINT = str(Path(sys.executable).with_name("lint-imports"))


def _contract() -> dict:
    config = tomllib.loads((paths.PROJ_ROOT / "pyproject.toml").read_text())
    (contract,) = config["tool"]["importlinter"]["contracts"]
    return contract


def _lint(root: Path, src: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LINT, str(root / "pyproject.toml")], cwd=root,
                          env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=120, check=False)


def test_every_subpackage_is_a_layer_of_the_contract():
    contract = _contract()
    assert contract["type"] == "layers"
    layered = {name for layer in contract["layers"] for name in layer.split(" | ")}
    packages = {f"analysis.{m.name}" for m in pkgutil.iter_modules(analysis.__path__)}
    assert packages == layered
    order = [layer.split(".")[-1] for layer in contract["layers"]]
    assert order == ["__main__", "cli", "build", "show", "compute", "reading", "data", "errors"]


def test_the_layers_contract_holds():
    done = _lint(paths.PROJ_ROOT, paths.PROJ_ROOT / "src")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    shutil.copytree(paths.PACKAGE_DIR, tmp_path / "src" / "analysis",
                    ignore=shutil.ignore_patterns("__pycache__", "fonts", "translations"))
    shutil.copy(paths.PROJ_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "src" / "analysis" / "data" / "files.py"
    target.write_text(target.read_text() + "\nfrom analysis.show import i18n  # noqa\n")
    done = _lint(tmp_path, tmp_path / "src")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "analysis.data.files -> analysis.show.i18n" in done.stdout


def test_only_the_data_layer_opens_a_data_file(tmp_path):
    """Every file opened under data/ while the package extracts, checks and annotates the
    article is opened by a module of `analysis.data` (the nearest `analysis` frame)."""
    data = paths.DATA.resolve()
    openers: dict[str, set[str]] = {}

    def hook(event: str, args: tuple) -> None:
        if event != "open" or not isinstance(args[0], str | Path):
            return
        try:
            path = Path(args[0]).resolve()
        except (OSError, ValueError):
            return
        if data not in path.parents:
            return
        frame = sys._getframe(1)
        while frame is not None and not frame.f_globals.get("__name__", "").startswith(
                "analysis."):
            frame = frame.f_back
        module = frame.f_globals["__name__"] if frame is not None else "?"
        openers.setdefault(module, set()).add(str(path.relative_to(data)))

    sys.addaudithook(hook)
    try:
        inputs.check_inputs()
        derive.stale()  # the derived files' records and the inputs they name
        extract.extract(out_dir=tmp_path / "processed")
        annotate.write_annotated(out_dir=tmp_path / "source")
        load_article()
    finally:
        data = Path("/nonexistent")  # the hook cannot be removed: make it inert
    assert openers, "the hook saw no data file opened"
    assert {m for m in openers if not m.startswith("analysis.data.")} == set(), openers
    assert {"external/vietnam_provinces_63_codes.csv", "raw/000_e03e84a75c12cd48.txt",
            "processed/claims.csv", "codebook.yml", "audit_checks.yml",
            "processed/province_shapes.geojson", "processed/province_shapes.meta.json",
            "processed/gso_ranks.meta.json"} <= set().union(*openers.values())


@pytest.mark.parametrize("layer", ["data", "reading", "compute", "show", "build"])
def test_every_layer_says_what_it_holds_and_what_it_may_import(layer):
    doc = __import__(f"analysis.{layer}", fromlist=["_"]).__doc__ or ""
    assert doc.strip() and "May import" in doc


DEFERRED = "# deferred import (README: Architecture)"
#: cli.py imports each command's module when the command runs; the zygote imports, once, what
#: every forked kernel shares (that is its job).
EXEMPT = ("cli.py", "zygote.py")


def test_imports_are_at_the_top_but_for_the_measured_slow_ones():
    """An import inside a function is one of the few the README lists with its measured cost,
    marked in the code; the CLI imports each command's module when the command runs."""
    unmarked = []
    for path in sorted(paths.PACKAGE_DIR.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        tree = ast.parse("\n".join(lines))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.Import | ast.ImportFrom) \
                        and path.name not in EXEMPT and DEFERRED not in lines[node.lineno - 1]:
                    unmarked.append(f"{path.relative_to(paths.PACKAGE_DIR)}:{node.lineno}")
    assert not unmarked, unmarked
    readme = (paths.PROJ_ROOT / "README.md").read_text(encoding="utf-8")
    assert "**Deferred imports.**" in readme
