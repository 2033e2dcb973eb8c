"""The decision: which projects are funded, how hard and from when, and its encoding for pymoo.

A :class:`Portfolio` is the funded projects, each with its intensity and start year (the
project's default month of that year; its default ramp). Its key is a hash of that, so the
same portfolio reached twice by the search is one portfolio, evaluated once.

The optimiser sees each decided project as three numbers in [0, 1] (:class:`Encoding`):
funded (at least 0.5), an index into the allowed intensities, an index into the allowed
start years. :meth:`Encoding.canonical` maps a vector onto the one that stands for its
portfolio, so pymoo's duplicate elimination sees two vectors of one portfolio as equal.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from models.components.levers import SPEC_BY_CODE, SPECS
from models.experiments.portfolio.file import FIRST_YEAR, Decision
from sim.calendar import format_month, parse_month


@dataclass(frozen=True)
class Funded:
    """One funded project: its code, intensity and start year."""

    code: str
    intensity: float
    start_year: int

    @property
    def start(self) -> str:
        """The first month of delivery: the project's default month in the start year."""
        default = parse_month(SPEC_BY_CODE[self.code].start)
        return format_month(self.start_year * 12 + default % 12)


@dataclass(frozen=True)
class Portfolio:
    """The funded projects, in the plan's order."""

    funded: tuple[Funded, ...]

    @property
    def key(self) -> str:
        """A stable id: 12 hex digits of the SHA-256 of the funded projects."""
        text = ";".join(f"{f.code}:{f.intensity:.6g}:{f.start_year}" for f in self.funded)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]

    def by_code(self) -> dict[str, Funded]:
        """The funded projects by code."""
        return {f.code: f for f in self.funded}

    def scenario_text(self, name: str, description: str, run: dict[str, object]) -> str:
        """The portfolio as a scenario file a user can ``metropoli run``."""
        lines = [
            f"# {description}",
            f'name = "{name}"',
            f'description = "{description}"',
            "",
            "[run]",
            *(f"{k} = {v!r}" if not isinstance(v, str) else f'{k} = "{v}"' for k, v in run.items()),
            "",
        ]
        for f in self.funded:
            spec = SPEC_BY_CODE[f.code]
            lines += [
                f"# {f.code} {spec.name}: {spec.cost_eur * f.intensity / 1e6:.3g} M EUR a year",
                f"[levers.{f.code}]",
                f'start = "{f.start}"',
                f"ramp_months = {spec.ramp_months}",
                f"intensity = {f.intensity!r}",
                "",
            ]
        return "\n".join(lines)


def plan_portfolio() -> Portfolio:
    """piano-completo: every project at intensity 1 from its default start."""
    return Portfolio(tuple(Funded(s.code, 1.0, parse_month(s.start) // 12) for s in SPECS))


BASELINE = Portfolio(())


class Encoding:
    """The decided projects as pymoo's variables: three numbers in [0, 1] per project."""

    def __init__(self, decision: Decision) -> None:
        self.decision = decision
        self.codes = decision.projects
        self.intensities = {c: _intensities(decision, c) for c in self.codes}
        self.years = {c: _years(decision, c) for c in self.codes}

    @property
    def n_var(self) -> int:
        """The number of variables."""
        return 3 * len(self.codes)

    def decode(self, x: np.ndarray) -> Portfolio:
        """The portfolio a vector stands for."""
        funded = []
        for i, code in enumerate(self.codes):
            on, xi, xs = x[3 * i : 3 * i + 3]
            if on >= 0.5 or code in self.decision.fixed_in:
                intensity = self.intensities[code][_index(xi, len(self.intensities[code]))]
                year = self.years[code][_index(xs, len(self.years[code]))]
                funded.append(Funded(code, intensity, year))
        return Portfolio(tuple(funded))

    def encode(self, portfolio: Portfolio) -> np.ndarray:
        """The canonical vector of a portfolio (funded 0.75, unfunded 0.25, middles of cells)."""
        chosen = portfolio.by_code()
        x = np.empty(self.n_var)
        for i, code in enumerate(self.codes):
            f = chosen.get(code)
            levels, years = self.intensities[code], self.years[code]
            li = levels.index(f.intensity) if f else len(levels) - 1
            yi = years.index(f.start_year) if f else 0
            x[3 * i : 3 * i + 3] = (
                0.75 if f else 0.25,
                (li + 0.5) / len(levels),
                (yi + 0.5) / len(years),
            )
        return x

    def canonical(self, x: np.ndarray) -> np.ndarray:
        """The vector that stands for the same portfolio as ``x``."""
        return self.encode(self.decode(x))

    def cheapest(self) -> Portfolio:
        """The cheapest allowed portfolio: the fixed-in projects, least and latest."""
        return Portfolio(
            tuple(
                Funded(c, self.intensities[c][0], self.years[c][-1])
                for c in self.codes
                if c in self.decision.fixed_in
            )
        )

    def unfund(self, x: np.ndarray, code: str) -> np.ndarray:
        """``x`` with one project unfunded."""
        y = x.copy()
        y[3 * self.codes.index(code)] = 0.25
        return y


def _index(value: float, n: int) -> int:
    return min(max(int(value * n), 0), n - 1)


def _intensities(decision: Decision, code: str) -> list[float]:
    top = SPEC_BY_CODE[code].max_intensity
    if decision.on_off:
        return [min(1.0, top)]
    low, high = decision.intensity[0], min(decision.intensity[1], top)
    step = decision.intensity_step
    first = int(np.ceil(low / step - 1e-9))
    levels = [round(k * step, 10) for k in range(first, int(np.floor(high / step + 1e-9)) + 1)]
    return levels or [high]


def _years(decision: Decision, code: str) -> list[int]:
    if decision.on_off:
        return [max(parse_month(SPEC_BY_CODE[code].start) // 12, FIRST_YEAR)]
    return list(range(decision.start_years[0], decision.start_years[1] + 1))
