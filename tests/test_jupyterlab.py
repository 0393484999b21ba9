"""The notebooks in a real JupyterLab, as a reader opens them.

Starts `jupyter lab` from this venv on 127.0.0.1 (a free port, a random token, notebooks/ as
its root), then for each notebook: opens it through the contents API, starts its kernel through
the sessions API, and over the kernel's websocket runs the `parameters` cell and the cell after
it (the imports and first loads), checking each reply and, through user_expressions, that the
kernel is this venv's Python and imported the `analysis` package of this checkout. Sessions are
deleted one by one (one kernel at a time) and the server is always stopped. Every wait is
bounded. Nothing is written into notebooks/ (no save, no checkpoint).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
import websocket

from analysis.data import paths

pytestmark = pytest.mark.slow

JUPYTER = Path(sys.executable).parent / "jupyter"
START_TIMEOUT = 60.0
REPLY_TIMEOUT = 120.0
NOTEBOOKS = sorted(p.name for p in paths.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A running `jupyter lab` and an authorised HTTP session to it."""

    def __init__(self, proc: subprocess.Popen, port: int, token: str, log: Path) -> None:
        self.proc, self.port, self.token, self.log = proc, port, token, log
        self.base = f"http://127.0.0.1:{port}"
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"token {token}"

    def url(self, path: str) -> str:
        return self.base + path

    def log_tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])


@pytest.fixture(scope="module")
def lab():
    port, token = _free_port(), secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory(prefix="lab-test-") as tmp:
        home = Path(tmp)
        env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"),
                   JUPYTER_DATA_DIR=str(home / "data"),
                   JUPYTER_RUNTIME_DIR=str(home / "runtime"),
                   JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
                   IPYTHONDIR=os.environ.get("IPYTHONDIR", str(home / "ipython")),
                   MPLCONFIGDIR=os.environ.get("MPLCONFIGDIR", str(home / "matplotlib")),
                   PYTHONDONTWRITEBYTECODE="1")
        log = home / "lab.log"
        cmd = [str(JUPYTER), "lab", "--no-browser", "--ip", "127.0.0.1", "--port", str(port),
               f"--ServerApp.token={token}", "--allow-root", "--notebook-dir",
               str(paths.NOTEBOOKS), "--ServerApp.port_retries=0"]
        with open(log, "wb") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env,
                                    cwd=paths.PROJ_ROOT, start_new_session=True)
        server = Lab(proc, port, token, log)
        try:
            _wait_ready(server)
            yield server
        finally:
            _stop(server)


def _wait_ready(lab: Lab) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if lab.proc.poll() is not None:
            pytest.fail(f"jupyter lab exited with {lab.proc.returncode}:\n{lab.log_tail()}",
                        pytrace=False)
        try:
            if lab.http.get(lab.url("/api/status"), timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.25)
    pytest.fail(f"jupyter lab did not answer within {START_TIMEOUT:g} s:\n{lab.log_tail()}",
                pytrace=False)


def _stop(lab: Lab) -> None:
    """Delete any session left, ask the server to shut down, then make sure its process group
    (the server and its kernels, nothing else) is gone."""
    try:
        for s in lab.http.get(lab.url("/api/sessions"), timeout=5).json():
            lab.http.delete(lab.url(f"/api/sessions/{s['id']}"), timeout=10)
        lab.http.post(lab.url("/api/shutdown"), timeout=5)
    except (requests.RequestException, ValueError):
        pass
    with contextlib.suppress(subprocess.TimeoutExpired):
        lab.proc.wait(timeout=15)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(lab.proc.pid, sig)
        except ProcessLookupError:
            break
        time.sleep(1)
    lab.proc.wait(timeout=10)


