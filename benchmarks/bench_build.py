"""Build benchmark (`make bench`): the batch engine against the loop a user would write by hand.

Scenarios, side by side in one run, each in its own reports folder under a temporary work
folder (the user's reports/ is not written, except reports/figures/, see the README):

  a  hand loop: per job `papermill` CLI (parameters as YAML, types kept), `jupyter nbconvert
     --to html`, `--to html --no-input`, and a small PDF script (pandoc from pypandoc-binary
     → Typst → the typst wheel); serially
  b  `python -m analysis build --force --workers 1`
  c  `python -m analysis build --force` (default workers: the number of cores)
  d  the same build again, nothing changed
  e1 the same build after `touch` of one data file (mtime only, same bytes)
  e2 the same build after an edit of one data file that only some notebooks read
  f  `python -m analysis build --force` of the whole declared grid (notebooks/reports.yml,
     148 jobs) from an empty reports folder, whatever --grid and --only say

Reported per scenario: median wall time over the rounds, ratio against (a) (for f, per
report: its grid is not (a)'s), kernels started (the engine's manifest; for the hand loop one
per papermill run) and kernels actually seen running (launched or forked from a zygote), peak
memory of the whole process tree (psutil sampling; without psutil only the largest single
child from getrusage), and for rebuilds which reports were rebuilt. For the engine's cold
builds (b, c, f), where each report's time went: kernel forked or spawned, kernel start, the
import cell, each other cell, teardown and each export (the engine's timings in the cache
records, papermill's cell times in the executed notebooks), as medians per notebook.

    python benchmarks/bench_build.py                      # benchmarks/bench_grid.yml + f
    python benchmarks/bench_build.py --grid full          # notebooks/reports.yml (148 jobs)
    python benchmarks/bench_build.py --only 00_ --rounds 1 --heavy-rounds 1 --no-save
    python benchmarks/bench_build.py --scenarios f        # only the cold full grid
    python benchmarks/bench_build.py --profile 05_national_context_phu-yen_vi  # one job
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DEFAULT_GRID = ROOT / "benchmarks" / "bench_grid.yml"
FULL_GRID = ROOT / "notebooks" / "reports.yml"
RESULTS = ROOT / "benchmarks" / "results"
# Read by notebook 05 only (the choropleth). Relative to data/.
DATA_FILE = Path("external/boundaries/geoboundaries_VNM_ADM1_build_2023-12-12/"
                 "geoBoundaries-VNM-ADM1.geojson")
DEPENDS_ON_DATA_FILE = ("05_national_context.ipynb",)
# Made from it by the build (analysis.build.derive) when it changes: restored with it.
DERIVED_FROM_DATA_FILE = (Path("processed/province_shapes.geojson"),
                          Path("processed/province_shapes.meta.json"))
SCENARIOS = ("a", "b", "c", "d", "e1", "e2", "f")
LABELS = {
    "a": "hand loop: papermill CLI + nbconvert ×2 + pandoc/typst, serial",
    "b": "analysis build --force --workers 1",
    "c": "analysis build --force (default workers)",
    "d": "rebuild, nothing changed",
    "e1": "rebuild after touch (mtime only) of one data file",
    "e2": "rebuild after editing one data file (read by 05 only)",
    "f": "cold full grid: analysis build --force, notebooks/reports.yml",
}
HEAVY = {"a", "b", "c", "e2", "f"}
ZYGOTE = "analysis.build.zygote"


# ---------------------------------------------------------------- the hand loop's PDF script


def pdf_step(executed: str, pdf: str) -> None:
    """What a user's per-job PDF script does: pandoc ipynb → Typst, then the typst wheel."""
    import pypandoc
    import typst

    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        typ = Path(tmp) / "report.typ"
        subprocess.run([pypandoc.get_pandoc_path(), str(Path(executed).resolve()), "-f", "ipynb",
                        "-t", "typst", "-s", "-o", str(typ), "--extract-media=media"],
                       cwd=tmp, check=True)
        typst.compile(str(typ), output=str(Path(pdf).resolve()), root=tmp)


# ---------------------------------------------------------------- measuring


