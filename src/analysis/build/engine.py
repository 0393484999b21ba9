"""The batch engine behind `python -m analysis build`.

Reads the declared reports (`analysis.data.config`), decides from the cache key
(`analysis.build.cache`) what must run, executes notebooks with papermill's Python API in worker
processes (or on a Dask cluster), exports HTML / HTML without code / PDF in this process
(`analysis.build.export`), and writes everything crash-safely under reports/:

    reports/html/<name>.html          reports/executed/<name>.ipynb   (kept, injected cell in)
    reports/html-nocode/<name>.html   reports/failed/<name>.ipynb     (last failed run, error in)
    reports/pdf/<name>.pdf            reports/.cache/<name>.json      (cache record, last good)
    reports/index.html                reports/manifest.json           reports/.build.lock

A failed job leaves its last good outputs in place; one failure never stops the others.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import fnmatch
import json
import logging
import multiprocessing
import os
import re
import signal
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel.dates import format_date
from filelock import FileLock, Timeout
from tqdm import tqdm

from analysis.build import cache, derive, index
from analysis.data import derived, paths
from analysis.data.config import (
    DEFAULT_CONFIG,
    FORMATS,
    INJECTED_TAG,
    PARAMETERS_TAG,
    Job,
    load_config,
)
from analysis.data.files import sweep_temporary, write_files
from analysis.data.provinces import default_province
from analysis.data.raw import article_meta
from analysis.errors import UserError

SUFFIX = {"html": ".html", "html-nocode": ".html", "pdf": ".pdf", "pdf-code": ".pdf"}
KERNEL_START_ATTEMPTS = 3
KERNEL_NAME = "python3"
ERROR_MARKER_TAG = "papermill-error-cell-tag"
DATE_FORMAT = {"vi": "dd/MM/yyyy", "en": "d MMMM yyyy"}  # 20/12/2020, 20 December 2020
SCHEDULER_RE = re.compile(r"^(tcp|tls)://[A-Za-z0-9.\-\[\]:]+:\d{1,5}$")


@dataclass(frozen=True)
class Layout:
    """Where a build reads and writes. Every path is injectable, so tests build a temp copy."""

    root: Path = paths.PROJ_ROOT
    config: Path = DEFAULT_CONFIG
    data: Path = paths.DATA
    src: Path = paths.PACKAGE_DIR
    reports: Path = paths.REPORTS
    work: Path = paths.PROJ_ROOT / ".cache" / "build"  # writable homes for kernels

    def output(self, fmt: str, name: str) -> Path:
        return self.reports / fmt / f"{name}{SUFFIX[fmt]}"

    def executed(self, name: str) -> Path:
        return self.reports / "executed" / f"{name}.ipynb"

    def failed(self, name: str) -> Path:
        return self.reports / "failed" / f"{name}.ipynb"

    def record(self, name: str) -> Path:
        return self.reports / ".cache" / f"{name}.json"

    def job_file(self, name: str, what: str) -> Path:
        """A job's executed notebook (`what` = "executed") or its output in format `what`."""
        return self.executed(name) if what == "executed" else self.output(what, name)

    @property
    def manifest(self) -> Path:
        return self.reports / "manifest.json"

    @property
    def index(self) -> Path:
        return self.reports / "index.html"

    @property
    def lock(self) -> Path:
        return self.reports / ".build.lock"

    def link(self, path: Path) -> str:
        """Path relative to reports/ (what index.html links to)."""
        return Path(path).relative_to(self.reports).as_posix()

    def repo_path(self, path: Path) -> str:
        """Path relative to the project (never an absolute path of the build machine)."""
        path = Path(path).resolve()
        for base in (Path(self.root).resolve(), Path(self.config).resolve().parent):
            if path.is_relative_to(base):
                return path.relative_to(base).as_posix()
        return path.name

    def scrub(self, text: str) -> str:
        """`text` with the project's absolute path removed (error messages, metadata)."""
        root = str(Path(self.root).resolve())
        return text.replace(root + os.sep, "").replace(root, ".")


@dataclass
class Outcome:
    """What happened to one job in one build."""

    job: Job
    status: str  # ok | failed | planned
    source: str  # cached | built | exported | would build | would export | -
    seconds: float = 0.0
    kernels: int = 0
    reason: str = ""
    error: dict[str, Any] | None = None


@dataclass
class BuildSummary:
    outcomes: list[Outcome] = field(default_factory=list)
    kernels_started: int = 0
    dry_run: bool = False
    interrupted: bool = False

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def exit_code(self) -> int:
        return 130 if self.interrupted else (1 if self.failed else 0)


@dataclass
class _Plan:
    job: Job
    notebook: bytes
    key: str
    parts: dict[str, str]
    formats: tuple[str, ...]
    action: str  # cached | export | execute
    reason: str
    record: dict[str, Any] | None
    stat: dict[str, list[int]] = field(default_factory=dict)  # files found intact: size, mtime


# ---------------------------------------------------------------- worker side


def _kernel_env(work: str) -> dict[str, str]:
    """Writable homes for matplotlib / IPython / Jupyter, so no warning leaks into a report."""
    base = Path(work)
    env = {"MPLCONFIGDIR": "matplotlib", "IPYTHONDIR": "ipython",
           "JUPYTER_RUNTIME_DIR": "jupyter-runtime"}
    try:
        for sub in env.values():
            (base / sub).mkdir(parents=True, exist_ok=True)
    except OSError:
        base = Path(tempfile.gettempdir()) / f"analysis-build-{os.getuid()}"
        for sub in env.values():
            (base / sub).mkdir(parents=True, exist_ok=True)
    out = {k: str(base / v) for k, v in env.items()}
    out.update(JUPYTER_PLATFORM_DIRS="1", PYDEVD_DISABLE_FILE_VALIDATION="1")
    return out


def skip_slow_imports() -> None:
    """Only for processes the build owns (CLI, pool workers): jsonschema imports
    `rfc3987_syntax` when installed, which builds a Lark grammar at import (3–4 s here) for an
    IRI format check nbformat never uses. Call before nbformat is imported."""
    sys.modules.setdefault("rfc3987_syntax", None)


