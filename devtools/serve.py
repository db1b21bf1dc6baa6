"""A Streamlit server of the studio on a free port, for tests, benchmarks and measurements."""

from __future__ import annotations

import contextlib
import os
import pathlib
import subprocess
import sys
import time


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _healthy(url: str) -> bool:
    import urllib.request

    try:
        return urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok"
    except OSError:
        return False


@contextlib.contextmanager
def streamlit_server(app: str | os.PathLike, env: dict | None = None, timeout: float = 60.0):
    """``streamlit run app`` on a free local port, yielding its URL once it answers its
    health check; stopped on exit. For the browser test and the click-time benchmark."""
    with streamlit_process(app, env, timeout) as (url, _process):
        yield url


@contextlib.contextmanager
def streamlit_process(app: str | os.PathLike, env: dict | None = None, timeout: float = 60.0):
    """As `streamlit_server`, yielding (URL, the server's `subprocess.Popen`): for measuring
    the server itself (its CPU time and memory, how fast it stops)."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.headless", "true"]
    process = subprocess.Popen(
        command,
        cwd=pathlib.Path(app).parent,
        env={"OPENBLAS_NUM_THREADS": "1", **os.environ, **(env or {})},  # as `make app` serves
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(url):
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {process.returncode} before it served {app}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start within {timeout:.0f} s")
            time.sleep(0.3)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
