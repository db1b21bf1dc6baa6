"""Machine facts (melody/core/machine.py): the CPU's name beside every timing, and the one timer."""

from __future__ import annotations

from melody.core.machine import cpu_name, timed


def test_cpu_name_says_whether_it_has_amx():
    name = cpu_name()
    assert name and ("AMX)" in name or "(" not in name)  # no /proc/cpuinfo: the platform's own word


def test_timed_warms_up_once_then_takes_the_median_in_ms():
    calls = []
    ms = timed(lambda: calls.append(1), repeats=5)
    assert len(calls) == 6 and 0 <= ms < 1000