def _failed_cell(nb: Any) -> tuple[int | None, int | None, str]:
    """(index in the source notebook, execution count, first source line) of the cell that
    failed: the one papermill marked, else the last that started (timeouts, dead kernels)."""
    cells = [c for c in nb.cells if ERROR_MARKER_TAG not in c.get("metadata", {}).get("tags", [])]
    pm = [c.get("metadata", {}).get("papermill", {}) for c in cells]
    hit = next((i for i, m in enumerate(pm) if m.get("exception") is True), None)
    if hit is None:
        started = [i for i, m in enumerate(pm) if m.get("start_time")]
        hit = started[-1] if started else None
    if hit is None:
        return None, None, ""
    source_index = sum(1 for c in cells[:hit]
                       if INJECTED_TAG not in c.get("metadata", {}).get("tags", []))
    first = next((ln for ln in cells[hit].source.splitlines() if ln.strip()), "")
    return source_index, cells[hit].get("execution_count"), first[:120]


def _any_cell_started(nb_text: str | None) -> bool:
    import nbformat  # deferred import (README: Architecture)

    if not nb_text:
        return False
    nb = nbformat.reads(nb_text, as_version=4)
    return any(c.get("metadata", {}).get("papermill", {}).get("start_time") for c in nb.cells)


def _ipc_kernel_manager(base: type, ipc: str, log: Any, counter: dict[str, Any],
                        cwd: str | None = None, env: dict[str, str] | None = None,
                        zygote: Any = None) -> type:
    """A kernel manager on IPC sockets at `ipc` (unique per kernel: no port race), logging the
    kernel's own output to `log`, counting starts in `counter['kernels']` (and noting when the
    last start began, `counter['kernel_started_at']`, and whether it was forked). The kernel
    gets its working folder and environment here, not through a process-wide chdir/os.environ,
    so several notebooks can run in threads of one (Dask) worker. With a `zygote`
    (`analysis.build.kernels`) the kernel is forked from it instead of started afresh. Its
    client is `kernels.ReadyClient` (ready ~0.2 s sooner)."""

    class IPCKernelManager(base):  # type: ignore[misc, valid-type]
        def __init__(self, **kw: Any) -> None:
            super().__init__(**kw)
            self.transport, self.ip = "ipc", ipc
            self.client_class = "analysis.build.kernels.ReadyClient"

        async def _async_pre_start_kernel(self, **kw: Any) -> Any:
            if zygote is not None and self.provisioner is None:
                from analysis.build import kernels  # deferred import (README: Architecture)

                self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
                self.provisioner = kernels.ForkProvisioner(kernel_id=self.kernel_id,
                                                   kernel_spec=self.kernel_spec, parent=self)
                self.provisioner.zygote = zygote
            return await super()._async_pre_start_kernel(**kw)

        async def start_kernel(self, **kw: Any) -> None:
            counter["kernels"] += 1
            counter["kernel_started_at"] = time.time()
            kw.setdefault("stdout", log)
            kw.setdefault("stderr", log)
            if cwd is not None:
                kw.setdefault("cwd", cwd)
            if env is not None:
                kw.setdefault("env", {**os.environ, **env})
            await super().start_kernel(**kw)
            counter["forked"] = bool(getattr(self.provisioner, "forked", False))

    return IPCKernelManager


def _worker_init(spec: dict[str, Any] | None = None) -> None:
    # Ctrl-C is the parent's business: it stops the pool and the kernels die with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    skip_slow_imports()
    if spec is not None:  # the zygote imports while this worker imports papermill
        from analysis.build import kernels  # deferred import (README: Architecture)

        kernels.worker_zygote(*_fork_env(spec))


def _fork_env(spec: dict[str, Any]) -> tuple[dict[str, str], str]:
    """(environment, folder) a zygote must start with to fork this spec's kernels: the ones
    its kernel would be started with."""
    return {**os.environ, **_kernel_env(spec["work"]), **spec.get("env", {})}, spec["cwd"]


