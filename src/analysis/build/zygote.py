"""The kernel zygote: a process that imports what the notebooks import once, then forks a fresh
IPython kernel for each notebook (run as `python -m analysis.build.zygote FD` by
`analysis.build.kernels.Zygote`, one per build worker).

A kernel started by `python -m ipykernel_launcher` spends ~2 s starting Python and importing
ipykernel, and the notebook's first cell ~1.5 s more importing pandas, matplotlib, seaborn,
geopandas, pandera and the `analysis` modules. Here those imports happen once; each kernel is a
`fork()` of this process taken *before* any notebook code ran, so every notebook still starts
from a clean namespace: what one notebook changes (globals, rcParams, pandas options, module
attributes, the working folder) lives in its own forked copy and dies with it.

What the fork must not inherit, and how it is avoided:

- threads, event loops, zmq contexts and sockets: none is created here (checked before the
  first fork: a zygote that finds one refuses to fork and the build starts ordinary kernels).
  OpenBLAS starts its own worker threads when numpy loads; it stops them around `fork()` itself
  (its pthread_atfork handler) and starts them again in the child when first needed;
- import-time state that depends on the kernel: nothing that needs a running IPython shell is
  imported (`matplotlib_inline.backend_inline` wires itself into the shell at import, so it is
  left to the kernel; its heavy parts, the Agg backend and IPython's display, are preloaded);
  MPLBACKEND is set to the inline backend before matplotlib is imported, as ipykernel sets it
  before any notebook code runs;
- random state: `random` reseeds itself in a forked child; numpy's global generator is
  reseeded here;
- memory: the preloaded objects are frozen out of the cyclic garbage collector before each
  fork (`gc.freeze()`, as the gc documentation advises for pre-fork servers), so a kernel's
  collections neither walk nor copy the pages it shares with the zygote — without it every
  kernel spent ~0.2 s in its first full collection and ~0.5 s collecting them again at exit;
  and a kernel that has shut down leaves without tearing its modules down
  (`exit_quickly`: threads joined, exit handlers run, open files flushed, as Python would);
- process state: the child starts its own session (as jupyter_client starts kernels), gets the
  kernel's stdin (a closed pipe), stdout/stderr (the kernel log the manager opened), working
  folder, environment (the manager's, plus what the preloaded imports set), argv and sys.path
  exactly as `python -m ipykernel_launcher -f <connection file>` would have them, and the
  signal dispositions this process started with.

Protocol, over a SOCK_SEQPACKET Unix socket (one JSON message per packet):
  → {"op": "fork", "cmd": [python, "-m", "ipykernel_launcher", ...], "cwd": ..., "env": {...}}
    + 2 fds (stdout, stderr)
  ← {"pid": N}
  → {"op": "reap", "pid": N}            ← {"status": exit code, -signal if killed}
  end of file: every kernel still running is killed and reaped, and the zygote exits.
The first reply comes only once the imports are done; a zygote that cannot serve says why
({"error": ...}) and exits.

Only the standard library is imported at module level: what the kernels inherit is the
preload list below, nothing else.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import importlib.util
import io
import json
import os
import pkgutil
import signal
import socket
import sys
import threading
import warnings
from collections.abc import Sequence
from typing import Any

#: What ipykernel sets MPLBACKEND to before any notebook code runs (when it is unset).
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"

#: Imported once here, so no kernel imports them again, in two steps: what a fresh kernel has
#: imported before it runs any notebook code (ipykernel and what it brings), then what the
#: notebooks import. No module below changes global state at import beyond what importing it in
#: a fresh kernel would; what they derive at import from the process (pandas' console
#: defaults, the order of warning filters) is redone in each kernel
#: (`Zygote.as_if_imported_in_the_kernel`), and tests/test_kernels.py checks the result.
KERNEL_PRELOAD = (
    "IPython", "IPython.display", "IPython.core.interactiveshell", "IPython.core.pylabtools",
    "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.iostream",
    "ipykernel.heartbeat", "ipykernel.parentpoller", "ipykernel.eventloops",
    "ipykernel.comm", "jupyter_client.session", "zmq", "tornado.ioloop",
)
NOTEBOOK_PRELOAD = (
    "numpy", "pandas", "scipy.stats", "matplotlib", "matplotlib.pyplot",
    "matplotlib.backends.backend_agg", "seaborn", "shapely", "geopandas",
    "sklearn.feature_extraction.text", "sklearn.metrics.pairwise", "pandera.pandas", "yaml",
    "babel.numbers", "babel.dates",
)
#: The notebooks' helper library: every module of these layers (not `build`, `cli`).
PRELOAD_PACKAGES = ("analysis.data", "analysis.reading", "analysis.compute", "analysis.show")

MAX_MESSAGE = 1 << 22
#: Variables jupyter_client sets per kernel and ipykernel reads at run time (the one read at
#: import, JPY_PARENT_PID, is handed to the kernel app explicitly). Any other difference
#: between a kernel's environment and the zygote's means the imports here saw another
#: environment than the kernel's own would: that kernel is started the ordinary way.
PER_KERNEL_ENV = frozenset({"JPY_PARENT_PID", "JPY_SESSION_NAME"})


def preload(names: Sequence[str], packages: Sequence[str] = ()) -> list[str]:
    """Import `names` and every module of `packages`; return 'module: error' for those that
    failed (a notebook importing one meets the same error itself: not fatal here)."""
    failed = []
    names = list(names)
    for pkg in packages:
        try:
            mod = importlib.import_module(pkg)
        except Exception as e:  # noqa: BLE001 — reported, the kernel will raise it again
            failed.append(f"{pkg}: {type(e).__name__}: {e}")
            continue
        names += [f"{pkg}.{m.name}" for m in pkgutil.iter_modules(mod.__path__)]
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as e:  # noqa: BLE001
            failed.append(f"{name}: {type(e).__name__}: {e}")
    return failed


def preload_all() -> list[str]:
    return preload(KERNEL_PRELOAD) + preload(NOTEBOOK_PRELOAD, PRELOAD_PACKAGES)


def unsafe_to_fork() -> str | None:
    """Why forking now would hand a kernel shared state, or None."""
    if threading.active_count() != 1:
        return f"{threading.active_count()} Python threads running"
    zmq = sys.modules.get("zmq")
    if zmq is not None and getattr(zmq.Context, "_instance", None) is not None:
        return "a zmq context exists"
    asyncio = sys.modules.get("asyncio")
    if asyncio is not None and asyncio.events._get_running_loop() is not None:
        return "an event loop is running"
    return None


class Zygote:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.children: set[int] = set()
        # what a kernel started by jupyter_client would start with
        self.signals = {s: signal.getsignal(s) for s in signal.valid_signals()
                        if signal.getsignal(s) is not None}
        cwd = os.getcwd()
        env_before = self.env = dict(os.environ)
        os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's business
        self.failed = preload(KERNEL_PRELOAD)
        filters_before = list(warnings.filters)
        self.failed += preload(NOTEBOOK_PRELOAD, PRELOAD_PACKAGES)
        # the warning filters the notebooks' imports added: in a fresh kernel they sit in
        # front of the ones the kernel itself adds when it starts (the notebook imports later)
        self.import_filters = [f for f in warnings.filters if f not in filters_before]
        # what the imports (and the backend line above) set: a kernel that had imported them
        # would see it in its environment
        self.env_added = {k: v for k, v in os.environ.items() if env_before.get(k) != v}
        self.env_removed = [k for k in env_before if k not in os.environ]
        # `python -m` put our working folder first; ipykernel_launcher drops it (ipykernel
        # then adds '' for the kernel's own folder)
        self.path = sys.path[1:] if sys.path and sys.path[0] in ("", cwd) else list(sys.path)

    def send(self, obj: dict[str, Any]) -> None:
        self.sock.send(json.dumps(obj).encode("utf-8"))

    def serve(self) -> tuple[dict[str, Any], list[int]] | None:
        """Answer requests until end of file (returns None) or, in a forked child, return
        the request that child is to run as a kernel."""
        while True:
            try:
                data, fds, _flags, _addr = socket.recv_fds(self.sock, MAX_MESSAGE, 2)
            except OSError:
                data, fds = b"", []
            if not data:
                self.shutdown()
                return None
            msg = json.loads(data)
            if msg["op"] == "fork":
                why = unsafe_to_fork()
                if why:
                    self.send({"error": f"not forking: {why}"})
                    self.shutdown()
                    return None
                differ = sorted(k for k in {*msg["env"], *self.env} - PER_KERNEL_ENV
                                if msg["env"].get(k) != self.env.get(k))
                if differ:
                    for fd in fds:
                        os.close(fd)
                    self.send({"refused": "the kernel's environment differs from the "
                                          f"zygote's in {', '.join(differ[:5])}"})
                    continue
                sys.stdout.flush()
                sys.stderr.flush()
                gc.freeze()
                pid = os.fork()
                if pid == 0:
                    return msg, fds
                for fd in fds:
                    os.close(fd)
                self.children.add(pid)
                self.send({"pid": pid})
            elif msg["op"] == "reap":
                self.send({"status": self.reap(msg["pid"])})
            else:
                self.send({"error": f"unknown request {msg['op']!r}"})

    def reap(self, pid: int) -> int:
        if pid not in self.children:
            return -1
        self.children.discard(pid)
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            return -1
        return os.waitstatus_to_exitcode(status)

    def shutdown(self) -> None:
        """The worker is gone (or we cannot serve): no kernel outlives its build."""
        for pid in list(self.children):
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
            self.reap(pid)

    def become_kernel(self, msg: dict[str, Any], fds: list[int]) -> None:
        """In the forked child: turn into what `python -m ipykernel_launcher -f FILE`, started
        by jupyter_client with this stdout/stderr, folder and environment, would be."""
        self.sock.close()
        os.setsid()
        read_end, write_end = os.pipe()  # the launcher's stdin: a pipe already closed
        os.close(write_end)
        os.dup2(read_end, 0)
        os.close(read_end)
        os.dup2(fds[0], 1)
        os.dup2(fds[1], 2)
        for fd in set(fds):
            os.close(fd)
        for signum, handler in self.signals.items():
            with contextlib.suppress(OSError, ValueError):
                signal.signal(signum, handler)
        os.chdir(msg["cwd"])
        env = dict(msg["env"])
        for key in self.env_removed:
            env.pop(key, None)
        env.update(self.env_added)
        # the kernel watches its parent: that is this zygote, which lives as long as the worker
        parent = os.getppid()
        env["JPY_PARENT_PID"] = str(parent)
        os.environ.clear()
        os.environ.update(env)
        spec = importlib.util.find_spec("ipykernel_launcher")
        sys.argv = [spec.origin if spec and spec.origin else "ipykernel_launcher", *msg["cmd"][3:]]
        sys.orig_argv = list(msg["cmd"])
        sys.path[:] = self.path
        numpy = sys.modules.get("numpy")
        if numpy is not None:
            numpy.random.seed()  # the zygote's state, shared by every fork, replaced
        from ipykernel.kernelapp import IPKernelApp

        # ipykernel read JPY_PARENT_PID when it was imported here, before there was a parent
        app = IPKernelApp.instance(parent_handle=parent)
        app.initialize()
        self.as_if_imported_in_the_kernel()
        app.start()
        exit_quickly()

    def as_if_imported_in_the_kernel(self) -> None:
        """Redo what the preloaded modules derived at import from a process that was not yet a
        kernel. tests/test_kernels.py compares a forked kernel with a fresh one (environment,
        paths, signals, rcParams, every pandas option, warning filters, namespace, ...): a
        difference found there is fixed here."""
        rest = [f for f in warnings.filters if f not in self.import_filters]
        warnings.filters[:] = [*self.import_filters, *rest]
        warnings._filters_mutated()  # type: ignore[attr-defined]
        if "pandas" in sys.modules:
            # pandas sizes its text output for a terminal unless `get_ipython()` is a kernel
            # (20 columns, else 0 = the terminal's width), and takes its encoding from
            # sys.stdout — at import (pandas/core/config_init.py, pandas/_config/display.py)
            import IPython
            import pandas as pd
            from pandas._config import config
            from pandas._config.display import detect_console_encoding

            in_kernel = hasattr(IPython.get_ipython(), "kernel")
            for key, value in (("display.max_columns", 20 if in_kernel else 0),
                               ("display.encoding", detect_console_encoding())):
                option = config._registered_options[key]
                config._registered_options[key] = option._replace(defval=value)
                pd.set_option(key, value)


def exit_quickly() -> None:
    """End a kernel as the interpreter would, minus tearing down every module (~0.1-0.2 s with
    pandas and matplotlib loaded, and it would touch every page shared with the zygote): wait
    for the threads Python waits for, run the exit handlers (temporary folders, IPython's
    history), flush every file still open for writing (a notebook's unclosed file keeps what
    it wrote) and the standard streams, then leave."""
    threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()
    for obj in gc.get_objects():
        if isinstance(obj, io.IOBase):
            with contextlib.suppress(Exception):
                if not obj.closed and obj.writable():
                    obj.flush()
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    sock = socket.socket(fileno=int(argv[0]))
    zygote = Zygote(sock)
    job = zygote.serve()
    if job is None:
        return 0
    zygote.become_kernel(*job)
    return 0


if __name__ == "__main__":
    sys.exit(main())
