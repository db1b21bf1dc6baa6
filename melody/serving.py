"""Helpers for a long-lived server process (the Streamlit studio) that shares one model.

Streamlit calls ``keras.backend.clear_session()`` after every rerun of a page that has
imported Keras, and Keras 3 runs a full ``gc.collect()`` there. With TensorFlow, music21
and the model in memory that pass walks ~400,000 objects: about 100 ms on an idle core,
and far more while the browser and FluidSynth compete for the CPU, all of it before the
page's last elements are sent. `warm_up` imports and exercises everything a request
touches once, then moves the survivors into the collector's permanent generation
(``gc.freeze``), so later collections only walk what a request created.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pathlib
import subprocess
import sys
import time

from .melody import Melody


def warm_up(loaded) -> None:
    """Generate and render one short melody (imports, caches, FluidSynth's first start),
    then freeze every object alive now out of the garbage collector's passes."""
    from . import render
    from .sampler import generate

    [melody] = generate(loaded, Melody(("60", "_", "64", "_")), steps=16, random_seed=0, full_length=True)
    render.render_all(melody)
    gc.collect()  # what is garbage now is not frozen
    gc.freeze()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(app: str | os.PathLike, env: dict | None = None, timeout: float = 60.0):
    """``streamlit run app`` on a free local port, yielding its URL once it answers its
    health check; stopped on exit. For the browser test and the click-time benchmark."""
    import urllib.request

    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.headless", "true"]
    process = subprocess.Popen(
        command,
        cwd=pathlib.Path(app).parent,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start within {timeout:.0f} s") from None
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
