"""Fixed chunks of rows, so that parallel kernels give the same bits on any thread count.

A parallel kernel (``numba.prange``) loops over the chunks of :data:`ROW_CHUNK` rows: chunk
``c`` is rows ``[c * chunk, min((c + 1) * chunk, n))``, whatever the number of threads.
Each chunk keeps its own counters and lists; they are combined after the loop in chunk
order, so a list of rows comes out in row order, as a serial loop writes it. What a kernel
adds up in parallel must be exact in any order (integer counts, or floats whose sum is
exact: :func:`exact_sum_bound`); anything else is added in row order after the loop.

The chunk size is a fixed argument of the kernels (never derived from the thread count);
results do not depend on it either (``tests/test_threads.py``).

Two rules for the loops inside ``prange``, both measured or found the hard way:

* loop over a chunk's rows with an unsigned index,
  ``for i in range(np.uint64(start), np.uint64(end))``: with a signed one numba checks
  every ``column[i]`` for a negative index (LLVM cannot prove ``start >= 0``), which made
  the kernels 25-60% slower on one thread than their serial loops ``range(n)``;
* write columns through local names (``status = people.status`` before the loop), never
  through a NamedTuple's attribute (``people.status[i] = ...``): numba 0.68 loses such
  writes inside a parallel loop. So does a function inlined into the loop
  (``inline="always"``) that writes through a NamedTuple's attribute or a plain tuple's
  item; a plain ``@njit`` function called from the loop writes through anything.

And two limits of what a parallel loop may use (numba 0.68): a NamedTuple that holds
another NamedTuple (a record of a month's columns and rules) cannot be used inside the
loop ("scalar type ... given for non scalar argument"), and a NamedTuple used inside it
must be an argument of the kernel or built by a call to its class, not unpacked from
another tuple (an ``AttributeError`` inside numba). Found while fusing two kernels into one
pass (docs/performance.md, "Fewer passes, measured").
"""

from __future__ import annotations

import math
import os

# numba's OpenMP threads wait for work asleep, not spinning: on a machine shared with other
# jobs, spinning threads burn the cores the other thread needs (read when OpenMP loads, at
# the first parallel kernel; a value set by the user wins)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numba  # noqa: E402
import numpy as np  # noqa: E402
from numba import njit  # noqa: E402

ROW_CHUNK = 32_768
"""Rows a chunk on several threads: the unit of parallel work (about 60 chunks at 1:1)."""

ONE_CHUNK_ON_ONE_THREAD = True
"""On one thread (a batch's workers), all rows in one chunk: the same results (they do not
depend on the chunk size) without the per-chunk counters' cost. Tests turn it off to run
many chunks on one thread."""


def row_chunk(n: int) -> int:
    """The rows a chunk for a kernel over ``n`` rows on this process's numba threads."""
    if ONE_CHUNK_ON_ONE_THREAD and numba.get_num_threads() == 1:
        return max(n, 1)
    return ROW_CHUNK


@njit(cache=True, inline="always")
def n_chunks(n: int, chunk: int) -> int:
    """How many chunks of ``chunk`` rows cover ``n`` rows."""
    return (n + chunk - 1) // chunk


@njit(cache=True, inline="always")
def chunk_rows(c: int, n: int, chunk: int) -> tuple[int, int]:
    """The first row of chunk ``c`` and one past its last."""
    start = c * chunk
    return start, min(start + chunk, n)


@njit(cache=True)
def gather(buffer: np.ndarray, counts: np.ndarray, chunk: int) -> int:
    """Move each chunk's list to the front of ``buffer``, in chunk order; return its length.

    Chunk ``c`` wrote ``counts[c]`` entries from ``buffer[c * chunk]`` on. In place: an
    entry only moves towards the front.
    """
    total = 0
    for c in range(counts.size):
        start = c * chunk
        for k in range(counts[c]):
            buffer[total + k] = buffer[start + k]
        total += counts[c]
    return total


@njit(cache=True)
def release_jobs(employees: np.ndarray, freed: np.ndarray, counts: np.ndarray, chunk: int) -> None:
    """Take one employee off each firm listed by the chunks (``freed``, as :func:`gather`)."""
    for c in range(counts.size):
        start = c * chunk
        for k in range(counts[c]):
            employees[freed[start + k]] -= 1


@njit(cache=True)
def add_chunk_counts(target: np.ndarray, parts: np.ndarray) -> None:
    """Add per-chunk counts ``parts[c, ...]`` to ``target``, in chunk order."""
    flat = target.reshape(-1)
    for c in range(parts.shape[0]):
        part = parts[c].reshape(-1)
        for k in range(flat.size):
            flat[k] += part[k]


@njit(cache=True)
def float32_sum_is_exact(min_positive: float, total_abs: float) -> bool:
    """Whether float32 values summed in float64 give the same bits in any order.

    Each value at or above ``min_positive`` in magnitude (zeros aside) is a whole multiple
    of the unit in the last place of ``min_positive`` as a float32, ``2**(e - 23)`` for
    ``2**e <= min_positive`` (``2**-149`` for subnormals). If the sum of the magnitudes,
    ``total_abs``, is below ``2**53`` such units, every partial sum is a whole number of
    units that float64 holds exactly, so every addition is exact and any order gives
    the same bits.
    """
    if total_abs == 0.0:
        return True
    _, e = math.frexp(min_positive)  # min_positive = m * 2**e, 0.5 <= m < 1
    unit = 2.0 ** (max(e - 1, -126) - 23)
    return total_abs < 9007199254740992.0 * unit
