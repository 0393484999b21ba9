"""Shared set-up for the build-engine tests: a throw-away project (notebooks, data, a helper
module standing in for src/analysis, reports) that the engine is pointed at through `Layout`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from analysis.build import engine
from analysis.data import paths

TEST_NOTEBOOKS = Path(__file__).parent / "notebooks"


class Project:
    """A temp copy of the project layout with the test notebooks."""

    def __init__(self, root: Path) -> None:
        self.root = root
        # the project's data: the CLI validates the data folder before any kernel starts
        shutil.copytree(paths.DATA, root / "data", ignore=shutil.ignore_patterns("corpus", ".*"))
        for sub in ("notebooks", "src"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        for nb in TEST_NOTEBOOKS.glob("*.ipynb"):
            shutil.copy(nb, root / "notebooks" / nb.name)
        # flaky.ipynb: a copy a test can swap between a good and a failing notebook
        shutil.copy(TEST_NOTEBOOKS / "fail.ipynb", root / "notebooks" / "flaky.ipynb")
        (root / "data" / "value.txt").write_text("41\n", encoding="utf-8")
        (root / "src" / "helper.py").write_text("VALUE = 1\n", encoding="utf-8")
        self.layout = engine.Layout(root=root, config=root / "notebooks" / "reports.yml",
                                   data=root / "data", src=root / "src",
                                   reports=root / "reports", work=root / ".cache")
        self.log: list[str] = []

    @property
    def reports(self) -> Path:
        return self.layout.reports

    def config(self, text: str) -> Path:
        self.layout.config.write_text(text, encoding="utf-8")
        return self.layout.config

    def build(self, **kw) -> engine.BuildSummary:
        kw.setdefault("progress", False)
        return engine.build(layout=self.layout, log=self.log.append, **kw)

    def cli(self, *args: str, **kw) -> subprocess.CompletedProcess:
        cmd = [sys.executable, "-m", "analysis", "build", "--config", str(self.layout.config),
               "--reports-dir", str(self.reports), "--data-dir", str(self.layout.data),
               "--src-dir", str(self.layout.src), *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=kw.pop("timeout", 180),
                              **kw)

    def popen(self, *args: str) -> subprocess.Popen:
        cmd = [sys.executable, "-m", "analysis", "build", "--config", str(self.layout.config),
               "--reports-dir", str(self.reports), "--data-dir", str(self.layout.data),
               "--src-dir", str(self.layout.src), *args]
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)


def fail_first_kernel_start(monkeypatch) -> list[tuple[str, dict]]:
    """Make the first kernel a job starts fail as a ZMQ port race would, so the engine must
    retry with a new kernel manager; return the (ipc path, options) each manager was made with."""
    real = engine._ipc_kernel_manager
    calls: list[tuple[str, dict]] = []

    def flaky_manager(base, ipc, log, counter, **kw):
        cls = real(base, ipc, log, counter, **kw)
        calls.append((ipc, kw))
        if len(calls) > 1:
            return cls

        class PortTaken(cls):
            async def start_kernel(self, **kw):
                counter["kernels"] += 1
                raise RuntimeError("Address already in use (simulated ZMQ port race)")
        return PortTaken

    monkeypatch.setattr(engine, "_ipc_kernel_manager", flaky_manager)
    return calls


def outcome(summary: engine.BuildSummary, name: str) -> engine.Outcome:
    return next(o for o in summary.outcomes if o.job.name == name)


def visible_files(reports: Path) -> list[Path]:
    """Report files a reader could open (hidden temp/lock/cache files excluded)."""
    return [p for p in reports.rglob("*") if p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(reports).parts)]