def run_notebook(spec: dict[str, Any]) -> dict[str, Any]:
    """Execute one notebook (worker process or Dask worker) and return a plain dict:
    ok, the executed notebook as JSON text (also on failure), error, kernels started, seconds.

    The kernel is `python3` of this interpreter, talks over IPC sockets in a private temp
    folder (no TCP port to race for), and a start that fails before any cell ran is retried.
    It runs in a fresh thread: Dask worker threads inherit context variables, among them
    jupyter_core's per-context event loop, which another thread may be running.
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = _run_notebook(spec)
        except BaseException as e:  # noqa: BLE001 — handed back to the caller's thread
            box["error"] = e

    thread = threading.Thread(target=target, name=f"notebook-{spec.get('name', '')}")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["result"]


def _run_notebook(spec: dict[str, Any]) -> dict[str, Any]:
    import nbformat  # deferred import (README: Architecture)
    import papermill as pm  # deferred import (README: Architecture)
    from jupyter_client.manager import AsyncKernelManager  # deferred import (README: Architecture)

    t0 = time.monotonic()
    kernel_env = {**_kernel_env(spec["work"]), **spec.get("env", {})}
    # Failures come back in the result and are reported once, by the parent.
    logging.getLogger("papermill").setLevel(logging.CRITICAL)
    result: dict[str, Any] = {"ok": False, "notebook": None, "error": None, "kernels": 0}
    if spec.get("check_env"):
        pkgs = cache.installed_packages()
        result["env"] = {"python": sys.version.split()[0],
                         "packages_sha256": cache.sha256_bytes(cache.canonical_json(pkgs).encode())}
    if not Path(spec["cwd"]).is_dir():
        result["error"] = {"ename": "FileNotFoundError",
                           "evalue": f"notebook folder {spec['cwd']} missing on this worker "
                                     "(workers need the same checkout)"}
        result["seconds"] = time.monotonic() - t0
        return result
    zygote = None
    if spec.get("fork"):
        from analysis.build import kernels  # deferred import (README: Architecture)

        zygote = kernels.worker_zygote(*_fork_env(spec))
    with tempfile.TemporaryDirectory(prefix="analysis-job-") as tmp:
        src = Path(tmp) / "input.ipynb"
        src.write_text(spec["notebook"], encoding="utf-8")
        for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
            out = Path(tmp) / f"executed-{attempt}.ipynb"
            log_path = Path(tmp) / f"kernel-{attempt}.log"
            ipc = str(Path(tmp) / f"k{attempt}")
            with open(log_path, "wb") as kernel_log:
                km_class = _ipc_kernel_manager(AsyncKernelManager, ipc, kernel_log, result,
                                               cwd=spec["cwd"], env=kernel_env, zygote=zygote)
                error: dict[str, Any] | None = None
                cell_error = False
                try:
                    pm.execute_notebook(
                        str(src), str(out), parameters=spec["parameters"],
                        kernel_name=KERNEL_NAME,
                        execution_timeout=spec["timeout"], progress_bar=False,
                        log_output=False, request_save_on_cell_execute=True,
                        kernel_manager_class=km_class, start_timeout=60)
                except pm.PapermillExecutionError as e:
                    error, cell_error = {"ename": e.ename, "evalue": e.evalue}, True
                except Exception as e:  # noqa: BLE001 — every failure becomes a report line
                    error = {"ename": type(e).__name__, "evalue": str(e).strip()}
                    if type(e).__name__ == "CellTimeoutError":
                        error["evalue"] = (f"the cell ran longer than the per-cell timeout "
                                           f"of {spec['timeout']:g} s")
            nb_text = out.read_text(encoding="utf-8") if out.exists() else None
            if (error and not cell_error and not _any_cell_started(nb_text)
                    and attempt < KERNEL_START_ATTEMPTS):
                time.sleep(0.3 * attempt)  # the kernel never started: retry on fresh sockets
                continue
            break
        if error and error["ename"] == "DeadKernelError":
            tail = [ln for ln in log_path.read_text(errors="replace").splitlines()
                    if ln.strip() and "without encryption" not in ln][-3:]
            error["evalue"] = "the kernel died" + (f" ({' | '.join(tail)})" if tail else "")
        if error and nb_text:
            idx, count, first = _failed_cell(nbformat.reads(nb_text, as_version=4))
            error.update(cell_index=idx, execution_count=count, cell_source=first)
        result.update(ok=error is None, notebook=nb_text, error=error)
    result["seconds"] = time.monotonic() - t0
    if nb_text and "kernel_started_at" in result:
        result["timings"] = _run_timings(nbformat.reads(nb_text, as_version=4),
                                         result.pop("kernel_started_at"), time.time())
    result["kernel"] = "fork" if result.pop("forked", False) else "spawn"
    return result


def _stamp(value: Any) -> float | None:
    try:
        return dt.datetime.fromisoformat(str(value)).timestamp() if value else None
    except ValueError:
        return None


def _run_timings(nb: Any, kernel_started_at: float, ended_at: float) -> dict[str, float]:
    """Where one execution's time went, from papermill's per-cell times (wall clock):
    kernel start (start_kernel called → first cell begins: launch, channels, kernel_info),
    the first code cell after the parameters (the notebook's imports and first loads), the
    other cells, and teardown (last cell ends → the worker is done: kernel shutdown, last
    save)."""
    code = [c for c in nb.cells if c.cell_type == "code"
            and not {PARAMETERS_TAG, INJECTED_TAG} & set(c.get("metadata", {}).get("tags", []))]
    times = [c.get("metadata", {}).get("papermill", {}) for c in nb.cells]
    starts = [x for m in times if (x := _stamp(m.get("start_time"))) is not None]
    ends = [x for m in times if (x := _stamp(m.get("end_time"))) is not None]
    durations = [float(c.get("metadata", {}).get("papermill", {}).get("duration") or 0)
                 for c in code]
    out = {"cells": round(sum(durations), 3),
           "first_cell": round(durations[0], 3) if durations else 0.0}
    if starts:
        out["kernel_start"] = round(min(starts) - kernel_started_at, 3)
    if ends:
        out["teardown"] = round(ended_at - max(ends), 3)
    return out


# ---------------------------------------------------------------- planning


def _select(jobs: list[Job], only: Sequence[str] | None) -> list[Job]:
    if not only:
        return jobs
    pats = [p if any(ch in p for ch in "*?[") else f"*{p}*" for p in only]
    chosen = [j for j in jobs if any(fnmatch.fnmatch(j.name, p) or
                                     fnmatch.fnmatch(j.notebook.name, p) for p in pats)]
    if not chosen:
        names = ", ".join(j.name for j in jobs[:8]) + (", …" if len(jobs) > 8 else "")
        raise UserError(f"no report matches --only {' '.join(only)}", where="--only",
                        fix=f"report names are: {names}")
    return chosen


def _check_formats(formats: Sequence[str] | None) -> tuple[str, ...] | None:
    if formats is None:
        return None
    items = [f.strip() for x in formats for f in x.split(",") if f.strip()]
    for f in items:
        if f not in FORMATS:
            raise UserError(f"unknown format {f!r}", where="--formats",
                            fix=f"use some of: {', '.join(FORMATS)}")
    return tuple(items)


def _intact(record: dict[str, Any], layout: Layout,
            what: Sequence[str]) -> dict[str, list[int] | None]:
    """For the executed notebook ("executed") and each format in `what`: the file's
    [size, mtime_ns] if it is still what the record says was written, else None. A file
    showing the size and mtime the record kept is not read (`cache.verified_stat`)."""
    outs, stats = record.get("outputs") or {}, record.get("stat") or {}
    digests = {f: (outs.get(f) or {}).get("sha256") for f in what}
    digests["executed"] = record.get("executed_sha256")
    return {w: cache.verified_stat(layout.job_file(record["name"], w), digests[w], stats.get(w))
            for w in what}


def _written_stat(layout: Layout, name: str, what: Sequence[str]) -> dict[str, list[int]]:
    """[size, mtime_ns] of a job's files just written ("executed" or a format), for its record:
    the next build trusts a file that still shows them without reading it."""
    return {w: cache.stat_of(layout.job_file(name, w)) for w in what}


def job_inputs(job: Job, layout: Layout) -> list[Path] | None:
    """The data a job reads, for its cache key: the files and folders under data/ that its
    path-valued parameters name (the notebook's defaults overridden by the job's values; a
    relative name is under the data folder, as `analysis.data.paths.data_file` reads it), plus
    the province table the library resolves every province name with and the article's
    lessons, which name the article's provinces (`analysis.data.provinces.article_provinces`:
    the provinces notebooks accept, the places every figure colours alike), and the record of
    each derived file named (`analysis.data.derived.meta_path`), which its loader reads.

    None — key on all of data/ — when the notebook names no data path: safe by default. The
    notebooks pass these paths to every loader, so an edit elsewhere in data/ (the boundary file,
    say) rebuilds only the reports that read it; tests/test_build_inputs.py checks every file a
    notebook opens is among them.
    """
    data = layout.data.resolve()
    found: list[Path] = []
    for value in {**job.defaults, **job.parameters}.values():
        if isinstance(value, str) and value and "\n" not in value and len(value) < 500:
            path = (data / value).resolve()
            if path.is_relative_to(data) and path.exists():
                found.append(path)
                if (record := derived.meta_path(path)).is_file():
                    found.append(record)
    return sorted({*found, data / "external" / paths.PROVINCES.name,
                   data / "processed" / paths.LESSONS.name}) if found else None


def _plan(job: Job, fp: cache.Fingerprint, layout: Layout, cli_formats: tuple[str, ...] | None,
          force: bool) -> _Plan | None:
    formats = tuple(f for f in job.formats if cli_formats is None or f in cli_formats)
    if not formats:
        return None
    nb_bytes = job.notebook.read_bytes()
    inputs = job_inputs(job, layout)
    key, parts = fp.key(nb_bytes, job.parameters,
                        None if inputs is None else fp.files_digest(layout.data, inputs))
    record = cache.read_json(layout.record(job.name))
    if not isinstance(record, dict) or record.get("name") != job.name:
        record = None
    plan = _Plan(job, nb_bytes, key, parts, formats, "execute", "", record)
    if force:
        plan.reason = "--force"
    elif record is None or record.get("key") != key:
        plan.reason = "changed: " + ", ".join(
            cache.changed_parts(record.get("key_parts") if record else None, parts))
    elif (executed := _intact(record, layout, ["executed"])["executed"]) is None:
        plan.reason = "executed notebook missing"
    else:
        found = _intact(record, layout, formats)
        plan.stat = {"executed": executed, **{f: s for f, s in found.items() if s}}
        if missing := [f for f in formats if found[f] is None]:
            plan.action, plan.reason = "export", "missing: " + ", ".join(missing)
        else:
            plan.action, plan.reason = "cached", "unchanged"
    return plan


def _restat(plan: _Plan, layout: Layout) -> None:
    """Keep in a cached job's record the new size and mtime of files found intact by hashing
    (touched, copied), so the next build trusts them without reading them again."""
    old = (plan.record or {}).get("stat") or {}
    if plan.record and any(old.get(k) != v for k, v in plan.stat.items()):
        with contextlib.suppress(OSError):  # intact all the same; the next build hashes again
            cache.write_json(layout.record(plan.job.name),
                             {**plan.record, "stat": {**old, **plan.stat}})


# ---------------------------------------------------------------- writing results


def _now() -> str:
    return dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds")


def _clean_metadata(nb: Any, job: Job, layout: Layout) -> None:
    """Replace papermill's temp paths (build-machine paths) with project-relative ones."""
    meta = nb.metadata.setdefault("papermill", {})
    meta["input_path"] = layout.repo_path(job.notebook)
    meta["output_path"] = "reports/" + layout.link(layout.executed(job.name))


