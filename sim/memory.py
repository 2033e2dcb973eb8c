"""Memory the C allocator holds but no longer uses, handed back to the system.

NumPy allocates large arrays through glibc's ``malloc``. After a large block is freed glibc
raises its mmap threshold (up to 32 MB), so the next arrays of that size come from the heap,
and a heap whose free pages sit between live blocks is not shrunk: a 1:1 run's resident
memory grew by about 50-90 MB this way (the population's build, the yearly compaction of the
people table, a first model dropped; docs/performance.md). ``malloc_trim(0)`` returns every
free page of the heap to the system without moving a byte that is in use, so it changes no
result; it costs a walk of the heap's free lists (well under a millisecond here).

A fixed mmap threshold (``mallopt``) would avoid the growth altogether, but every temporary
array of a month would then be mapped and unmapped afresh: +25% of CPU time at 1:1, measured.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        return libc.malloc_trim  # glibc only
    except (OSError, AttributeError, TypeError):
        return None


def release_free_memory() -> bool:
    """Give the C heap's free pages back to the system; False where the C library cannot.

    Arrow's own allocator (mimalloc, under pandas' text columns) keeps what it freed too:
    it is asked to give it back as well, if pyarrow is loaded.
    """
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        arrow.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