class Sampler:
    """Peak memory of this process's children (summed over the tree and the largest single
    process) and the kernels seen running, sampled every `interval` seconds with psutil."""

    def __init__(self, interval: float = 0.1) -> None:
        try:
            import psutil
        except ImportError:  # not a dependency of ours; the venv has it through ipykernel
            psutil = None
        self.psutil, self.interval = psutil, interval
        self.peak_tree = self.peak_one = 0
        self.kernels: set[int] = set()
        self._cmd: dict[int, bool] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _is_kernel(self, proc: Any) -> bool:
        """A kernel: `python -m ipykernel_launcher`, or a fork of a build worker's zygote
        (its command line is the zygote's; the zygote itself is not a kernel)."""
        if proc.pid not in self._cmd:
            try:
                cmd = " ".join(proc.cmdline())
                forked = ZYGOTE in cmd and ZYGOTE in " ".join(proc.parent().cmdline())
                self._cmd[proc.pid] = "ipykernel_launcher" in cmd or forked
            except Exception:  # noqa: BLE001 — gone or a zombie
                return False
        return self._cmd[proc.pid]

    def _run(self) -> None:
        me = self.psutil.Process()
        while not self._stop.is_set():
            total = 0
            try:
                children = me.children(recursive=True)
            except Exception:  # noqa: BLE001
                children = []
            for p in children:
                try:
                    rss = p.memory_info().rss
                except Exception:  # noqa: BLE001
                    continue
                total += rss
                self.peak_one = max(self.peak_one, rss)
                if self._is_kernel(p):
                    self.kernels.add(p.pid)
            self.peak_tree = max(self.peak_tree, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> Sampler:
        if self.psutil is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self.psutil is not None:
            self._thread.join()

    def result(self) -> dict[str, Any]:
        if self.psutil is None:  # the largest child so far in this whole run (KiB on Linux)
            kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            return {"peak_tree_mb": None, "peak_process_mb": round(kib / 1024, 1),
                    "kernels_seen": None}
        return {"peak_tree_mb": round(self.peak_tree / 2**20, 1),
                "peak_process_mb": round(self.peak_one / 2**20, 1),
                "kernels_seen": len(self.kernels)}


def _env(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    for var, sub in (("MPLCONFIGDIR", "matplotlib"), ("IPYTHONDIR", "ipython"),
                     ("JUPYTER_RUNTIME_DIR", "jupyter-runtime")):
        (work / "homes" / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(work / "homes" / sub)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _run(cmd: list[str], env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise SystemExit(f"benchmark step failed (exit {proc.returncode}): {' '.join(cmd)}\n"
                         f"{tail}")
    return proc


def load_jobs(grid: Path, only: list[str]) -> list[Any]:
    """The grid's jobs after --only, exactly as the engine selects them (its dry run)."""
    from analysis.build import engine

    layout = engine.Layout(config=grid, reports=Path(tempfile.mkdtemp(prefix="bench-dry-")))
    try:
        summary = engine.build(layout=layout, only=only or None, dry_run=True,
                              log=lambda msg: None)
    finally:
        shutil.rmtree(layout.reports, ignore_errors=True)
    return [o.job for o in summary.outcomes]


def hand_loop(jobs: list[Any], out: Path, env: dict[str, str]) -> dict[str, Any]:
    """(a): one papermill CLI, two nbconvert CLIs and one PDF script per job, serially."""
    import yaml

    kernels = 0
    for job in jobs:
        executed = out / "executed" / f"{job.name}.ipynb"
        executed.parent.mkdir(parents=True, exist_ok=True)
        params = yaml.safe_dump(dict(job.parameters), allow_unicode=True)
        _run([str(BIN / "papermill"), str(job.notebook), str(executed), "-y", params,
              "--cwd", str(job.notebook.parent), "-k", "python3", "--no-progress-bar"], env)
        kernels += 1
        for fmt, extra in (("html", []), ("html-nocode", ["--no-input"])):
            if fmt in job.formats:
                _run([str(BIN / "jupyter"), "nbconvert", "--to", "html", *extra, str(executed),
                      "--output-dir", str(out / fmt), "--output", job.name], env)
        if "pdf" in job.formats:
            (out / "pdf").mkdir(exist_ok=True)
            _run([sys.executable, str(Path(__file__).resolve()), "--pdf-step", str(executed),
                  str(out / "pdf" / f"{job.name}.pdf")], env)
    return {"kernels_started": kernels, "outputs": _count_outputs(out)}


def _count_outputs(out: Path) -> int:
    return sum(1 for fmt in ("html", "html-nocode", "pdf") if (out / fmt).is_dir()
               for p in (out / fmt).iterdir() if p.suffix in (".html", ".pdf"))


def engine(grid: Path, only: list[str], reports: Path, data: Path, env: dict[str, str], *,
           force: bool = False, workers: int | None = None) -> dict[str, Any]:
    """One `python -m analysis build` run; what it built and what it took from the cache."""
    cmd = [sys.executable, "-m", "analysis", "build", "--config", str(grid),
           "--reports-dir", str(reports), "--data-dir", str(data)]
    cmd += [f"--only={p}" for p in only]
    if force:
        cmd.append("--force")
    if workers is not None:
        cmd += ["--workers", str(workers)]
    proc = _run(cmd, env)
    built, cached = [], []
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[1] == "ok":
            (built if parts[3] in ("built", "exported") else cached).append(parts[0])
    # the summary's count: the manifest keeps the last build that changed a report
    started = re.search(r"kernels started: (\d+)", proc.stdout)
    return {"kernels_started": int(started.group(1)) if started else None, "built": built,
            "cached": len(cached), "outputs": _count_outputs(reports)}


def timed(fn: Any, *args: Any, **kw: Any) -> dict[str, Any]:
    with Sampler() as sampler:
        t0 = time.perf_counter()
        res = fn(*args, **kw)
        seconds = time.perf_counter() - t0
    return {"seconds": round(seconds, 3), **res, **sampler.result()}


# ---------------------------------------------------------------- where a report's time goes

SKIP_TAGS = {"parameters", "injected-parameters"}


def cell_durations(nb: dict[str, Any]) -> list[float]:
    """papermill's duration of each code cell after the parameters (the first is the
    notebook's imports and first loads)."""
    return [float(c.get("metadata", {}).get("papermill", {}).get("duration") or 0)
            for c in nb["cells"] if c["cell_type"] == "code"
            and not SKIP_TAGS & set(c.get("metadata", {}).get("tags", []))]


def breakdown(reports: Path) -> list[dict[str, Any]]:
    """Per report built into `reports`: where its time went, from the engine's timings in its
    cache record (kernel forked or spawned, kernel start, teardown, each export) and
    papermill's per-cell durations in its executed notebook."""
    rows = []
    for path in sorted((reports / ".cache").glob("*.json")):
        rec = json.loads(path.read_text(encoding="utf-8"))
        executed = reports / rec.get("executed", "")
        if rec.get("status") != "ok" or not executed.is_file():
            continue
        cells = cell_durations(json.loads(executed.read_text(encoding="utf-8")))
        t = rec.get("timings") or {}
        rows.append({"name": rec["name"], "notebook": Path(rec["notebook"]).stem[:2],
                     "kernel": t.get("kernel"), "kernel_start_s": t.get("kernel_start"),
                     "import_cell_s": cells[0] if cells else None, "cells_s": cells[1:],
                     "teardown_s": t.get("teardown"), "exports_s": t.get("exports") or {},
                     "total_s": rec.get("seconds")})
    return rows


def _median(values: list[Any]) -> float | None:
    values = [v for v in values if isinstance(v, int | float)]
    return round(statistics.median(values), 3) if values else None


def breakdown_table(rows: list[dict[str, Any]]) -> str:
    """Medians per notebook: kernel start, import cell, each other cell, teardown, each
    export, total (seconds)."""
    head = ("nb", "n", "kernel", "start", "imports", "other cells (each)", "teardown",
            "html", "nocode", "pdf", "total")
    lines = []
    for nb in sorted({r["notebook"] for r in rows}):
        rs = [r for r in rows if r["notebook"] == nb]
        n_cells = max(len(r["cells_s"]) for r in rs)
        each = [_median([r["cells_s"][i] for r in rs if i < len(r["cells_s"])])
                for i in range(n_cells)]

        def f(x: float | None) -> str:
            return "-" if x is None else f"{x:.2f}"

        lines.append((nb, str(len(rs)), "/".join(sorted({str(r["kernel"]) for r in rs})),
                      f(_median([r["kernel_start_s"] for r in rs])),
                      f(_median([r["import_cell_s"] for r in rs])),
                      " ".join(f(x) for x in each),
                      f(_median([r["teardown_s"] for r in rs])),
                      *(f(_median([r["exports_s"].get(k) for r in rs]))
                        for k in ("html", "html-nocode", "pdf")),
                      f(_median([r["total_s"] for r in rs]))))
    widths = [max(len(r[i]) for r in [head, *lines]) for i in range(len(head))]
    out = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
           for r in [head, *lines]]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)


def breakdown_medians(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per notebook: the medians of breakdown_table, as data."""
    out = {}
    for nb in sorted({r["notebook"] for r in rows}):
        rs = [r for r in rows if r["notebook"] == nb]
        n_cells = max(len(r["cells_s"]) for r in rs)
        out[nb] = {"reports": len(rs), "kernel": sorted({str(r["kernel"]) for r in rs}),
                   "kernel_start_s": _median([r["kernel_start_s"] for r in rs]),
                   "import_cell_s": _median([r["import_cell_s"] for r in rs]),
                   "other_cells_s": [_median([r["cells_s"][i] for r in rs
                                              if i < len(r["cells_s"])])
                                     for i in range(n_cells)],
                   "teardown_s": _median([r["teardown_s"] for r in rs]),
                   "exports_s": {k: _median([r["exports_s"].get(k) for r in rs])
                                 for k in ("html", "html-nocode", "pdf")},
                   "total_s": _median([r["total_s"] for r in rs])}
    return out


def profile(grid: Path, name: str, rounds: int = 3) -> dict[str, Any]:
    """One job of `grid`, in this process, as a build worker runs it: first forked from the
    worker's zygote while that is still importing (a worker's first job), then `rounds` times
    each, alternating, in a kernel started afresh (`python -m ipykernel_launcher`, as before
    the zygote) and forked from the warm zygote. Per step, the median: kernel start, import
    cell, other cells, teardown (engine timings, papermill's per-cell times), the rest of the
    worker's run, then the three exports."""
    import nbformat

    from analysis.build import engine, export

    env = _env(Path(tempfile.mkdtemp(prefix="bench-profile-")))
    t0 = time.perf_counter()
    _run([sys.executable, "-m", "analysis", "build", "--config", str(grid), "--dry-run",
          f"--only={name}", "--reports-dir", str(Path(env["MPLCONFIGDIR"]).parent)], env)
    start_up = time.perf_counter() - t0
    job = next(j for j in load_jobs(grid, [name]) if j.name == name)
    os.environ.update({k: env[k] for k in ("MPLCONFIGDIR", "IPYTHONDIR", "JUPYTER_RUNTIME_DIR")})
    engine.skip_slow_imports()
    export.warm()
    samples: dict[str, list[dict[str, float]]] = {}
    order = [("fork, zygote still importing", True)]
    order += [("fresh kernel", False), ("fork, warm zygote", True)] * rounds
    for label, fork in order:
        spec = {"name": name, "notebook": job.notebook.read_text(encoding="utf-8"),
                "parameters": job.parameters, "cwd": str(job.notebook.parent),
                "timeout": job.timeout, "work": str(Path(env["MPLCONFIGDIR"]).parent),
                "check_env": False, "fork": fork,
                "env": {"ANALYSIS_REPORTS_DIR": str(Path(env["MPLCONFIGDIR"]).parent)}}
        t0 = time.perf_counter()
        res = engine.run_notebook(spec)
        run_s = time.perf_counter() - t0
        if not res["ok"]:
            raise SystemExit(f"{name} failed: {res['error']}")
        t = res["timings"]
        cells = cell_durations(json.loads(res["notebook"]))
        steps = {"kernel start (to the first cell)": t["kernel_start"],
                 "import cell (imports + first loads)": cells[0],
                 "other cells (execution, figures)": sum(cells[1:]),
                 "teardown (kernel shutdown, last save)": t["teardown"],
                 "rest of the worker's run": run_s - t["kernel_start"] - t["cells"]
                 - t["teardown"]}
        clean = export.strip_injected(nbformat.reads(res["notebook"], as_version=4))
        for lbl, fn in (("HTML with code", lambda c=clean: export.to_html(c)),
                        ("HTML without code", lambda c=clean: export.to_html(
                            c, include_code=False)),
                        ("PDF (pandoc + typst)", lambda c=clean: export.to_pdf(c, lang=job.lang))):
            t0 = time.perf_counter()
            fn()
            steps[lbl] = time.perf_counter() - t0
        steps["total"] = sum(steps.values())
        samples.setdefault(f"{label} ({res['kernel']})", []).append(steps)
    runs = {label: {k: round(statistics.median(r[k] for r in rs), 3) for k in rs[0]}
            for label, rs in samples.items()}
    print(f"{start_up:7.2f} s  engine start-up + config + cache key (dry run, a subprocess)")
    print(f"medians over {rounds} rounds (1 for the first fork); seconds")
    print("  ".join(f"{k:>32}" for k in runs) + "  step")
    for lbl in next(iter(runs.values())):
        print("  ".join(f"{r[lbl]:32.2f}" for r in runs.values()) + f"  {lbl}")
    return {"engine_start_up_s": round(start_up, 3), "rounds": rounds, "medians": runs}


# ---------------------------------------------------------------- the run


def run(args: argparse.Namespace) -> dict[str, Any]:
    grid = FULL_GRID if args.grid == "full" else Path(args.grid).resolve()
    jobs = load_jobs(grid, args.only)
    dependent = [j.name for j in jobs if j.notebook.name in DEPENDS_ON_DATA_FILE]
    work = Path(args.workdir).resolve() if args.workdir else Path(
        tempfile.mkdtemp(prefix="bench-build-"))
    work.mkdir(parents=True, exist_ok=True)
    env = _env(work)
    # The real data folder: the notebooks read it (their path parameters point there), so an
    # edit must land there to be seen; (e) restores the file's bytes and times afterwards, and
    # those of the files the build derived from it.
    data = ROOT / "data"
    target = data / DATA_FILE
    kept = {p: (p.read_bytes(), p.stat()) for p in
            [target, *(data / d for d in DERIVED_FROM_DATA_FILE)]}
    chosen = [s for s in SCENARIOS if s in args.scenarios or s[0] in args.scenarios]
    runs: dict[str, list[dict[str, Any]]] = {s: [] for s in chosen}
    log = print if not args.quiet else (lambda *a, **k: None)
    log(f"grid {grid.relative_to(ROOT) if grid.is_relative_to(ROOT) else grid}: {len(jobs)} "
        f"jobs; work folder {work}; rounds {args.rounds} (a, b, c, e2: {args.heavy_rounds})",
        flush=True)
    load_before = os.getloadavg()
    try:
        last = None
        for r in range(args.heavy_rounds):
            if "a" in runs:
                out = work / f"a{r}"
                shutil.rmtree(out, ignore_errors=True)
                runs["a"].append(timed(hand_loop, jobs, out, env))
                log(f"a round {r + 1}: {runs['a'][-1]['seconds']:.1f} s", flush=True)
            for s, workers in (("b", 1), ("c", None)):
                if s in runs:
                    last = work / f"{s}{r}"
                    shutil.rmtree(last, ignore_errors=True)
                    runs[s].append(timed(engine, grid, args.only, last, data, env, force=True,
                                         workers=workers))
                    runs[s][-1]["breakdown"] = breakdown(last)
                    log(f"{s} round {r + 1}: {runs[s][-1]['seconds']:.1f} s", flush=True)
            if "f" in runs:  # the whole declared grid, whatever --grid and --only say
                full = work / f"f{r}"
                shutil.rmtree(full, ignore_errors=True)
                runs["f"].append(timed(engine, FULL_GRID, [], full, data, env, force=True))
                runs["f"][-1]["breakdown"] = breakdown(full)
                log(f"f round {r + 1}: {runs['f'][-1]['seconds']:.1f} s "
                    f"({len(runs['f'][-1]['built'])} reports)", flush=True)
                if not args.keep:
                    shutil.rmtree(full, ignore_errors=True)
        if last is None and {"d", "e1", "e2"} & set(runs):  # rebuilds need a built folder
            last = work / "base"
            engine(grid, args.only, last, data, env)
        for r in range(args.rounds):
            if "d" in runs:
                runs["d"].append(timed(engine, grid, args.only, last, data, env))
                log(f"d round {r + 1}: {runs['d'][-1]['seconds']:.2f} s", flush=True)
            if "e1" in runs:
                os.utime(target, (time.time(), time.time() + 1 + r))
                runs["e1"].append(timed(engine, grid, args.only, last, data, env))
                log(f"e1 round {r + 1}: {runs['e1'][-1]['seconds']:.2f} s", flush=True)
        for r in range(args.heavy_rounds if "e2" in runs else 0):
            with open(target, "ab") as f:
                f.write(b"\n")  # trailing whitespace: the same GeoJSON, different bytes
            runs["e2"].append(timed(engine, grid, args.only, last, data, env))
            log(f"e2 round {r + 1}: {runs['e2'][-1]['seconds']:.1f} s", flush=True)
    finally:
        for path, (original, original_stat) in kept.items():
            path.write_bytes(original)
            os.utime(path, ns=(original_stat.st_atime_ns, original_stat.st_mtime_ns))
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return summarise(runs, jobs, dependent, grid, args, load_before)


def _git_commit() -> str | None:
    """HEAD, with '+dirty' when src/ or notebooks/ have uncommitted changes (measured as is)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "src", "notebooks"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def summarise(runs: dict[str, list[dict[str, Any]]], jobs: list[Any], dependent: list[str],
              grid: Path, args: argparse.Namespace, load_before: tuple) -> dict[str, Any]:
    scen: dict[str, Any] = {}
    base = statistics.median(r["seconds"] for r in runs["a"]) if runs.get("a") else None
    for s, rs in runs.items():
        if not rs:
            continue
        secs = [r["seconds"] for r in rs]
        med = statistics.median(secs)
        last = rs[-1]
        entry: dict[str, Any] = {
            "label": LABELS[s], "rounds": len(rs), "median_s": round(med, 3),
            "min_s": min(secs), "max_s": max(secs),
            "ratio_vs_a": round(med / base, 3) if base and s != "f" else None,
            "kernels_started": last["kernels_started"],
            "kernels_seen": last["kernels_seen"],
            "peak_tree_mb": max((r["peak_tree_mb"] or 0) for r in rs) or None,
            "peak_process_mb": max((r["peak_process_mb"] or 0) for r in rs) or None,
            "outputs": last["outputs"], "runs": rs}
        if s != "a":
            entry["rebuilt"] = len(last["built"])
        if s == "c" and base:
            entry["target"] = "<= 0.5 x (a)"
            entry["target_met"] = med <= 0.5 * base
        if s == "d":
            entry["target"] = "< 1 s and no kernel"
            entry["target_met"] = med < 1.0 and all(r["kernels_started"] == 0 for r in rs)
        if s == "f":
            n = len(last["built"])
            entry["per_report_s"] = round(med / n, 3) if n else None
            if base and n:  # a different mix of notebooks than (a)'s grid: per report only
                entry["per_report_ratio_vs_a"] = round((med / n) / (base / len(jobs)), 3)
            entry["target"] = "< 300 s (5 minutes) on 2 cores"
            entry["target_met"] = med < 300 and n == last["kernels_started"]
        if s in ("b", "c", "f"):
            entry["breakdown_medians"] = breakdown_medians(last.get("breakdown") or [])
        if s in ("e1", "e2"):
            expected = [] if s == "e1" else dependent
            entry["expected_rebuilt"] = len(expected)
            entry["target"] = f"rebuild only the {len(expected)} report(s) that read the file"
            entry["target_met"] = all(sorted(r["built"]) == sorted(expected) for r in rs)
        scen[s] = entry
    return {
        "generated_at": dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds"),
        "git_commit": _git_commit(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(),
                    "loadavg_before": [round(x, 2) for x in load_before],
                    "loadavg_after": [round(x, 2) for x in os.getloadavg()]},
        "grid": grid.relative_to(ROOT).as_posix() if grid.is_relative_to(ROOT) else str(grid),
        "only": args.only, "jobs": [j.name for j in jobs], "n_jobs": len(jobs),
        "data_file": f"data/{DATA_FILE.as_posix()}", "depends_on_data_file": dependent,
        "scenarios": scen,
    }


def table(result: dict[str, Any]) -> str:
    head = ("", "scenario", "rounds", "median s", "× (a)", "kernels", "seen", "peak MB",
            "rebuilt", "target")
    rows = []
    for s, e in result["scenarios"].items():
        target = ""
        if "target_met" in e:
            target = ("met" if e["target_met"] else "MISSED") + f" ({e['target']})"
        rows.append((s, e["label"], str(e["rounds"]), f"{e['median_s']:.2f}",
                     f"{e['ratio_vs_a']:.2f}" if e["ratio_vs_a"] is not None else "-",
                     str(e["kernels_started"]), str(e["kernels_seen"]),
                     f"{e['peak_tree_mb']:.0f}" if e["peak_tree_mb"] else "-",
                     str(e.get("rebuilt", "-")), target))
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in [head, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    m = result["machine"]
    lines.append(f"{result['n_jobs']} jobs from {result['grid']}; {m['cpus']} cores; load "
                 f"average before/after {m['loadavg_before'][0]}/{m['loadavg_after'][0]}")
    f = result["scenarios"].get("f")
    if f and f.get("per_report_s"):
        a = result["scenarios"].get("a")
        vs = (f"; the hand loop (a) took {a['median_s'] / result['n_jobs']:.1f} s a report "
              f"({f['per_report_ratio_vs_a']:.2f}x)") if a else ""
        lines.append(f"f: {f['rebuilt']} reports, {f['per_report_s']:.2f} s a report{vs}")
    for s, e in result["scenarios"].items():
        rows = e["runs"][-1].get("breakdown")
        if rows:
            lines += ["", f"where a report's time went in ({s}), medians per notebook, seconds "
                      "(start: kernel start to first cell; engine timings + papermill cells):",
                      breakdown_table(rows)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--pdf-step"]:
        pdf_step(*argv[1:3])
        return 0
    if argv[:1] == ["--profile"]:  # --profile JOB_NAME [GRID [ROUNDS]]
        profile(Path(argv[2]).resolve() if len(argv) > 2 else DEFAULT_GRID, argv[1],
                int(argv[3]) if len(argv) > 3 else 3)
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--grid", default=str(DEFAULT_GRID),
                   help="report declarations to bench (default benchmarks/bench_grid.yml; "
                   "'full' = notebooks/reports.yml)")
    p.add_argument("--only", action="append", default=[], metavar="PATTERN",
                   help="only these reports (as `analysis build --only`); repeatable")
    p.add_argument("--rounds", type=int, default=3, help="rounds of d and e1 (default 3)")
    p.add_argument("--heavy-rounds", type=int, default=1,
                   help="rounds of a, b, c and e2 (default 1)")
    p.add_argument("--scenarios", default=",".join(SCENARIOS),
                   help="comma-separated subset of a,b,c,d,e1,e2 (e = e1,e2)")
    p.add_argument("--out", help="result JSON (default benchmarks/results/bench-<time>.json)")
    p.add_argument("--no-save", action="store_true", help="print the table only")
    p.add_argument("--workdir", help="work folder (default: a new temp folder, removed)")
    p.add_argument("--keep", action="store_true", help="keep the work folder")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    if args.rounds < 1 or args.heavy_rounds < 1:
        p.error("--rounds and --heavy-rounds must be 1 or more")
    result = run(args)
    print(table(result))
    if not args.no_save:
        out = Path(args.out) if args.out else RESULTS / (
            "bench-" + dt.datetime.now().strftime("%Y%m%d-%H%M%S") + ".json")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
