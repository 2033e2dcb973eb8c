"""sim.fpmath: accurate to about an ulp, the same in kernels and in Python, special values."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest
from numba import njit

from sim import fpmath
from sim.fpmath import scalar as fm


def ulps(got: np.ndarray, want: np.ndarray) -> float:
    """The largest distance between ``got`` and ``want`` in units of ``want``'s last place."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    return float(np.max(np.abs(got - want) / np.spacing(np.abs(want))))


RNG = np.random.default_rng(20261206)


@pytest.mark.parametrize(
    "name, x, bound",
    [
        ("exp", RNG.uniform(-745.0, 709.0, 20_000), 1.0),
        ("exp", RNG.uniform(-1.0, 1.0, 20_000), 1.0),
        ("log", np.exp(RNG.uniform(-700.0, 700.0, 20_000)), 1.0),
        ("log", RNG.uniform(1e-310, 1e-300, 2_000), 1.0),  # subnormal
        ("log1p", RNG.uniform(-0.5, 0.5, 20_000), 2.0),
    ],
)
def test_functions_are_within_an_ulp_or_two_of_the_c_library(name, x, bound):
    want = np.array([getattr(math, name)(v) for v in x])
    got = getattr(fpmath, name)(x)
    assert ulps(got, want) <= bound, (name, ulps(got, want))


def test_power_is_within_its_stated_error():
    x, y = RNG.uniform(0.0, 100.0, 20_000), RNG.uniform(-3.0, 3.0, 20_000)
    want = np.array([math.pow(a, b) for a, b in zip(x, y, strict=True)])
    got = fpmath.power(x, y)
    # exp(y log x): log's ulp times y, the product's rounding and exp's ulp, relative:
    # (3 |y log x| + 2) 2**-53 (here |y log x| < 14)
    rel = np.abs(got - want) / np.abs(want)
    bound = (3.0 * np.abs(y * np.log(x)) + 2.0) * 2.0**-53
    worst = int(np.argmax(rel / bound))
    assert (rel <= bound).all(), (x[worst], y[worst], rel[worst], bound[worst])
    # whole exponents are products: exact where the product is
    assert fpmath.power(3.0, 4.0) == 81.0 and fpmath.power(2.0, -3.0) == 0.125
    assert fpmath.power(-2.0, 3.0) == -8.0


def test_cos_turns_is_the_cosine_of_whole_turns():
    t = RNG.uniform(0.0, 1.0, 20_000)
    want = np.cos(2.0 * np.pi * t)
    assert np.max(np.abs(fpmath.cos_turns(t) - want)) < 1e-15
    assert fpmath.cos_turns(0.0) == 1.0 and fpmath.cos_turns(0.5) == -1.0
    assert fpmath.cos_turns(1.25) == fpmath.cos_turns(0.25)  # periodic, reduced exactly


def test_cos_turns_keeps_the_bits_of_its_branching_form():
    # cos_turns picks its quadrant's kernel by comparisons (so that its ufunc vectorises);
    # the hash is that of the form that branched on q % 4 (main at f6d7067), over random
    # turns, large ones, every 32nd of a turn and their neighbours
    rng = np.random.default_rng(20261206)
    eighths = np.arange(-64, 65) / 32.0
    t = np.concatenate(
        [
            rng.random(100_000),
            rng.normal(0.0, 1000.0, 10_000),
            eighths,
            np.nextafter(eighths, np.inf),
            np.nextafter(eighths, -np.inf),
        ]
    )
    digest = hashlib.sha256(fpmath.cos_turns(t).tobytes()).hexdigest()
    assert digest == "c5cc0a948698ea861872b299a811ab3f06604db074aa81e5c6937e26442144c0"


def test_special_values():
    assert fpmath.exp(0.0) == 1.0 and fpmath.exp(1000.0) == math.inf
    assert fpmath.exp(-1000.0) == 0.0 and math.isnan(fpmath.exp(math.nan))
    assert fpmath.log(1.0) == 0.0 and fpmath.log(0.0) == -math.inf
    assert math.isnan(fpmath.log(-1.0)) and fpmath.log(math.inf) == math.inf
    assert fpmath.log1p(0.0) == 0.0 and fpmath.log1p(1e-300) == 1e-300
    assert fpmath.power(0.0, 2.5) == 0.0 and fpmath.power(0.0, -1.0) == math.inf
    assert fpmath.power(5.0, 0.0) == 1.0 and math.isnan(fpmath.power(-2.0, 0.5))
    assert fpmath.hypot(3.0, 4.0) == 5.0


@njit(cache=True)
def _in_a_kernel(x):
    out = np.empty((6, x.size))
    for i in range(x.size):
        out[0, i] = fm.exp(x[i])
        out[1, i] = fm.log(x[i])
        out[2, i] = fm.power(x[i], 0.37)
        out[3, i] = fm.cos_turns(x[i])
        out[4, i] = fm.hypot(x[i], 1.5)
        out[5, i] = fm.log1p(x[i])
    return out


def test_inlined_kernels_and_the_ufuncs_give_the_same_bits():
    x = RNG.uniform(0.01, 50.0, 5_000)
    inside = _in_a_kernel(x)
    outside = np.stack(
        [
            fpmath.exp(x),
            fpmath.log(x),
            fpmath.power(x, 0.37),
            fpmath.cos_turns(x),
            fpmath.hypot(x, 1.5),
            fpmath.log1p(x),
        ]
    )
    assert inside.tobytes() == outside.tobytes()
    # and a Python scalar gives the array's element
    assert fpmath.exp(float(x[7])) == outside[0, 7]
