"""Facts about the machine a figure was measured on, and the one way the project times a call.

Timings differ between the project's machines (AMD EPYC without AMX, Intel Xeon with it), so
every timing written to a card or printed by a benchmark names the CPU beside it.

    >>> cpu_name()                                   # doctest: +SKIP
    'AMD EPYC (without AMX)'
    >>> timed(lambda: sum(range(1000)), repeats=5)   # doctest: +SKIP
    0.012
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def cpu_name() -> str:
    """The CPU's model name and whether it has AMX (timings differ between the project's
    machines: AMD EPYC without AMX, Intel Xeon with it)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as file:
            info = file.read()
    except OSError:
        import platform

        return platform.processor() or platform.machine()
    name = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "?")
    return f"{name} ({'with' if ' amx_tile' in info else 'without'} AMX)"


def timed(function: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``function()`` in ms, after one warm-up call."""
    function()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)
