"""The functions of :mod:`sim.fpmath` for one number, to be inlined in numba kernels.

Each is an ``@njit(inline="always")`` function: a kernel calls ``fm.log(x)`` (``from
sim.fpmath import scalar as fm``) and gets the code inlined, about a third faster than a
call of the ufunc. The ufuncs of :mod:`sim.fpmath` are built from these, so both give the
same bits (``tests/test_fpmath.py``). Why and how: :mod:`sim.fpmath`.
"""

from __future__ import annotations

import math

from numba import njit, types
from numba.extending import intrinsic

__all__ = ["cos_turns", "exp", "hypot", "log", "log1p", "power"]

# exp: fdlibm e_exp.c
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e00
_P1 = 1.66666666666666019037e-01
_P2 = -2.77777777770155933842e-03
_P3 = 6.61375632143793436117e-05
_P4 = -1.65339022054652515390e-06
_P5 = 4.13813679705723846039e-08
_EXP_OVERFLOW = 7.09782712893383973096e02
_EXP_UNDERFLOW = -7.45133219101941108420e02

# log: fdlibm e_log.c
_LG1 = 6.666666666666735130e-01
_LG2 = 3.999999999940941908e-01
_LG3 = 2.857142874366239149e-01
_LG4 = 2.222219843214978396e-01
_LG5 = 1.818357216161805012e-01
_LG6 = 1.531383769920937332e-01
_LG7 = 1.479819860511658591e-01
_SQRT_HALF = 7.07106781186547524401e-01

# sin and cos on [-pi/4, pi/4]: fdlibm k_sin.c and k_cos.c
_S1 = -1.66666666666666324348e-01
_S2 = 8.33333333332248946124e-03
_S3 = -1.98412698298579493134e-04
_S4 = 2.75573137070700676789e-06
_S5 = -2.50507602534068634195e-08
_S6 = 1.58969099521155010221e-10
_C1 = 4.16666666666666019037e-02
_C2 = -1.38888888888741095749e-03
_C3 = 2.48015872894767294178e-05
_C4 = -2.75573143513906633035e-07
_C5 = 2.08757232129817482790e-09
_C6 = -1.13596475577881948265e-11
_TWO_PI = 6.28318530717958647693e00

_INF = math.inf
_NAN = math.nan
_TWO_TO_54 = 18014398509481984.0
_MANTISSA = 0x000FFFFFFFFFFFFF
_ONE_BITS = 0x3FF0000000000000


@intrinsic
def _float_bits(typingctx, x):
    """The IEEE 754 bits of a float64, as an int64 (a register move, no arithmetic)."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.int64))

    return types.int64(types.float64), codegen


@intrinsic
def _bits_float(typingctx, bits):
    """The float64 whose IEEE 754 bits are ``bits``."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))

    return types.float64(types.int64), codegen


@njit(cache=True, inline="always")
def _scale(y: float, k: int) -> float:
    """``y * 2**k``, exactly (a power of two built from its bits where it is normal)."""
    if -1022 <= k <= 1023:
        return y * _bits_float((k + 1023) << 52)
    return math.ldexp(y, k)


@njit(cache=True, inline="always")
def exp(x: float) -> float:
    """``e**x``."""
    if x != x:
        return x
    if x > _EXP_OVERFLOW:
        return _INF
    if x < _EXP_UNDERFLOW:
        return 0.0
    ax = abs(x)
    if ax < 3.725290298461914e-09:  # 2**-28: exp(x) rounds to 1 + x
        return 1.0 + x
    k = 0
    hi = x
    lo = 0.0
    if ax > 0.5 * _LN2_HI:
        if ax < 1.5 * _LN2_HI:
            k = 1 if x > 0.0 else -1
        else:
            k = int(_INV_LN2 * x + (0.5 if x > 0.0 else -0.5))
        hi = x - k * _LN2_HI
        lo = k * _LN2_LO
        r = hi - lo
    else:
        r = x
    t = r * r
    c = r - t * (_P1 + t * (_P2 + t * (_P3 + t * (_P4 + t * _P5))))
    if k == 0:
        return 1.0 - ((r * c) / (c - 2.0) - r)
    y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi)
    return _scale(y, k)