def _execute(ws: websocket.WebSocket, session: str, code: str,
             expressions: dict[str, str] | None = None) -> tuple[dict, list[dict]]:
    """Run `code` over the kernel websocket; return the execute_reply content and the iopub
    messages (errors, streams, outputs) that answered it."""
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "session": session,
                   "username": "test", "version": "5.3",
                   "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": True,
                    "user_expressions": expressions or {}, "allow_stdin": False,
                    "stop_on_error": True}}))
    iopub: list[dict] = []
    reply, idle = None, False
    deadline = time.monotonic() + REPLY_TIMEOUT
    while not (reply and idle):
        ws.settimeout(max(0.1, deadline - time.monotonic()))
        if time.monotonic() > deadline:
            raise TimeoutError(f"no reply within {REPLY_TIMEOUT:g} s to: {code[:80]!r}")
        msg = json.loads(ws.recv())
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = msg["header"]["msg_type"]
        if kind == "execute_reply":
            reply = msg["content"]
        elif msg.get("channel") == "iopub":
            iopub.append(msg)
            idle = idle or (kind == "status" and msg["content"]["execution_state"] == "idle")
    return reply, iopub


def _text(value: dict) -> str:
    assert value.get("status") == "ok", value
    return value["data"]["text/plain"]


def test_server_answers_only_with_the_token(lab):
    status = lab.http.get(lab.url("/api/status"), timeout=5)
    assert status.status_code == 200 and "started" in status.json()
    assert requests.get(lab.url("/api/status"), timeout=5).status_code == 403
    assert requests.get(lab.url("/api/status"), timeout=5,
                        headers={"Authorization": "token wrong"}).status_code == 403
    assert lab.http.get(lab.url("/lab"), timeout=10).status_code == 200
    listing = lab.http.get(lab.url("/api/contents/"), timeout=5).json()
    assert {c["name"] for c in listing["content"]} >= set(NOTEBOOKS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_opens_and_its_first_cells_run_in_its_kernel(lab, name):
    model = lab.http.get(lab.url(f"/api/contents/{quote(name)}?content=1&type=notebook"),
                         timeout=10)
    assert model.status_code == 200, model.text
    nb = model.json()["content"]
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    params = code[0]
    assert "parameters" in params["metadata"].get("tags", []), f"{name}: first code cell untagged"
    imports = code[1]
    assert "from analysis" in imports["source"] or "import analysis" in imports["source"]

    created = lab.http.post(lab.url("/api/sessions"), timeout=30, json={
        "path": name, "name": name, "type": "notebook", "kernel": {"name": "python3"}})
    assert created.status_code == 201, created.text
    sess = created.json()
    try:
        kernel = sess["kernel"]["id"]
        ws = websocket.create_connection(
            f"ws://127.0.0.1:{lab.port}/api/kernels/{kernel}/channels?token={lab.token}",
            timeout=REPLY_TIMEOUT)
        try:
            session = uuid.uuid4().hex
            reply, _ = _execute(ws, session, params["source"],
                                {"lang": "lang", "cwd": "__import__('os').getcwd()"})
            assert reply["status"] == "ok", reply
            assert _text(reply["user_expressions"]["lang"]) == "'vi'"
            assert Path(eval(_text(reply["user_expressions"]["cwd"]))) == paths.NOTEBOOKS

            reply, iopub = _execute(ws, session, imports["source"], {
                "analysis": "__import__('analysis').__file__",
                "python": "__import__('sys').executable",
                "lang": "lang"})
            errors = [m["content"] for m in iopub if m["header"]["msg_type"] == "error"]
            assert reply["status"] == "ok" and not errors, (reply, errors)
            ex = reply["user_expressions"]
            assert Path(eval(_text(ex["analysis"]))) == paths.PACKAGE_DIR / "__init__.py"
            assert Path(eval(_text(ex["python"]))).parent == Path(sys.executable).parent
            assert _text(ex["lang"]) == "'vi'"  # check_lang kept the default
        finally:
            ws.close()
    finally:
        gone = lab.http.delete(lab.url(f"/api/sessions/{sess['id']}"), timeout=30)
        assert gone.status_code == 204
    assert lab.http.get(lab.url(f"/api/kernels/{kernel}"), timeout=5).status_code == 404
