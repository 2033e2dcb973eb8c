"""NumPy's own summation order, in numba: a kernel's sums with the bits of ``a.sum(axis=...)``.

A float sum's bits depend on the order of its additions. Code moved from NumPy calls into a
numba kernel (to save the calls' fixed cost, e.g. hundreds of reductions of a small matrix
in a loop) keeps its results only if it adds in NumPy's order, which for a C-contiguous
float64 matrix ``a`` is:

* ``a.sum(axis=1)``, each row (contiguous): NumPy's pairwise summation, which for a row of
  8 to 128 numbers keeps eight running sums ``r[k]`` over the elements ``k, k + 8, ...`` of
  the largest multiple of 8 elements, combines them as ``((r0 + r1) + (r2 + r3)) + ((r4 +
  r5) + (r6 + r7))``, then adds the rest one by one; a row of fewer than 8 is added one by
  one from ``-0.0``; the row's sum is then added to the reduction's start, ``0.0``;
* ``a.sum(axis=0)``: row after row, ``((a[0] + a[1]) + a[2]) + ...`` for each column.

:func:`row_sums` and :func:`column_sums` hold for matrices of at least two columns and at
most :data:`MAX_ROW` (where NumPy starts to split a row in halves); ``tests/test_numpy_order.py``
compares them with NumPy bit for bit on random matrices.
"""

from __future__ import annotations

import numpy as np
from numba import njit

MAX_ROW = 128
"""NumPy's ``PW_BLOCKSIZE``: longer rows are summed in recursive halves (not reproduced)."""


@njit(cache=True)
def row_sums(a: np.ndarray, out: np.ndarray) -> None:
    """``out[:] = a.sum(axis=1)``, bit for bit, for ``2 <= a.shape[1] <= MAX_ROW``."""
    n = a.shape[1]
    for i in range(a.shape[0]):
        if n < 8:
            res = -0.0
            for k in range(n):
                res += a[i, k]
        else:
            r0, r1, r2, r3 = a[i, 0], a[i, 1], a[i, 2], a[i, 3]
            r4, r5, r6, r7 = a[i, 4], a[i, 5], a[i, 6], a[i, 7]
            k = 8
            while k < n - n % 8:
                r0 += a[i, k]
                r1 += a[i, k + 1]
                r2 += a[i, k + 2]
                r3 += a[i, k + 3]
                r4 += a[i, k + 4]
                r5 += a[i, k + 5]
                r6 += a[i, k + 6]
                r7 += a[i, k + 7]
                k += 8
            res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
            while k < n:
                res += a[i, k]
                k += 1
        out[i] = 0.0 + res


@njit(cache=True)
def column_sums(a: np.ndarray, out: np.ndarray) -> None:
    """``out[:] = a.sum(axis=0)``, bit for bit, for ``2 <= a.shape[1]``."""
    out[:] = a[0]
    for i in range(1, a.shape[0]):
        for j in range(a.shape[1]):
            out[j] = out[j] + a[i, j]


def reproduces_numpy(a: np.ndarray) -> bool:
    """Whether :func:`row_sums` and :func:`column_sums` give NumPy's bits for ``a``'s shape."""
    return (
        a.ndim == 2
        and a.dtype == np.float64
        and a.flags.c_contiguous
        and a.shape[0] >= 1
        and 2 <= a.shape[1] <= MAX_ROW
    )
