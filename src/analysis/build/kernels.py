"""Kernels for the build's workers: forked from a zygote that has already imported the
notebooks' libraries (`analysis.build.zygote`), or started the ordinary way.

Each worker process owns one zygote (`worker_zygote`). papermill's kernel manager gets a
`ForkProvisioner` (a jupyter_client provisioner): where jupyter_client would run
`python -m ipykernel_launcher -f <connection file>`, it asks the zygote for a fork that becomes
exactly that kernel, and drives it through `ForkedProcess` — liveness and signals through a
pidfd (the kernel is the zygote's child, not ours), the exit status from the zygote. When fork
is unavailable (not Linux, no pidfd), the kernel command is not this interpreter's
ipykernel_launcher, or the zygote fails, the kernel is started the ordinary way.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from queue import Empty
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.provisioning import LocalProvisioner

#: Seconds to wait for the zygote's first answer (it answers once its imports are done).
ZYGOTE_START_TIMEOUT = 120.0
#: Seconds to wait for any later answer.
ZYGOTE_TIMEOUT = 30.0
#: Failed zygotes after which a worker gives up forking and starts kernels the ordinary way.
ZYGOTE_FAILURES = 3


class ZygoteError(RuntimeError):
    """The zygote cannot fork a kernel (it refused, died or does not answer)."""


def fork_supported() -> bool:
    """Kernels can be forked here: Linux with fork, pidfds and fd passing over Unix sockets."""
    if not (sys.platform.startswith("linux") and hasattr(os, "fork")
            and hasattr(os, "pidfd_open") and hasattr(socket, "send_fds")
            and hasattr(signal, "pidfd_send_signal")):
        return False
    try:
        os.close(os.pidfd_open(os.getpid()))
    except OSError:  # kernel older than 5.3
        return False
    return True


def launcher_args(cmd: list[str]) -> list[str] | None:
    """The arguments after `python -m ipykernel_launcher` when `cmd` runs this interpreter's
    ipykernel (what the zygote can become), else None."""
    if (len(cmd) >= 3 and cmd[1:3] == ["-m", "ipykernel_launcher"]
            and os.path.abspath(cmd[0]) == os.path.abspath(sys.executable)):
        return list(cmd[3:])
    return None


class Zygote:
    """The worker's end of one zygote process (see `analysis.build.zygote`)."""

    def __init__(self, env: dict[str, str], cwd: str | None = None) -> None:
        self.env, self.cwd = dict(env), cwd
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "analysis.build.zygote", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), env=self.env, cwd=cwd, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self.sock = ours
        self.lock = threading.Lock()
        self.broken: str | None = None
        self.answered = False
        self.forks = 0

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _ask(self, msg: dict[str, Any], fds: list[int] | None = None) -> dict[str, Any]:
        with self.lock:
            if self.broken:
                raise ZygoteError(self.broken)
            try:
                payload = [json.dumps(msg).encode("utf-8")]
                if fds:
                    socket.send_fds(self.sock, payload, fds)
                else:
                    self.sock.sendmsg(payload)
                self.sock.settimeout(ZYGOTE_TIMEOUT if self.answered else ZYGOTE_START_TIMEOUT)
                data = self.sock.recv(1 << 16)
            except OSError as e:  # TimeoutError included
                data = b""
                self.broken = f"the zygote does not answer ({e})"
            self.answered = True
            reply = json.loads(data) if data else {"error": self.broken or "the zygote exited"}
            if "error" in reply:
                self.broken = reply["error"]
                self.close()
                raise ZygoteError(self.broken)
            if "refused" in reply:  # this kernel only: the zygote stays usable
                raise ZygoteError(reply["refused"])
            return reply

    def fork(self, cmd: list[str], cwd: str, env: dict[str, str], stdout: int,
             stderr: int) -> int:
        """A new kernel running `cmd` (`python -m ipykernel_launcher …`) in `cwd` with `env`,
        its stdout/stderr on these file descriptors; returns its pid."""
        pid = self._ask({"op": "fork", "cmd": cmd, "cwd": cwd, "env": env}, [stdout, stderr])
        self.forks += 1
        return int(pid["pid"])

    def reap(self, pid: int) -> int:
        """Exit status of a kernel that has ended (as subprocess gives it: -N if killed)."""
        return int(self._ask({"op": "reap", "pid": pid})["status"])

    def close(self) -> None:
        """Stop the zygote (it kills any kernel of ours still running)."""
        with contextlib.suppress(OSError):
            self.sock.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class ForkedProcess:
    """The subprocess.Popen-like handle LocalProvisioner drives, for a kernel forked by the
    zygote: alive until its pidfd is readable, signalled through the pidfd, exit status
    reaped by the zygote (its parent)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, zygote: Zygote) -> None:
        self.pid, self.zygote = pid, zygote
        self.returncode: int | None = None
        self._pidfd: int | None = os.pidfd_open(pid)

    def _ended(self, timeout: float | None) -> bool:
        assert self._pidfd is not None
        return bool(select.select([self._pidfd], [], [], timeout)[0])

    def _finish(self) -> None:
        try:
            self.returncode = self.zygote.reap(self.pid)
        except ZygoteError:
            self.returncode = 1  # the zygote is gone; so is the kernel's exit status
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None

    def poll(self) -> int | None:
        if self.returncode is None and self._ended(0):
            self._finish()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            if not self._ended(timeout):
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0)
            self._finish()
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.returncode is None and self._pidfd is not None:
            signal.pidfd_send_signal(self._pidfd, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkProvisioner(LocalProvisioner):
    """LocalProvisioner whose kernels are forked from `zygote` when it can (else started the
    ordinary way); `forked` says which happened."""

    zygote: Zygote | None = None
    forked = False

    async def launch_kernel(self, cmd: list[str], **kw: Any) -> Any:
        args = launcher_args(cmd)
        zygote = self.zygote
        if zygote is not None and args is not None and not zygote.broken:
            try:
                pid = zygote.fork(cmd, str(kw.get("cwd") or os.getcwd()),
                                  dict(kw.get("env") or os.environ),
                                  _fd(kw.get("stdout"), 1), _fd(kw.get("stderr"), 2))
            except ZygoteError:
                pass  # started the ordinary way below
            else:
                self.process = ForkedProcess(pid, zygote)
                self.pid = self.pgid = pid  # the fork starts its own session, as Popen would
                self.cwd = kw.get("cwd", os.getcwd())
                self.forked = True
                await self._until_bound()
                return self.connection_info
        self.forked = False
        return await super().launch_kernel(cmd, **kw)


    async def _until_bound(self, timeout: float = 10.0) -> None:
        """Wait until the kernel has bound its IPC sockets (their files exist), so the client
        connects at once: a client that connects first retries only every 100 ms and may miss
        the kernel's first status message, costing jupyter_client's wait_for_ready a second
        round (~0.3 s a kernel)."""
        info = self.connection_info
        if info.get("transport") != "ipc":
            return
        files = [f"{info['ip']}-{info[k]}" for k in
                 ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")]
        end = time.monotonic() + timeout
        while (not all(os.path.exists(f) for f in files) and time.monotonic() < end
               and self.process is not None and self.process.poll() is None):
            await asyncio.sleep(0.005)


class ReadyClient(AsyncKernelClient):
    """jupyter_client's client with one wait less: once the kernel has answered kernel_info and
    IOPub delivers, the IOPub messages already there are dropped at once instead of after
    0.2 s of silence (jupyter_client's flush). Nothing is lost: nbclient takes only the
    messages that answer its own requests. ~0.2 s a kernel, fresh or forked."""

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:  # the same handshake as jupyter_client's
            self.kernel_info()
            try:
                msg = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                msg = None
            if msg is not None and msg["msg_type"] == "kernel_info_reply":
                try:  # IOPub connected too? otherwise start over
                    await self.iopub_channel.get_msg(timeout=0.2)
                except Empty:
                    pass
                else:
                    self._handle_kernel_info_reply(msg)
                    break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")
        while True:
            try:
                await self.iopub_channel.get_msg(timeout=0)
            except Empty:
                break

    wait_for_ready = _async_wait_for_ready


def _fd(stream: Any, default: int) -> int:
    if stream is None:
        return default
    return stream if isinstance(stream, int) else stream.fileno()


# ---------------------------------------------------------------- one zygote per worker

_lock = threading.Lock()
_zygote: Zygote | None = None
_failures = 0


def worker_zygote(env: dict[str, str], cwd: str | None = None) -> Zygote | None:
    """This process's zygote for kernels with this environment and folder (started on first
    use, replaced when they change or it broke), or None when kernels cannot be forked (or
    ZYGOTE_FAILURES zygotes broke)."""
    global _zygote, _failures
    with _lock:
        if _zygote is not None and (_zygote.broken or _zygote.env != env or _zygote.cwd != cwd):
            _failures += bool(_zygote.broken)
            _zygote.close()
            _zygote = None
        if _zygote is None and _failures < ZYGOTE_FAILURES and fork_supported():
            _zygote = Zygote(env, cwd)
        return _zygote


@atexit.register
def _close_worker_zygote() -> None:
    if _zygote is not None:
        _zygote.close()
