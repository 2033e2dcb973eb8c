"""Largest-remainder apportionment: whole numbers that add up exactly to a total.

Counts that must match a given total (residents per comune, firms per zone, cells per
land use) are not drawn but apportioned (Hamilton's method): each item gets the floor of
its quota, and the units left over go one each to the largest fractional parts.

Tie rule: among equal fractional parts the item that comes first gets the unit first (a
stable sort on the fractional parts, descending), so the result is deterministic and the
same on every host.
"""

from __future__ import annotations

import numpy as np


def round_quotas(quotas: np.ndarray, total: int) -> np.ndarray:
    """Round ``quotas`` to whole numbers that sum to ``total``, by largest fractional part.

    Each count is its quota's floor; the units by which the floors fall short of ``total``
    go one each to the largest fractional parts (of equal ones, to the earlier item first).

    Args:
        quotas: non-negative real amounts whose sum is (close to) ``total``.
        total: the required sum.

    Returns:
        int64 counts, one per quota. If the floors already reach ``total`` they are
        returned unchanged.
    """
    quotas = np.asarray(quotas, dtype=np.float64)
    counts = np.floor(quotas).astype(np.int64)
    short = int(total - counts.sum())
    if short > 0:
        order = np.argsort(-(quotas - counts), kind="stable")
        counts[order[:short]] += 1
    return counts


def largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``weights`` that sum exactly to ``total``.

    The quotas are ``weights / weights.sum() * total``, rounded by :func:`round_quotas`.

    Args:
        weights: non-negative weights.
        total: the total to apportion.

    Returns:
        int64 counts, one per weight; all zero if ``total`` or the weights' sum is not
        positive.
    """
    weights = np.asarray(weights, dtype=np.float64)
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    return round_quotas(weights / weights.sum() * total, total)