def _appendix(nb: Any, job: Job) -> str | None:
    """Typst appended to a notebook's PDF, as its metadata asks (`analysis.pdf_appendix`):
    "annotated-article" appends the article with every claim and lesson marked."""
    wanted = (nb.metadata.get("analysis") or {}).get("pdf_appendix")
    if wanted is None:
        return None
    if wanted != "annotated-article":
        raise UserError(f"unknown pdf_appendix {wanted!r}", where=str(job.notebook),
                        fix="use 'annotated-article' in the notebook's metadata.analysis")
    from analysis.show.annotate import article_appendix  # deferred import (README: Architecture)

    return article_appendix(job.lang)


def _export(nb: Any, job: Job, formats: Sequence[str],
            seconds: dict[str, float] | None = None) -> dict[str, bytes | str]:
    """The reports of an executed notebook, per format; the time each took into `seconds`."""
    from analysis.build import export  # deferred import (README: Architecture)

    clean = export.strip_injected(copy.deepcopy(nb))
    out: dict[str, bytes | str] = {}
    for fmt in formats:
        t0 = time.monotonic()
        if fmt in ("pdf", "pdf-code"):  # the reader's PDF has no code; pdf-code keeps it
            out[fmt] = export.to_pdf(clean, include_code=(fmt == "pdf-code"), title=job.title,
                                     lang=job.lang, source=job.notebook,
                                     appendix=_appendix(nb, job))
        else:
            out[fmt] = export.to_html(clean, include_code=(fmt == "html"), title=job.title,
                                      lang=job.lang, source=job.notebook)
        if seconds is not None:
            seconds[fmt] = round(time.monotonic() - t0, 3)
    return out


def _error(job: Job, layout: Layout, ename: str, evalue: str, **cell: Any) -> dict[str, Any]:
    where = layout.repo_path(job.notebook)
    params = cache.canonical_json(job.parameters)
    loc = ""
    if cell.get("cell_index") is not None:
        loc = f" cell index {cell['cell_index']}"
        if cell.get("execution_count") is not None:
            loc += f" (In [{cell['execution_count']}])"
    msg = layout.scrub(f"{where} {params}{loc}: {ename}: {evalue}".strip())
    first_line = msg.splitlines()[0] if msg else msg
    return {"ename": ename, "evalue": layout.scrub(evalue), **cell, "message": first_line}


