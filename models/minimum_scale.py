"""The smallest scale at which the synthetic area still holds together.

At scale ``s`` the synthetic population has ``s`` agents per real resident or firm, so a
small comune shrinks first: at scale 0.001 San Gillio (3,143 residents) has 3 residents.
A comune without firms would never get one (start-ups are proportional to a comune's
initial firms, :func:`models.components.firms.entry_weights`), and a comune of a handful of
residents has months with nobody in its labour force or commuting, where its shares are
undefined. So a run needs, in every comune,

* at least :data:`MIN_FIRMS_PER_COMUNE` firm, and
* at least :data:`MIN_RESIDENTS_PER_COMUNE` residents,

and :func:`minimum_scale` is the smallest scale (two significant digits, rounded up) at
which the initial allotment (:func:`models.population.build_population`) gives every
comune of the table those minima. It follows from ``models/data/comuni.csv`` and the
plan's totals and moves with them (0.0048 with the 2015 table: San Gillio's residents bind;
the largest-remainder allotment already gives it a firm there).

Above the minimum a run is defined, but not necessarily unbiased: the **recommended scale**
of a use (:data:`RECOMMENDED_SCALE`) is the smallest scale whose answers agree with 1:1
within the seed spread of that use, measured by ``python3 -m calibration.scale_convergence``
(docs/scale-convergence.md). Below the minimum the model refuses to run; below the
recommended scale the commands run and print one warning line (:func:`scale_warning`).
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np

from models.population import FIRMS_2015, RESIDENTS_2015, firm_counts, largest_remainder
from models.territory.territory import Territory, load_territory

MIN_FIRMS_PER_COMUNE = 1
"""A comune needs a firm: start-ups and foreign plants only come where firms already are."""

MIN_RESIDENTS_PER_COMUNE = 15
"""Assumption: with fewer, a comune often has no one in its labour force or commuting in
some month, and its rates (unemployment, transit share) are undefined."""

REASON = (
    f"below it some comune would start with fewer than {MIN_RESIDENTS_PER_COMUNE} residents "
    f"or {MIN_FIRMS_PER_COMUNE} firm; see docs/robustness.md"
)


RECOMMENDED_SCALE = {"run": 0.01, "batch": 0.05, "sensitivity": 0.01, "portfolio": 0.005}
"""Each use's recommended scale: the smallest scale of the study (0.005, 0.01, 0.02, 0.05,
0.1, 1) at and above which no headline indicator or paired effect the use answers with is
biased against 1:1 beyond the use's seed spread (docs/scale-convergence.md gives the table,
the command and the seeds): ``run`` one seed's levels, ``batch`` 8 seeds' levels and
effects, ``sensitivity`` one seed per row, ``portfolio`` one seed's effects. Model 1.6.0's
study: a run and a sensitivity analysis need 0.01 (at 0.005 the baseline's commuting CO2
is 1.1 seed sd low, the companion of unemployment's bias there)."""

USES = {
    "run": "a single run",
    "batch": "a batch",
    "sensitivity": "a sensitivity analysis",
    "portfolio": "a portfolio search",
}


def scale_warning(scale: float, use: str) -> str | None:
    """The warning line for ``use`` at ``scale``, or None at or above its recommended scale."""
    least = RECOMMENDED_SCALE[use]
    if scale >= least:
        return None
    return (
        f"warning: scale {scale:g} is below the recommended scale {least:g} for {USES[use]}: "
        "its answers may be biased against 1:1 beyond the seed spread "
        "(docs/scale-convergence.md)"
    )


def initial_counts(territory: Territory, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Residents and firms of each comune at the start of a run at ``scale``."""
    residents = largest_remainder(territory.population, round(RESIDENTS_2015 * scale))
    firms = firm_counts(territory, round(FIRMS_2015 * scale))
    return residents, firms


def shortfall(territory: Territory, scale: float) -> str | None:
    """What is missing at ``scale`` (the first comune below a minimum), or None."""
    residents, firms = initial_counts(territory, scale)
    for counts, least, what in (
        (residents, MIN_RESIDENTS_PER_COMUNE, "residents"),
        (firms, MIN_FIRMS_PER_COMUNE, "firms"),
    ):
        low = int(np.argmin(counts))
        if counts[low] < least:
            return f"{territory.names[low]} would have {counts[low]} {what} (at least {least})"
    return None


def minimum_scale(territory: Territory | None = None) -> float:
    """The smallest scale at which every comune has its minimum residents and firms.

    Two significant digits, rounded up.
    """
    t = territory or load_territory()
    residents_per_scale = RESIDENTS_2015 * t.population / t.population.sum()
    # the residents bind; the firms' allotment is checked below (largest remainders give
    # San Gillio, whose share rounds from under one, its firm from about scale 0.0035)
    bound = float(np.max(MIN_RESIDENTS_PER_COMUNE / residents_per_scale))
    # decimals of two significant digits (the decimal exponent, exact: no log10 to round)
    digits = 1 - Decimal(bound).adjusted()
    scale = round(math.ceil(bound * 10**digits - 1e-9) / 10**digits, digits)
    while shortfall(t, scale) is not None:  # the allotment's rounding can fall short
        scale = round(scale + 10.0**-digits, digits)
    return scale


def check_scale(scale: float, territory: Territory | None = None) -> None:
    """Raise ValueError if ``scale`` is below :func:`minimum_scale` for ``territory``."""
    t = territory or load_territory()
    least = minimum_scale(t)
    if scale < least:
        raise ValueError(f"scale {scale:g} is below the minimum scale {least:g} ({REASON})")
    missing = shortfall(t, scale)
    if missing is not None:  # cannot happen at or above the minimum (tests check a grid)
        raise ValueError(f"scale {scale:g} is too small: {missing}")
