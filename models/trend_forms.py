"""The structural trends' forms: today's unbounded ones, and bounded ones for a decade ahead.

The calibration of model 1.3.0 added trend terms fitted on 2015-2018 only (university intake
and tourist arrivals: geometric growth, the intake with no capacity; labour demand's
recovery: an exponentially fading extra drift). Carried to 2025 they extrapolate four years
of data seven years ahead (ODD 8.6). Each trend here has a bounded form, selected by a
parameter whose default (0, "no bound") gives today's form with the same floating-point
operations, so that the default results stay bit-identical and a later model version can
switch the bounds on and recalibrate once (ODD 8.8).

The functions take numbers, not the parameter table: the components read the parameters.
"""

from __future__ import annotations

from sim import fpmath


def geometric_or_logistic(yearly_rate: float, ceiling: float, years: float) -> float:
    """Growth factor since 2015 of a trend growing at ``yearly_rate``, bounded by ``ceiling``.

    ``ceiling`` is relative to the 2015 level (1). With ``ceiling <= 0`` (no bound, today's
    form) the factor is ``(1 + yearly_rate)^years``. Otherwise it is the logistic curve
    ``C / (1 + (C - 1)·exp(-k·years))`` with the same initial log growth,
    ``k = ln(1 + yearly_rate) / (1 - 1/C)``: it starts at 1, grows at the fitted rate at first
    and never exceeds ``C``. A ceiling at or below the 2015 level (``0 < C <= 1``) holds the
    trend at ``C``.
    """
    if ceiling <= 0.0:
        return float(fpmath.power(1.0 + yearly_rate, years))
    if ceiling <= 1.0:
        return float(ceiling)
    rate = fpmath.log(1.0 + yearly_rate) / (1.0 - 1.0 / ceiling)
    return float(ceiling / (1.0 + (ceiling - 1.0) * fpmath.exp(-rate * years)))


def fading_recovery(drift: float, efolding_years: float, gap: float, years: float) -> float:
    """Labour demand's extra yearly log growth ``years`` after January 2015.

    Today's form: ``drift·exp(-years / efolding_years)``, which fades but never ends, and
    whose tail after the fitted years adds ``drift·efolding_years·(exp(-4/τ) - exp(-t/τ))``
    log points of labour demand. With ``gap > 0`` the recovery ends once its cumulated log
    growth, ``drift·τ·(1 - exp(-years/τ))``, has closed ``gap`` (the labour demand lost in the
    recession): from then on the term is 0. With ``gap <= 0`` (no bound) it is today's form.
    """
    recovery = drift * fpmath.exp(-years / efolding_years)
    if gap <= 0.0:
        return float(recovery)
    closed = drift * efolding_years * (1.0 - fpmath.exp(-years / efolding_years))
    return 0.0 if closed >= gap else float(recovery)


def within_capacity(
    outside_monthly: float, capacity_yearly: float, residents_monthly: float
) -> float:
    """The month's outside intake (full scale) within the universities' yearly capacity.

    Residents enrol first (``residents_monthly``, full scale); the outside intake fills what is
    left of a twelfth of ``capacity_yearly``, never less than 0. With ``capacity_yearly <= 0``
    (no bound, today's form) it is ``outside_monthly`` unchanged.
    """
    if capacity_yearly <= 0.0:
        return outside_monthly
    return min(outside_monthly, max(capacity_yearly / 12.0 - residents_monthly, 0.0))
