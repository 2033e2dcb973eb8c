"""How the report says things: readable labels with units, numbers, the headline sentences.

Indicator names are the store's (``unemployment_rate``); a reader sees "Unemployment rate"
with its unit. Numbers keep three significant digits, thousands separated, in scientific
notation only when they are very small or very large.

>>> number(0.0000000000000071)
'7.1 × 10⁻¹⁵'
>>> number(-1234567.0)
'−1,230,000'
>>> number(0.01234)
'0.0123'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from models.components.indicators import HEADLINE_INDICATORS
from sim.experiments.summary import CHANGE, LOSS, NO_CHANGE, WIN

LABELS: dict[str, tuple[str, str]] = {
    "investment_eur": ("Investment by firms", "EUR"),
    "fdi_eur": ("Foreign direct investment", "EUR"),
    "firms_active": ("Active firms", "firms"),
    "firm_births": ("Firm births", "firms a month"),
    "firm_deaths": ("Firm closures", "firms a month"),
    "jobs": ("Jobs at firms in the area", "jobs"),
    "employed": ("Employed residents", "residents"),
    "employment_rate": ("Employment rate, ages 15-64", "%"),
    "unemployment_rate": ("Unemployment rate", "%"),
    "innovative_firms": ("Innovative firms", "firms"),
    "university_links": ("Firms linked to a university", "firms"),
    "students": ("University students", "students"),
    "graduates": ("Graduates", "graduates a month"),
    "talents": ("Tertiary-educated residents 25-64", "residents"),
    "talent_net_migration": ("Net migration of graduates", "people a month"),
    "service_cost_per_capita_eur": ("Cost of public services", "EUR per resident a year"),
    "admin_burden_days": ("Administrative burden", "days per firm a year"),
    "tourist_arrivals": ("Tourist arrivals", "arrivals a month"),
    "long_term_unemployment_rate": ("Long-term unemployment rate", "%"),
    "mean_income_eur": ("Mean income", "EUR a year"),
    "poverty_rate": ("Poverty rate", "%"),
    "income_gini": ("Income inequality (Gini index)", "index 0-1"),
    "commuters_to_torino": ("Commuters into Torino", "a day"),
    "transit_share": ("Commuters by public transport", "%"),
    "bike_walk_share": ("Commuters by bike or on foot", "%"),
    "commute_co2_t": ("CO₂ from commuting", "tonnes a month"),
    "green_share": ("Green share of the land", "%"),
    "rent_eur_m2": ("Rent", "EUR per m² a month"),
}
"""Each goal indicator's label and the unit of its values (shares in %)."""

NOUNS: dict[str, str] = {
    "investment_eur": "investment",
    "fdi_eur": "foreign direct investment",
    "firms_active": "the number of active firms",
    "unemployment_rate": "unemployment",
    "innovative_firms": "the number of innovative firms",
    "talents": "the number of tertiary-educated residents",
    "service_cost_per_capita_eur": "the cost of public services",
    "tourist_arrivals": "tourist arrivals",
    "poverty_rate": "poverty",
    "commute_co2_t": "CO₂ from commuting",
}
"""How a headline sentence names the headline indicators of :data:`HEADLINES`."""

HEADLINES: dict[int, str] = HEADLINE_INDICATORS
"""The indicator that stands for each goal in the headline (9: sustainability)."""

SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
SMALL, LARGE = 1e-3, 1e12
"""Below SMALL or from LARGE on, numbers are written in scientific notation."""
MILLION = 1e6
"""Sentences give amounts of EUR from a million on in millions ("197 M EUR a year")."""


def number(value: float | None, digits: int = 3) -> str:
    """A number for reading: ``digits`` significant digits, thousands separated.

    Scientific notation (``7.1 × 10⁻¹⁵``) only below 0.001 or from 10¹² on; minus as
    U+2212; trailing zeros of the decimals dropped; "–" for a missing value.
    """
    if value is None or not np.isfinite(value):
        return "–"
    if value == 0:
        return "0"
    rounded = float(f"{value:.{digits}g}")
    magnitude = int(np.floor(np.log10(abs(rounded))))
    if abs(rounded) < SMALL or abs(rounded) >= LARGE:
        mantissa = f"{rounded / 10**magnitude:.{digits - 1}f}".rstrip("0").rstrip(".")
        text = f"{mantissa} × 10{str(magnitude).translate(SUPERSCRIPT)}"
    else:
        decimals = max(digits - 1 - magnitude, 0)
        text = f"{rounded:,.{decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    return text.replace("-", "−")


def label(name: str) -> str:
    """The indicator's readable label (its name where it has none)."""
    return LABELS.get(name, (name.replace("_", " ").capitalize(), ""))[0]


def is_percent(name: str) -> bool:
    """Whether the indicator is a share shown in % (its differences in points)."""
    return LABELS.get(name, ("", ""))[1] == "%"


def unit(name: str, difference: bool = False, yearly_sum: bool = False) -> str:
    """The unit shown for an indicator's values, or for its differences ("points")."""
    if is_percent(name):
        return "percentage points" if difference else "%"
    if yearly_sum:
        return "EUR a year"
    return LABELS.get(name, ("", ""))[1]


def short_unit(name: str, yearly_sum: bool = False) -> str:
    """The unit a sentence gives after an amount ("points", "EUR a year", "firms")."""
    if is_percent(name):
        return "points"
    return unit(name, yearly_sum=yearly_sum)


def sentence(scenario: str, effect: Mapping[str, Any], year: str, scale: float) -> str:
    """One plain sentence of a scenario's effect on a goal's headline indicator.

    Args:
        scenario: the scenario's name.
        effect: a row of the effects table (``indicator, median, low, high, status``, and
            ``one_event`` when the effect comes from one month of one run).
        year: the year the effect is measured in.
        scale: the factor from stored differences to shown ones.
    """
    name = effect["indicator"]
    noun = NOUNS.get(name, label(name).lower())
    status = effect["status"]
    if status == NO_CHANGE:
        return f"{scenario} does not change {noun} in {year}."
    median, low, high = (float(effect[k]) * scale for k in ("median", "low", "high"))
    what = short_unit(name, yearly_sum=scale > 1 and not is_percent(name))
    if what.startswith("EUR") and max(abs(median), abs(low), abs(high)) >= MILLION:
        median, low, high, what = median / MILLION, low / MILLION, high / MILLION, f"M {what}"
    if effect.get("one_event"):
        return (
            f"{scenario} moves {noun} in {year} only through one event "
            f"({number(median)} {what} [{number(low)}, {number(high)}]): no verdict."
        )
    if status not in (WIN, LOSS, CHANGE):
        return (
            f"{scenario} has no clear effect on {noun} in {year} "
            f"({number(median)} {what} [{number(low)}, {number(high)}])."
        )
    verb = "raises" if median > 0 else "lowers"
    a, b = sorted((abs(low), abs(high)))
    judged = {WIN: "better", LOSS: "worse"}.get(status, "")
    return (
        f"{scenario} {verb} {noun} by {number(abs(median))} {what} "
        f"[{number(a)}, {number(b)}] in {year}" + (f" ({judged})." if judged else ".")
    )