def _record(plan: _Plan, layout: Layout, fp: cache.Fingerprint, outputs: dict[str, bytes | str],
            executed_text: str, seconds: float, built_at: str,
            old_outputs: dict[str, Any] | None = None,
            timings: dict[str, Any] | None = None) -> dict[str, Any]:
    job = plan.job
    outs = dict(old_outputs or {})
    for fmt, data in outputs.items():
        raw = data.encode("utf-8") if isinstance(data, str) else data
        outs[fmt] = {"path": layout.link(layout.output(fmt, job.name)),
                     "sha256": cache.sha256_bytes(raw), "bytes": len(raw)}
    return {"name": job.name, "status": "ok", "notebook": layout.repo_path(job.notebook),
            "parameters": job.parameters, "key": plan.key, "key_parts": plan.parts,
            "packages": fp.package_list, "built_at": built_at, "seconds": round(seconds, 3),
            "outputs": {f: outs[f] for f in FORMATS if f in outs},
            "executed": layout.link(layout.executed(job.name)),
            "executed_sha256": cache.sha256_bytes(executed_text.encode("utf-8")),
            "facts": recorded_facts(executed_text), "timings": timings or {}}


def recorded_facts(executed_text: str) -> dict[str, Any]:
    """The facts an executed notebook recorded, by label (`analysis.show.record`): the
    manifest carries them, so no reader format ever has to print them."""
    from analysis.show.record import read_records  # deferred import (README: Architecture)

    return {label: rec.values for label, rec in read_records(json.loads(executed_text)).items()
            if rec.kind == "facts"}


def _finish_execution(plan: _Plan, res: dict[str, Any], layout: Layout,
                      fp: cache.Fingerprint) -> Outcome:
    import nbformat  # deferred import (README: Architecture)

    job = plan.job
    out = Outcome(job, "failed", "built", res.get("seconds", 0.0), res.get("kernels", 0),
                  plan.reason)
    env = res.get("env")
    if env and (env["python"] != fp.python or env["packages_sha256"] != fp.packages):
        out.error = _error(job, layout, "EnvironmentMismatch",
                           f"the Dask worker runs Python {env['python']} with packages "
                           f"{env['packages_sha256'][:12]}, this build expects {fp.python} with "
                           f"{fp.packages[:12]}; install the same lock file on the workers")
        return out
    nb = nbformat.reads(res["notebook"], as_version=4) if res.get("notebook") else None
    if nb is not None:
        _clean_metadata(nb, job, layout)
    if not res.get("ok"):
        err = res.get("error") or {"ename": "Error", "evalue": "unknown failure"}
        extra = {k: err.get(k) for k in ("cell_index", "execution_count", "cell_source")}
        out.error = _error(job, layout, err["ename"], err.get("evalue", ""), **extra)
        if nb is not None:
            try:
                write_files({layout.failed(job.name): nbformat.writes(nb)})
                out.error["failed_notebook"] = layout.link(layout.failed(job.name))
            except OSError as e:
                out.error["message"] += f" (failed notebook not saved: {e.strerror})"
        return out
    t0 = time.monotonic()
    timings: dict[str, Any] = {"kernel": res.get("kernel"), **(res.get("timings") or {}),
                               "exports": {}}
    try:
        exports = _export(nb, job, plan.formats, timings["exports"])
    except Exception as e:  # noqa: BLE001 — an export bug fails this job only
        out.error = _error(job, layout, f"export: {type(e).__name__}", str(e))
        try:
            write_files({layout.failed(job.name): nbformat.writes(nb)})
            out.error["failed_notebook"] = layout.link(layout.failed(job.name))
        except OSError:
            pass
        return out
    executed_text = nbformat.writes(nb)
    files: dict[Path, bytes | str] = {layout.output(f, job.name): d for f, d in exports.items()}
    files[layout.executed(job.name)] = executed_text
    out.seconds = res.get("seconds", 0.0) + (time.monotonic() - t0)
    record = _record(plan, layout, fp, exports, executed_text, out.seconds, _now(),
                     timings=timings)
    try:
        write_files(files)  # all or nothing: old reports stay if the disk is full
        record["stat"] = _written_stat(layout, job.name, ["executed", *exports])
        layout.failed(job.name).unlink(missing_ok=True)
        cache.write_json(layout.record(job.name), record)  # last: only now is it "cached"
    except OSError as e:
        out.error = _error(job, layout, "OSError", f"could not write the reports: {e}")
        return out
    out.status = "ok"
    return out


def _finish_export(plan: _Plan, layout: Layout, fp: cache.Fingerprint) -> Outcome:
    import nbformat  # deferred import (README: Architecture)

    job, record = plan.job, plan.record or {}
    t0 = time.monotonic()
    out = Outcome(job, "failed", "exported", reason=plan.reason)
    found = _intact(record, layout, ["executed", *plan.formats])
    missing = [f for f in plan.formats if found[f] is None]
    try:
        text = layout.executed(job.name).read_text(encoding="utf-8")
        exports = _export(nbformat.reads(text, as_version=4), job, missing)
        files = {layout.output(f, job.name): d for f, d in exports.items()}
        new = _record(plan, layout, fp, exports, text, record.get("seconds", 0.0),
                      record.get("built_at", _now()), old_outputs=record.get("outputs"),
                      timings=record.get("timings"))
        new["packages"] = record.get("packages", fp.package_list)
        write_files(files)
        new["stat"] = {**(record.get("stat") or {}), **{w: s for w, s in found.items() if s},
                       **_written_stat(layout, job.name, missing)}
        cache.write_json(layout.record(job.name), new)
    except Exception as e:  # noqa: BLE001
        out.error = _error(job, layout, type(e).__name__, str(e))
        out.seconds = time.monotonic() - t0
        return out
    out.status, out.seconds = "ok", time.monotonic() - t0
    return out


# ---------------------------------------------------------------- manifest and index


