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

Reported per scenario: median wall time over the rounds, ratio against (a), kernels started
(the engine's manifest; for the hand loop one per papermill run) and kernels actually seen
running, peak memory of the whole process tree (psutil sampling; without psutil only the
largest single child from getrusage), and for rebuilds which reports were rebuilt.

    python benchmarks/bench_build.py                      # benchmarks/bench_grid.yml (28 jobs)
    python benchmarks/bench_build.py --grid full          # notebooks/reports.yml (148 jobs)
    python benchmarks/bench_build.py --only 00_ --rounds 1 --heavy-rounds 1 --no-save
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
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
SCENARIOS = ("a", "b", "c", "d", "e1", "e2")
LABELS = {
    "a": "hand loop: papermill CLI + nbconvert ×2 + pandoc/typst, serial",
    "b": "analysis build --force --workers 1",
    "c": "analysis build --force (default workers)",
    "d": "rebuild, nothing changed",
    "e1": "rebuild after touch (mtime only) of one data file",
    "e2": "rebuild after editing one data file (read by 05 only)",
}
HEAVY = {"a", "b", "c", "e2"}


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
        if proc.pid not in self._cmd:
            try:
                self._cmd[proc.pid] = "ipykernel_launcher" in " ".join(proc.cmdline())
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
    manifest = json.loads((reports / "manifest.json").read_text(encoding="utf-8"))
    return {"kernels_started": manifest["kernels_started"], "built": built,
            "cached": len(cached), "outputs": _count_outputs(reports)}


def timed(fn: Any, *args: Any, **kw: Any) -> dict[str, Any]:
    with Sampler() as sampler:
        t0 = time.perf_counter()
        res = fn(*args, **kw)
        seconds = time.perf_counter() - t0
    return {"seconds": round(seconds, 3), **res, **sampler.result()}


# ---------------------------------------------------------------- profile of one cold job


def profile(grid: Path, name: str) -> dict[str, float]:
    """Where one cold build of one job spends its time: engine start-up and planning (a dry
    run, as a subprocess), then in this process: kernel start, the import cell, the other
    cells (papermill's per-cell times), HTML with and without code, and PDF."""
    import nbformat

    from analysis.build import engine, export

    env = _env(Path(tempfile.mkdtemp(prefix="bench-profile-")))
    t0 = time.perf_counter()
    _run([sys.executable, "-m", "analysis", "build", "--config", str(grid), "--dry-run",
          f"--only={name}", "--reports-dir", str(Path(env["MPLCONFIGDIR"]).parent)], env)
    steps = {"engine start-up + config + cache key (dry run)": time.perf_counter() - t0}
    job = next(j for j in load_jobs(grid, [name]) if j.name == name)
    spec = {"name": name, "notebook": job.notebook.read_text(encoding="utf-8"),
            "parameters": job.parameters, "cwd": str(job.notebook.parent),
            "timeout": job.timeout, "work": str(Path(env["MPLCONFIGDIR"]).parent),
            "check_env": False}
    engine.skip_slow_imports()
    t0 = time.perf_counter()
    res = engine.run_notebook(spec)
    run_s = time.perf_counter() - t0
    if not res["ok"]:
        raise SystemExit(f"{name} failed: {res['error']}")
    nb = nbformat.reads(res["notebook"], as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code"
             and not {"parameters", "injected-parameters"} & set(c.metadata.get("tags", []))]
    times = [float(c.metadata.get("papermill", {}).get("duration") or 0) for c in cells]
    steps["papermill/nbclient set-up + kernel start + teardown"] = run_s - sum(times)
    steps["import cell (imports + first loads)"] = times[0]
    steps["other cells (execution, figures)"] = sum(times[1:])
    clean = export.strip_injected(nb)
    for label, fn in (("HTML with code", lambda: export.to_html(clean, include_code=True)),
                      ("HTML without code", lambda: export.to_html(clean, include_code=False)),
                      ("PDF (pandoc + typst)", lambda: export.to_pdf(clean, lang=job.lang))):
        t0 = time.perf_counter()
        fn()
        steps[label] = time.perf_counter() - t0
    steps["total"] = sum(steps.values())
    for label, sec in steps.items():
        print(f"{sec:7.2f} s  {label}")
    for c, sec in zip(cells, times, strict=True):
        print(f"{sec:7.2f} s    cell: {c.source.splitlines()[0][:70]}")
    return {k: round(v, 3) for k, v in steps.items()}


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
    # edit must land there to be seen; (e) restores the file's bytes and times afterwards.
    data = ROOT / "data"
    target = data / DATA_FILE
    original, original_stat = target.read_bytes(), target.stat()
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
                    log(f"{s} round {r + 1}: {runs[s][-1]['seconds']:.1f} s", flush=True)
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
        target.write_bytes(original)
        os.utime(target, ns=(original_stat.st_atime_ns, original_stat.st_mtime_ns))
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
            "ratio_vs_a": round(med / base, 3) if base else None,
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
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--pdf-step"]:
        pdf_step(*argv[1:3])
        return 0
    if argv[:1] == ["--profile"]:  # --profile JOB_NAME [GRID]
        profile(Path(argv[2]).resolve() if len(argv) > 2 else DEFAULT_GRID, argv[1])
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
