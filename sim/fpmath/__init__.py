"""Elementary functions that give the same bits on every CPU.

NumPy picks a SIMD implementation of ``exp``, ``log``, ``cos`` and ``power`` for the host
at run time (AVX-512 has its own, SVML-based ones), and the C library picks an FMA or a
plain build of ``exp``, ``log``, ``pow`` and ``sin``/``cos`` the same way (glibc's ifuncs):
each is accurate to about one unit in the last place, but not the same unit on every
machine. The model feeds such numbers into discrete choices (a draw against a
probability, the best of several utilities), so one ulp moves a person to another job and
two hosts' runs diverge. numba's ``math.exp`` and ``np.log`` call the C library too.

The functions here are built only from operations IEEE 754 rounds exactly (``+ - * /``,
``sqrt``, ``floor``, and reading or setting a float's exponent bits), in a fixed order: they
give the same result on any x86-64 (from x86-64-v2 to AVX-512) and any other IEEE machine.
numba never contracts a ``*`` and a ``+`` into a fused multiply-add unless fast-math is
asked for, and the kernels do not ask for it. The algorithms and coefficients are fdlibm's
(Sun Microsystems, 1993, the basis of Java's ``StrictMath``, which exists for the same
reason), in the form musl keeps them; their error is below one ulp for ``exp``, ``log`` and
the trigonometric kernels, and ``power`` (``exp(y log x)``) is within a relative ``(3 |y log
x| + 2) * 2**-53``. No maintained library offers correctly rounded functions that numba
kernels can call (the ``crlibm`` bindings are scalar Python calls), hence this module.

Each function is a NumPy ufunc compiled by numba (:func:`numba.vectorize`) for arrays and
scalars in Python. The names here are the plain :class:`numpy.ufunc` objects numba builds
(``DUFunc.ufunc``: the same compiled loop, so the same bits): numba's ``DUFunc`` wrapper
checks every argument for ``__array_ufunc__`` in Python first, which made a call on one
number cost 6 µs instead of 1.7 µs, and the Python halves of the month make about 120 such
calls a month (the comuni's services, the draws' Box-Muller normals). Kernels call the
same functions for one number from :mod:`sim.fpmath.scalar`, inlined, so the kernels and
the Python halves share one implementation. ``sqrt`` needs nothing here: IEEE 754 rounds it
exactly, and ``np.sqrt`` and ``math.sqrt`` give the same bits everywhere.

A ufunc's loop is vectorised by LLVM (SIMD lanes do the same IEEE operations, so the same
bits) only if the function has no branch or integer conversion it cannot turn into a
select: ``log`` and ``cos_turns`` are (2.5 and 2.7 ms for 2 million numbers), ``exp``,
``log1p`` and ``power`` are not yet (19, 21 and 80 ms). numba's cache keys a compiled
function on its own file: a change in :mod:`sim.fpmath.scalar` reaches the ufuncs here, and
kernels elsewhere that inline it, only once those files change or the cache is emptied.
"""

from __future__ import annotations

from numba import vectorize

from sim.fpmath import scalar

__all__ = ["cos_turns", "exp", "hypot", "log", "log1p", "power", "scalar"]


@vectorize(["float64(float64)"], cache=True)
def exp(x: float) -> float:
    """``e**x``."""
    return scalar.exp(x)


@vectorize(["float64(float64)"], cache=True)
def log(x: float) -> float:
    """The natural logarithm (``nan`` below 0, ``-inf`` at 0)."""
    return scalar.log(x)


@vectorize(["float64(float64)"], cache=True)
def log1p(x: float) -> float:
    """``log(1 + x)``, accurate for small ``x``."""
    return scalar.log1p(x)


@vectorize(["float64(float64, float64)"], cache=True)
def power(x: float, y: float) -> float:
    """``x**y`` for ``x >= 0`` (and a negative ``x`` with a whole ``y``)."""
    return scalar.power(x, y)


@vectorize(["float64(float64, float64)"], cache=True)
def hypot(x: float, y: float) -> float:
    """``sqrt(x*x + y*y)``."""
    return scalar.hypot(x, y)


@vectorize(["float64(float64)"], cache=True)
def cos_turns(t: float) -> float:
    """``cos(2 pi t)``: the cosine of ``t`` whole turns."""
    return scalar.cos_turns(t)


# The plain NumPy ufuncs (see the module's docstring); the DUFuncs keep their loops alive.
_DUFUNCS = (exp, log, log1p, power, hypot, cos_turns)
exp, log, log1p, power, hypot, cos_turns = (f.ufunc for f in _DUFUNCS)
