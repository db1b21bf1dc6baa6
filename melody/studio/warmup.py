"""Helpers for a long-lived server process (the Streamlit studio) that shares one model.

After every rerun Streamlit collects garbage (``runner.postScriptGC``) and, for a page that
has imported Keras, calls ``keras.backend.clear_session()``, which runs a full
``gc.collect()`` again. With TensorFlow, music21 and the model in memory each pass walks
~400,000 objects: about 100 ms on an idle core, far more while the browser and FluidSynth
compete for the CPU, and all before the page's last elements are sent. `warm_up` imports
and exercises everything a request touches once, then moves the survivors into the
collector's permanent generation (``gc.freeze``, once per process), so later collections
only walk what requests create. Frozen objects are never freed: fine for what lives as long
as the server (the modules, the one shared model).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import pathlib
import subprocess
import sys
import time

from melody.core.melody import Melody

_LOG = logging.getLogger(__name__)
_frozen = False


def warm_up(loaded) -> bool:
    """Generate and render one short melody (imports, caches, FluidSynth's first start),
    then, the first time in this process, freeze every object alive out of the garbage
    collector's passes. Returns whether it froze. A failing render is logged, not raised:
    the studio still serves, and the person sees the error where it happens."""
    global _frozen
    from melody.generate.generator import generate
    from melody.output import render

    try:
        [melody] = generate(loaded, Melody(("60", "_", "64", "_")), steps=16, random_seed=0, full_length=True)
        render.render_all(melody)
    except Exception:  # noqa: BLE001  (a warm-up must not take the server down)
        _LOG.warning("warm-up render failed; the studio goes on without it", exc_info=True)
    if _frozen:
        return False
    gc.collect()  # what is garbage now is not frozen
    gc.freeze()
    _frozen = True
    return True


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