def write_manifest(layout: Layout, jobs: list[Job], outcomes: dict[str, Outcome],
                   fp: cache.Fingerprint, kernels: int, interrupted: bool = False) -> dict:
    """reports/manifest.json and reports/index.html for every declared job (provenance).

    Written only when something in it changed: a build with nothing to do leaves both as
    the last build that changed a report wrote them (its time, its kernel count)."""
    prev = cache.read_json(layout.manifest)
    prev_by_name = {r.get("name"): r for r in (prev or {}).get("reports", [])
                    if isinstance(r, dict)} if isinstance(prev, dict) else {}
    entries, package_lists = [], {fp.packages: fp.package_list}
    for job in jobs:
        rec = cache.read_json(layout.record(job.name))
        rec = rec if isinstance(rec, dict) and rec.get("status") == "ok" else None
        o = outcomes.get(job.name)
        if o is not None:
            status, error = o.status, o.error
        elif job.name in prev_by_name and prev_by_name[job.name].get("status") == "failed":
            status, error = "failed", prev_by_name[job.name].get("error")
        else:
            status, error = ("ok" if rec else "not built"), None
        entry: dict[str, Any] = {
            "name": job.name, "notebook": layout.repo_path(job.notebook),
            "parameters": job.parameters, "status": status, "error": error,
            "failed_notebook": (error or {}).get("failed_notebook"),
            "cache_key": None, "key_parts": None, "packages_sha256": None,
            "built_at": None, "seconds": None, "outputs": {}, "executed": None, "facts": {}}
        if rec:
            pk = rec.get("key_parts", {}).get("packages_sha256")
            entry.update(cache_key=rec.get("key"), key_parts=rec.get("key_parts"),
                         packages_sha256=pk, built_at=rec.get("built_at"),
                         seconds=rec.get("seconds"), outputs=rec.get("outputs", {}),
                         executed=rec.get("executed"), facts=rec.get("facts") or {})
            if pk and rec.get("packages"):
                package_lists.setdefault(pk, rec["packages"])
        entries.append(entry)
    used = {e["packages_sha256"] for e in entries} | {fp.packages}
    manifest = {
        "generated_at": _now(), "engine": cache.ENGINE_VERSION, "python": fp.python,
        "packages_sha256": fp.packages, "kernels_started": kernels, "interrupted": interrupted,
        "layout": {f: f"{f}/<name>{SUFFIX[f]}" for f in FORMATS}
        | {"executed": "executed/<name>.ipynb", "failed": "failed/<name>.ipynb"},
        "reports": entries,
        "packages": {k: v for k, v in package_lists.items() if k in used},
    }
    stamp = ("generated_at", "kernels_started", "interrupted")
    if (not interrupted and isinstance(prev, dict) and layout.index.is_file()
            and {k: v for k, v in prev.items() if k not in stamp}
            == {k: v for k, v in manifest.items() if k not in stamp}):
        refresh_index(layout, prev)  # writes only if the documents it links changed
        return prev  # nothing changed: the manifest of the last change stands
    cache.write_json(layout.manifest, manifest)
    refresh_index(layout, manifest)
    return manifest


def _run_steps(steps: Sequence[Callable[[Layout], object]], layout: Layout,
               fp: cache.Fingerprint) -> bool:
    """Run each step unless it already ran on the same inputs; True if any step ran.

    A step's record (reports/.cache/steps/<name>.json) keeps the digest of the data folder,
    the code and the packages, of what the step declares it depends on beyond the files it
    reads (`step.key(layout)`, e.g. the git commit a document prints), of every file it read
    outside the code and packages (found as it ran: `cache.ReadRecorder`) and of the outputs
    it declares (`step.outputs(layout) -> list[Path]`), with each file's size and mtime (a file
    still showing them is not read again: `cache.verified_stat`). Any of them changed, or an
    output missing or edited, runs the step again; otherwise it writes nothing (but the new
    size and mtime of a file found intact by hashing, e.g. touched).
    """
    ran = False
    for step in steps:
        name = step.__name__.strip("_")
        record_path = layout.reports / ".cache" / "steps" / f"{name}.json"
        outputs = [Path(p) for p in getattr(step, "outputs", lambda _layout: [])(layout)]
        key = cache.sha256_bytes(cache.canonical_json(
            {"data": fp.data, "src": fp.src, "packages": fp.packages, "python": fp.python,
             "step": getattr(step, "key", lambda _layout: None)(layout)}).encode())
        record = cache.read_json(record_path)
        if (isinstance(record, dict) and record.get("key") == key
                and set(record.get("outputs") or {}) == {str(p) for p in outputs}):
            stats = record.get("stat") or {}
            found = cache.verified_stats(
                {**(record.get("inputs") or {}), **(record.get("outputs") or {})}, stats)
            if found is not None:
                if found != stats:
                    cache.write_json(record_path, {**record, "stat": found})
                continue
        skip = [layout.src, *cache.installed_roots()]
        with cache.ReadRecorder(skip=skip) as reads:
            step(layout)
        ran = True
        inputs, read_stat = cache.file_digests(reads.files(exclude=outputs))
        written, written_stat = cache.file_digests(outputs)
        cache.write_json(record_path, {"key": key, "inputs": inputs, "outputs": written,
                                       "stat": {**read_stat, **written_stat}})
    return ran


def refresh_index(layout: Layout, manifest: dict[str, Any] | None = None) -> None:
    """Rewrite the landing pages (one per language) and the build page from the manifest,
    linking the documents now present (only the pages that changed
    are written)."""
    if manifest is None:
        manifest = json.loads(layout.manifest.read_text(encoding="utf-8"))
    documents = sorted(p.relative_to(layout.reports).as_posix() for p in
                       [*layout.reports.glob("source/*.html"),
                        *layout.reports.glob("replication_*.*")])
    pages = {layout.reports / index.BUILD_PAGE: index.render_build_page(manifest, documents)}
    for lang, page in index.LANDING.items():
        source = next((d for d in documents if d.startswith("source/")
                       and d.endswith("_en.html") == (lang == "en")), "")
        pages[layout.reports / page] = index.render_landing(
            manifest, lang, article=_article(layout, lang), documents=documents,
            findings=index.findings(manifest, lang, source, _default_province(layout)))
    changed = {}
    for path, page in pages.items():
        try:
            if path.read_text(encoding="utf-8") == page:
                continue
        except (OSError, UnicodeDecodeError):
            pass
        changed[path] = page
    if changed:
        write_files(changed)


def _default_province(layout: Layout) -> str | None:
    try:
        return default_province(layout.data / "processed" / "lessons.csv")
    except UserError:
        return None


