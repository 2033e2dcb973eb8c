"""Results do not depend on the host CPU: one machine emulates x86-64-v2, v3 and v4.

Each class runs ``tests/host_probe.py`` (piano-completo, seed 1, scale 0.005, 2015-2025)
in a subprocess whose environment limits what the host offers:

* numpy's SIMD dispatch (``NPY_DISABLE_CPU_FEATURES``): its ``exp``, ``log``, ``power``
  and sorts have AVX2 and AVX-512 implementations of their own;
* numba's compilation target (``NUMBA_CPU_NAME``, ``NUMBA_CPU_FEATURES``);
* glibc's CPU features (``GLIBC_TUNABLES=glibc.cpu.hwcaps=...``): it picks FMA builds of
  ``exp``, ``log``, ``pow``, ``sin`` and ``cos`` where the CPU has FMA.

Every class this machine can run must give the same fingerprint, and the one pinned in
``tests/test_fingerprint.py``. A class above the host's (v4 on a CPU without AVX-512) is
left out: its code would not run here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import llvmlite.binding as llvm
import pytest
from numpy._core import _multiarray_umath as umath

from tests.test_fingerprint import PINNED

PROBE = Path(__file__).resolve().parent / "host_probe.py"
RUN = ("piano-completo", 1, 0.005)


def host_class_environments() -> dict[str, dict[str, str]]:
    """The environment of each host class this machine can emulate."""
    found = {t for t in umath.__cpu_dispatch__ if umath.__cpu_features__.get(t)}
    avx512 = "+avx512f" in llvm.get_host_cpu_features().flatten().split(",")
    classes = {
        "x86-64-v2": {
            "NPY_DISABLE_CPU_FEATURES": " ".join(sorted(found)),
            "NUMBA_CPU_NAME": "x86-64-v2",
            "NUMBA_CPU_FEATURES": "+cx16",
            "GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX,-AVX2,-FMA,-AVX512F",
        }
    }
    if "X86_V3" in found:
        classes["x86-64-v3"] = {
            "NPY_DISABLE_CPU_FEATURES": " ".join(sorted(found - {"X86_V3"})),
            "NUMBA_CPU_NAME": "x86-64-v3",
            "NUMBA_CPU_FEATURES": "+cx16",
            "GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX512F",
        }
    if "X86_V4" in found and avx512:
        classes["x86-64-v4"] = {"NUMBA_CPU_NAME": "x86-64-v4", "NUMBA_CPU_FEATURES": "+cx16"}
    for env in classes.values():
        if not env.get("NPY_DISABLE_CPU_FEATURES"):
            env.pop("NPY_DISABLE_CPU_FEATURES", None)
    return classes


def probe(env: dict[str, str]) -> dict:
    """Run the probe in a subprocess with ``env`` added to this one's environment."""
    done = subprocess.run(
        [sys.executable, str(PROBE), RUN[0], str(RUN[1]), str(RUN[2])],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"probe failed under {env}:\n{done.stderr[-3000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def probes() -> dict[str, dict]:
    """Each emulated class's probe output (two at a time: the machine has two cores)."""
    classes = host_class_environments()
    with ThreadPoolExecutor(max_workers=2) as pool:
        outputs = pool.map(probe, classes.values())
        return dict(zip(classes, outputs, strict=True))


def test_this_machine_emulates_at_least_two_classes(probes):
    assert "x86-64-v2" in probes and len(probes) >= 2, sorted(probes)


def test_each_class_ran_with_its_limits(probes):
    for name, out in probes.items():
        assert out["numba"] == [name, "+cx16"], (name, out["numba"])
        dispatch = set(out["numpy"])
        if name == "x86-64-v2":
            assert dispatch == set(), (name, dispatch)
        if name == "x86-64-v3":
            assert dispatch == {"X86_V3"}, (name, dispatch)


def test_every_host_class_gives_the_pinned_fingerprint(probes):
    fingerprints = {name: out["fingerprint"] for name, out in probes.items()}
    assert set(fingerprints.values()) == {PINNED[RUN]}, (
        f"fingerprints by host class {fingerprints}, pinned {PINNED[RUN]}"
    )