@njit(cache=True, inline="always")
def log(x: float) -> float:
    """The natural logarithm (``nan`` below 0, ``-inf`` at 0)."""
    if x != x or x == _INF:
        return x
    if x < 0.0:
        return _NAN
    if x == 0.0:
        return -_INF
    k = 0
    if x < 2.2250738585072014e-308:  # subnormal: make it normal
        x *= _TWO_TO_54
        k = -54
    bits = _float_bits(x)
    k += (bits >> 52) - 1023
    m = _bits_float((bits & _MANTISSA) | _ONE_BITS)  # x = m 2**k, m in [1, 2)
    if m >= 2.0 * _SQRT_HALF:
        m *= 0.5
        k += 1
    f = m - 1.0  # exact: m lies in [sqrt(2)/2, sqrt(2))
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * (_LG2 + w * (_LG4 + w * _LG6))
    t2 = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7)))
    r = t2 + t1
    hfsq = 0.5 * f * f
    dk = float(k)
    return s * (hfsq + r) + dk * _LN2_LO - hfsq + f + dk * _LN2_HI


@njit(cache=True, inline="always")
def _sin_kernel(x: float) -> float:
    z = x * x
    w = z * z
    r = _S2 + z * (_S3 + z * _S4) + z * w * (_S5 + z * _S6)
    return x + z * x * (_S1 + z * r)


@njit(cache=True, inline="always")
def _cos_kernel(x: float) -> float:
    z = x * x
    w = z * z
    r = z * (_C1 + z * (_C2 + z * _C3)) + w * w * (_C4 + z * (_C5 + z * _C6))
    hz = 0.5 * z
    w = 1.0 - hz
    return w + (((1.0 - w) - hz) + z * r)


@njit(cache=True, inline="always")
def _integer_power(x: float, n: int) -> float:
    """``x**n`` by binary powering, for a whole ``n`` of at most 64 in absolute value."""
    result = 1.0
    base = x
    m = abs(n)
    while m > 0:
        if m & 1:
            result *= base
        base *= base
        m >>= 1
    if n < 0:
        return _INF if result == 0.0 else 1.0 / result
    return result


@njit(cache=True, inline="always")
def log1p(x: float) -> float:
    """``log(1 + x)``, accurate for small ``x`` (Goldberg's correction of ``1 + x``)."""
    u = 1.0 + x
    if u == 1.0:
        return x
    return log(u) * (x / (u - 1.0))


@njit(cache=True, inline="always")
def power(x: float, y: float) -> float:
    """``x**y`` for ``x >= 0`` (and a negative ``x`` with a whole ``y``)."""
    if y == 0.0 or x == 1.0:
        return 1.0
    if x != x or y != y:
        return _NAN
    if y == math.floor(y) and abs(y) <= 64.0:
        return _integer_power(x, int(y))
    if x < 0.0:
        return _NAN
    if x == 0.0:
        return 0.0 if y > 0.0 else _INF
    return exp(y * log(x))


@njit(cache=True, inline="always")
def hypot(x: float, y: float) -> float:
    """``sqrt(x*x + y*y)`` (no guard against overflow: the model's distances are km)."""
    return math.sqrt(x * x + y * y)


@njit(cache=True, inline="always")
def cos_turns(t: float) -> float:
    """``cos(2 pi t)``: the cosine of ``t`` whole turns, reduced exactly to ``[-pi/4, pi/4]``."""
    t = t - math.floor(t)  # exact: [0, 1)
    q = math.floor(4.0 * t + 0.5)  # the nearest quarter turn, 0 to 4 (4 is 0)
    x = _TWO_PI * (t - 0.25 * q)  # t - q/4 is exact; |x| <= pi/4
    # quarter 0 (or 4): cos(x), 1: -sin(x), 2: -cos(x), 3: sin(x). Both kernels are
    # computed and one is picked by comparing q, without an integer remainder or a branch,
    # so that a loop over an array vectorises: as a NumPy ufunc over random turns (the
    # Box-Muller normals) 2.7 ms for 2 million against 38 ms with a branch on ``q % 4``.
    # Picking changes no bit.
    c = _cos_kernel(x)
    s = _sin_kernel(x)
    value = s if (q == 1) | (q == 3) else c
    return -value if (q == 1) | (q == 2) else value