def _article(layout: Layout, lang: str) -> index.Article | None:
    """The article as the landing page names it, from data/raw's metadata (None if absent)."""
    try:
        meta = article_meta(layout.data / "raw" / paths.ARTICLE_META.name)
    except UserError:
        return None
    when = meta["published"]
    when = when if isinstance(when, dt.datetime) else dt.datetime.fromisoformat(str(when))
    return index.Article(title=str(meta["title"]), byline=str(meta["byline"]),
                         published=format_date(when, DATE_FORMAT[lang], locale=lang))


# ---------------------------------------------------------------- running


def _spec(plan: _Plan, layout: Layout, timeout: float | None, check_env: bool,
          fork: bool = False) -> dict[str, Any]:
    return {"name": plan.job.name, "notebook": plan.notebook.decode("utf-8"),
            "parameters": plan.job.parameters, "cwd": str(plan.job.notebook.parent),
            "timeout": timeout or plan.job.timeout, "work": str(layout.work),
            "check_env": check_env, "fork": fork,
            "env": {paths.DATA_ENV: str(layout.data), paths.REPORTS_ENV: str(layout.reports)}}


def _crash(exc: BaseException) -> dict[str, Any]:
    return {"ok": False, "notebook": None, "kernels": 0, "seconds": 0.0,
            "error": {"ename": type(exc).__name__, "evalue": str(exc) or "worker crashed"}}


def _run_local(specs: list[dict[str, Any]], workers: int,
               on_result: Callable[[str, dict[str, Any]], None]) -> None:
    ctx = multiprocessing.get_context("spawn")  # no inherited lock file descriptor, no threads
    first = specs[0] if specs[0].get("fork") else None
    pool = ProcessPoolExecutor(max_workers=max(1, min(workers, len(specs))), mp_context=ctx,
                               initializer=_worker_init, initargs=(first,))
    try:
        futures = {pool.submit(run_notebook, s): s["name"] for s in specs}
        for fut in as_completed(futures):
            try:
                res = fut.result()
            except Exception as e:  # noqa: BLE001 — a broken worker fails its job, not the build
                res = _crash(e)
            on_result(futures[fut], res)
    except BaseException:
        for proc in list(getattr(pool, "_processes", {}).values()):
            proc.terminate()  # kernels notice their parent is gone and exit
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _check_reachable(address: str, seconds: float = 5.0) -> None:
    """Refuse a scheduler nobody listens on at once (a refused connection), rather than after
    Dask's own connect timeout, and before the build takes its lock."""
    host, _, port = address.split("://", 1)[1].rpartition(":")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=seconds).close()
    except OSError as e:
        raise UserError(f"cannot reach the Dask scheduler ({e.strerror or e})", where=address,
                        fix="start `dask scheduler` and `dask worker ADDRESS` first") from None


def _run_dask(address: str, specs: list[dict[str, Any]],
              on_result: Callable[[str, dict[str, Any]], None]) -> None:
    try:
        import distributed  # deferred import (README: Architecture)
    except ImportError:
        raise UserError("--scheduler needs Dask distributed", where="--scheduler",
                        fix="pip install 'giamngheo-analysis[dask]'") from None
    try:
        client = distributed.Client(address, timeout="10s", set_as_default=False)
    except (OSError, TimeoutError) as e:
        raise UserError(f"cannot reach the Dask scheduler ({e})", where=address,
                        fix="start `dask scheduler` and `dask worker ADDRESS` first") from None
    try:
        futures = {client.submit(run_notebook, s, pure=False): s["name"] for s in specs}
        for fut in distributed.as_completed(list(futures), loop=client.loop):
            try:
                res = fut.result()
            except Exception as e:  # noqa: BLE001
                res = _crash(e)
            on_result(futures[fut], res)
    finally:
        client.close()


def _ensure_writable(reports: Path) -> None:
    """The reports folder exists and can be written (checked without writing in it, so a
    build with nothing to do leaves every file and folder as it was)."""
    try:
        reports.mkdir(parents=True, exist_ok=True)
        if not os.access(reports, os.W_OK | os.X_OK):
            raise PermissionError(13, "Permission denied")
    except OSError as e:
        raise UserError(f"the reports folder is not writable ({e.strerror or e})",
                        where=str(reports),
                        fix="fix its permissions or choose another with --reports-dir") from None


def _default_log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def build(*, layout: Layout | None = None, only: Sequence[str] | None = None,
          workers: int | None = None, force: bool = False, formats: Sequence[str] | None = None,
          dry_run: bool = False, timeout: float | None = None, scheduler: str | None = None,
          log: Callable[[str], None] = _default_log, progress: bool | None = None,
          before: Sequence[Callable[[Layout], object]] = (),
          after: Sequence[Callable[[Layout], object]] = (),
          fork_kernels: bool = True) -> BuildSummary:
    """Build every declared report that is out of date; return what happened to each.

    Configuration, parameters and options are all checked (UserError) before any kernel
    starts; then the stale derived data files are made again (`analysis.build.derive`; a dry
    run only names them) before the reports are planned. `progress` (default: stderr is a
    terminal) chooses a tqdm bar over log lines.
    `before` steps run under the build lock before the jobs (e.g. the annotated article the
    reports link to); `after` steps run when every job succeeded (e.g. documents assembled
    from the executed notebooks), then, if one ran, the index is refreshed to link what it
    wrote.
    `fork_kernels` (local workers only): fork each kernel from the worker's zygote, which has
    the notebooks' libraries imported already (`analysis.build.kernels`); False starts every
    kernel as a new process.
    """
    layout = layout or Layout()
    all_jobs = load_config(layout.config)
    jobs = _select(all_jobs, only)
    cli_formats = _check_formats(formats)
    if workers is not None and workers < 1:
        raise UserError(f"--workers must be 1 or more, got {workers}", where="--workers")
    if timeout is not None and timeout <= 0:
        raise UserError(f"--timeout must be a positive number of seconds, got {timeout}",
                        where="--timeout")
    if scheduler is not None and not SCHEDULER_RE.match(scheduler):
        raise UserError(f"bad scheduler address {scheduler!r}", where="--scheduler",
                        fix="write it as tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786")
    workers = workers or os.cpu_count() or 1

    # derived data first (nothing written when up to date), so the reports' keys see it
    if dry_run:
        for d, why in derive.stale(layout.data):
            log(f"would derive data/{d.output} ({why})")
    else:
        derive.refresh(layout.data, log=log)
    fp = cache.Fingerprint.of(layout.data, layout.src)
    plans = [p for j in jobs if (p := _plan(j, fp, layout, cli_formats, force))]
    summary = BuildSummary(dry_run=dry_run)
    if dry_run:
        label = {"cached": "cached", "export": "would export", "execute": "would build"}
        summary.outcomes = [Outcome(p.job, "planned", label[p.action], reason=p.reason)
                            for p in plans]
        return summary

    if scheduler is not None:
        _check_reachable(scheduler)
    _ensure_writable(layout.reports)
    lock = FileLock(str(layout.lock))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise UserError("another build is running on this reports folder",
                        where=str(layout.lock),
                        fix="wait for it to finish; the lock is released when it exits") from None
    try:
        sweep_temporary(layout.reports)
        _run_steps(before, layout, fp)
        summary = _execute(plans, all_jobs, layout, fp, workers, timeout, scheduler, log,
                           sys.stderr.isatty() if progress is None else progress, summary,
                           fork_kernels)
        if after and not summary.failed and _run_steps(after, layout, fp):
            refresh_index(layout)  # to link what they wrote (the manifest's refresh came first)
        return summary
    finally:
        lock.release()


def _execute(plans: list[_Plan], all_jobs: list[Job], layout: Layout, fp: cache.Fingerprint,
             workers: int, timeout: float | None, scheduler: str | None,
             log: Callable[[str], None], bar_on: bool, summary: BuildSummary,
             fork_kernels: bool = True) -> BuildSummary:
    """Run the plans: exports (of notebooks executed now, or kept from an earlier build) in a
    background thread fed as results arrive, so they overlap the execution of the next
    notebooks while this thread goes on collecting results; each job's files are still
    written all at once and its cache record last, by that thread."""
    done: dict[str, Outcome] = {}
    bar = tqdm(total=len(plans), unit="report", file=sys.stderr, disable=not bar_on,
               dynamic_ncols=True)
    lock = threading.Lock()

    def record(o: Outcome) -> None:
        with lock:
            done[o.job.name] = o
            summary.outcomes.append(o)
            summary.kernels_started += o.kernels
            if bar_on:
                bar.set_postfix_str(f"{o.job.name}: {o.status}", refresh=False)
                bar.update(1)
            else:
                what = o.source if o.status == "ok" else "FAILED"
                log(f"[{len(done)}/{len(plans)}] {o.job.name}: {what} ({o.seconds:.1f} s)"
                    + (f" — {o.error['message']}" if o.error else ""))

    def finish(plan: _Plan, step: Callable[[], Outcome]) -> None:
        try:
            o = step()
        except Exception as e:  # noqa: BLE001 — a bug in finishing one job fails that job only
            o = Outcome(plan.job, "failed", plan.action, reason=plan.reason,
                        error=_error(plan.job, layout, type(e).__name__, str(e)))
        record(o)

    by_name = {p.job.name: p for p in plans}
    exporter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export")
    try:
        for p in plans:
            if p.action == "cached":
                _restat(p, layout)
                record(Outcome(p.job, "ok", "cached", reason=p.reason))
        if any(p.action != "cached" for p in plans):
            exporter.submit(_warm_exports)  # while the first kernels start
        for p in plans:
            if p.action == "export":
                exporter.submit(finish, p, lambda p=p: _finish_export(p, layout, fp))
        specs = [_spec(p, layout, timeout, scheduler is not None,
                       fork=fork_kernels and scheduler is None)
                 for p in plans if p.action == "execute"]
        if specs:
            if not bar_on:
                where = scheduler or f"{min(workers, len(specs))} worker process(es)"
                log(f"building {len(specs)} report(s) on {where}")

            def on_result(name: str, res: dict[str, Any]) -> None:
                plan = by_name[name]
                exporter.submit(finish, plan,
                                lambda: _finish_execution(plan, res, layout, fp))

            if scheduler:
                _run_dask(scheduler, specs, on_result)
            else:
                _run_local(specs, workers, on_result)
        exporter.shutdown(wait=True)
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        # an export under way finishes (its writes are atomic); those not started are dropped
        exporter.shutdown(wait=True, cancel_futures=True)
        bar.close()
        write_manifest(layout, all_jobs, done, fp, summary.kernels_started, summary.interrupted)
    if summary.interrupted:
        raise KeyboardInterrupt
    order = {p.job.name: i for i, p in enumerate(plans)}
    summary.outcomes.sort(key=lambda o: order[o.job.name])
    return summary


def _warm_exports() -> None:
    """Import the exporters before the first notebook is done (about a second)."""
    from analysis.build import export  # deferred import (README: Architecture)

    export.warm()


def format_summary(summary: BuildSummary) -> str:
    """The closing table: job, status, seconds, cached or built; then each failure."""
    rows = [(o.job.name, o.status, f"{o.seconds:.1f}", o.source) for o in summary.outcomes]
    head = ("job", "status", "seconds", "cached/built")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    lines = ["  ".join(c.rjust(w) if i == 2 else c.ljust(w)
                       for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip()
             for r in [head, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if summary.dry_run:
        lines += [f"  {o.job.name}: {o.source} ({o.reason})" for o in summary.outcomes
                  if o.source != "cached"]
    for o in summary.failed:
        lines.append(f"FAILED {o.job.name}: {o.error['message'] if o.error else ''}")
        if o.error and o.error.get("failed_notebook"):
            lines.append(f"       executed notebook with the error (in the reports folder): "
                         f"{o.error['failed_notebook']}")
    n_ok = sum(o.status == "ok" for o in summary.outcomes)
    lines.append(f"{n_ok} ok, {len(summary.failed)} failed, "
                 f"kernels started: {summary.kernels_started}")
    return "\n".join(lines)
