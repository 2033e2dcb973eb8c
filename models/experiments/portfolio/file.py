"""The portfolio file: a search for the projects to fund, read and checked like a batch file.

```toml
name = "half-budget"
description = "..."

[run]                    # months, scale and the in-sample seeds (as a batch's [run])
start = "2015-01"
end = "2025-12"
scale = 0.005
seeds = 1

[decision]
projects = "all"         # "all", "A", "B", or a list of codes
fixed_in = []            # always funded (their intensity and start are still chosen)
fixed_out = []           # never funded (not decided)
on_off = false           # true: funded or not, at intensity 1 and the default start
intensity = [0.5, 1.0]   # the range chosen from (capped by each project's max_intensity)
intensity_step = 0.1
start_years = [2016, 2025]

[budget]                 # EUR over the years 2016-2025; at least one of the two
total_eur = "half of piano-completo"   # a number, "piano-completo", "half of ..." or "0.4 of ..."
yearly_cap_eur = 40000000.0

[[objectives]]           # one table per objective
goal = 3                 # a goal's headline indicator (1-8, 9 = sustainability) ...
indicator = "talents"    # ... or a named indicator (one of the two)
years = [2021, 2025]     # the paired effect averaged over these years (or one: [2025])
robustness = "mean"      # "mean", "p10" (a low percentile of the effect, worst side), "regret"

[states]
in_sample = 16           # states of the world the search judges in
out_of_sample = 8        # others, for the Pareto set's verification
posterior = "../../calibration/posterior/observed-2015-2018.toml"   # optional
effects = true           # draw the lever effect sizes from their priors
seed = 2025

[search]
algorithm = "nsga3"      # or "nsga2"
population = 24
generations = 10
seed = 1
```

Every problem is one :class:`~sim.errors.InputError` naming the file and the key.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.components.indicators import HEADLINE_INDICATORS, INDICATOR_NAMES
from models.components.levers import SPEC_BY_CODE, SPECS
from models.experiments import scenario as scenarios
from sim.errors import InputError
from sim.experiments.batchfile import BatchRun, check_run
from sim.tomlfile import check_keys, read_toml

TOP_KEYS = {"name", "description", "run", "decision", "budget", "objectives", "states", "search"}
DECISION_KEYS = {
    "projects",
    "fixed_in",
    "fixed_out",
    "on_off",
    "intensity",
    "intensity_step",
    "start_years",
}
BUDGET_KEYS = {"total_eur", "yearly_cap_eur"}
OBJECTIVE_KEYS = {"name", "goal", "indicator", "years", "robustness"}
STATES_KEYS = {"in_sample", "out_of_sample", "posterior", "effects", "seed"}
SEARCH_KEYS = {"algorithm", "population", "generations", "seed"}
ALGORITHMS = ("nsga3", "nsga2")
FIRST_YEAR, LAST_YEAR = 2016, 2025
PLAN = "piano-completo"
SHARES = {"": 1.0, "half of ": 0.5, "a third of ": 1 / 3, "a quarter of ": 0.25}
MAX_STATES = 1000
MAX_POPULATION = 1000
MAX_GENERATIONS = 10000


@dataclass(frozen=True)
class Decision:
    """What the search chooses.

    Attributes:
        projects: the decided projects, in the plan's order (fixed-out ones left out).
        fixed_in: projects always funded.
        on_off: only funded or not (intensity 1, the project's default start).
        intensity: the range of intensities (capped by each project's max_intensity).
        intensity_step: intensities are multiples of this within the range.
        start_years: first and last start year.
    """

    projects: tuple[str, ...]
    fixed_in: tuple[str, ...]
    on_off: bool
    intensity: tuple[float, float]
    intensity_step: float
    start_years: tuple[int, int]


@dataclass(frozen=True)
class BudgetRule:
    """The budget as the file says it: a number, or a share of piano-completo's cost.

    Attributes:
        total: total EUR over 2016-2025 (None: no total).
        total_share: the share of piano-completo's total when given so (else None).
        yearly: the cap on any year's cost (None: no cap).
        yearly_share: the share of piano-completo's costliest year when given so.
    """

    total: float | None
    total_share: float | None
    yearly: float | None
    yearly_share: float | None


@dataclass(frozen=True)
class Objective:
    """One objective: a metro indicator's paired effect, made robust over the states.

    Attributes:
        name: how outputs name it (the indicator, unless given).
        indicator: the metro indicator.
        years: first and last year of the average.
        robustness: ``mean``, ``pNN`` (the NN-th percentile on the worst side) or ``regret``.
        direction: ``up`` or ``down``: the plan wants the indicator to rise or fall.
    """

    name: str
    indicator: str
    years: tuple[int, int]
    robustness: str
    direction: str


@dataclass(frozen=True)
class States:
    """The states of the world.

    Attributes:
        in_sample: how many the search judges in.
        out_of_sample: how many others verify the Pareto set.
        posterior: the calibration posterior file (resolved path), or None.
        effects: the lever effect sizes are drawn from their priors.
        seed: the draws' seed.
    """

    in_sample: int
    out_of_sample: int
    posterior: Path | None
    effects: bool
    seed: int


@dataclass(frozen=True)
class Search:
    """The optimiser: pymoo's algorithm, population, generations and seed."""

    algorithm: str
    population: int
    generations: int
    seed: int


@dataclass(frozen=True)
class PortfolioSpec:
    """A checked portfolio file."""

    name: str
    source: str
    text: str
    description: str
    run: BatchRun
    decision: Decision
    budget: BudgetRule
    objectives: tuple[Objective, ...]
    states: States
    search: Search


def load_portfolio(path: str | Path, scale: float | None = None) -> PortfolioSpec:
    """Read and check a portfolio file (``scale`` overrides its ``[run] scale``)."""
    text, data = read_toml(path, "a portfolio TOML file")
    source = str(path)
    check_keys(data, TOP_KEYS, source, required=("run", "decision", "budget", "objectives"))
    schema = scenarios.schema()
    run = check_run(
        data["run"], source, schema.first_month, schema.last_month, scale, None, schema.min_scale
    )
    name = data.get("name", Path(path).stem)
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise InputError("expected a name of letters, digits, '.', '_' or '-'", source, "name")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise InputError("expected text", source, "description")
    objectives = _objectives(data["objectives"], source, run)
    search = _search(data.get("search", {}), source)
    if search.algorithm == "nsga3" and search.population < len(objectives):
        raise InputError(
            f"expected at least one portfolio per objective ({len(objectives)}) for nsga3's "
            f"reference directions, got {search.population}",
            source,
            "search.population",
        )
    return PortfolioSpec(
        name=name,
        source=source,
        text=text,
        description=description,
        run=run,
        decision=_decision(data["decision"], source),
        budget=_budget(data["budget"], source),
        objectives=objectives,
        states=_states(data.get("states", {}), source, Path(path).parent),
        search=search,
    )


def _table(value: Any, source: str, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(f"expected a [{key}] table", source, key)
    return value


def _integer(value: Any, low: int, high: int, source: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(
            f"expected a whole number from {low} to {high}, got {value!r}", source, key
        )
    return value


def _number(value: Any, source: str, key: str, low: float = 0.0) -> float:
    finite = isinstance(value, int | float) and math.isfinite(value)
    if isinstance(value, bool) or not finite or not value > low:
        raise InputError(f"expected a number above {low:g}, got {value!r}", source, key)
    return float(value)


def _codes(value: Any, source: str, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise InputError("expected a list of project codes (A1 ... B21)", source, key)
    for code in value:
        if code not in SPEC_BY_CODE:
            raise InputError(
                f"{code!r} is not a project (expected A1 ... A8, B1 ... B21)", source, key
            )
    return value


def _pair(value: Any, source: str, key: str) -> tuple[Any, Any]:
    if not isinstance(value, list) or len(value) not in (1, 2):
        raise InputError("expected [low, high] (or [value])", source, key)
    return (value[0], value[-1])


def _decision(value: Any, source: str) -> Decision:
    table = _table(value, source, "decision")
    check_keys(table, DECISION_KEYS, source, "decision")
    chosen = table.get("projects", "all")
    if chosen in ("all", "A", "B"):
        codes = [s.code for s in SPECS if chosen == "all" or s.code.startswith(chosen)]
    else:
        codes = _codes(chosen, source, "decision.projects")
    fixed_in = _codes(table.get("fixed_in", []), source, "decision.fixed_in")
    fixed_out = _codes(table.get("fixed_out", []), source, "decision.fixed_out")
    for code in fixed_in:
        if code in fixed_out:
            raise InputError(f"{code} is both fixed in and fixed out", source, "decision.fixed_in")
        if code not in codes:
            raise InputError(f"{code} is not among decision.projects", source, "decision.fixed_in")
    projects = tuple(s.code for s in SPECS if s.code in codes and s.code not in fixed_out)
    if not projects:
        raise InputError("no project is left to decide", source, "decision.projects")
    on_off = table.get("on_off", False)
    if not isinstance(on_off, bool):
        raise InputError("expected true or false", source, "decision.on_off")
    low, high = _pair(table.get("intensity", [1.0, 1.0]), source, "decision.intensity")
    low = _number(low, source, "decision.intensity")
    high = _number(high, source, "decision.intensity")
    if low > high:
        raise InputError(f"expected low <= high, got [{low}, {high}]", source, "decision.intensity")
    step = _number(table.get("intensity_step", 0.05), source, "decision.intensity_step")
    first, last = _pair(
        table.get("start_years", [FIRST_YEAR, FIRST_YEAR]), source, "decision.start_years"
    )
    first = _integer(first, FIRST_YEAR, LAST_YEAR, source, "decision.start_years")
    last = _integer(last, first, LAST_YEAR, source, "decision.start_years")
    return Decision(projects, tuple(fixed_in), on_off, (low, high), step, (first, last))


def _amount(value: Any, source: str, key: str) -> tuple[float | None, float | None]:
    """A budget amount: (EUR, None) for a number, (None, share) for a share of the plan."""
    if value is None:
        return None, None
    if isinstance(value, str):
        text = value.strip()
        match = re.fullmatch(r"([0-9]*\.?[0-9]+) of " + PLAN, text)
        if match and float(match.group(1)) > 0:
            return None, float(match.group(1))
        for words, share in SHARES.items():
            if text == words + PLAN:
                return None, share
        raise InputError(
            f"expected EUR as a number, or {PLAN!r}, 'half of {PLAN}', '0.4 of {PLAN}'; "
            f"got {value!r}",
            source,
            key,
        )
    return _number(value, source, key), None


def _budget(value: Any, source: str) -> BudgetRule:
    table = _table(value, source, "budget")
    check_keys(table, BUDGET_KEYS, source, "budget")
    if not table:
        raise InputError("expected total_eur, yearly_cap_eur or both", source, "budget")
    total, total_share = _amount(table.get("total_eur"), source, "budget.total_eur")
    yearly, yearly_share = _amount(table.get("yearly_cap_eur"), source, "budget.yearly_cap_eur")
    return BudgetRule(total, total_share, yearly, yearly_share)


def _objectives(value: Any, source: str, run: BatchRun) -> tuple[Objective, ...]:
    from models.experiments.report.content import DIRECTIONS

    if not isinstance(value, list) or len(value) < 2:
        raise InputError(
            "expected a list of at least two [[objectives]] tables", source, "objectives"
        )
    out: list[Objective] = []
    first_year, last_year = max(run.start // 12, FIRST_YEAR), run.end // 12
    for i, entry in enumerate(value):
        key = f"objectives[{i}]"
        entry = _table(entry, source, key)
        check_keys(entry, OBJECTIVE_KEYS, source, key)
        if ("goal" in entry) == ("indicator" in entry):
            raise InputError("expected goal or indicator (one of the two)", source, f"{key}.goal")
        if "goal" in entry:
            goal = _integer(entry["goal"], 1, 9, source, f"{key}.goal")
            indicator = HEADLINE_INDICATORS[goal]
        else:
            indicator = entry["indicator"]
            known = isinstance(indicator, str) and indicator in INDICATOR_NAMES
            if not known or DIRECTIONS.get(indicator, 0) == 0:
                raise InputError(
                    f"{indicator!r} is not an indicator the plan wants up or down "
                    "(metropoli report lists them)",
                    source,
                    f"{key}.indicator",
                )
        years = _pair(entry.get("years", [last_year, last_year]), source, f"{key}.years")
        y0 = _integer(years[0], first_year, last_year, source, f"{key}.years")
        y1 = _integer(years[1], y0, last_year, source, f"{key}.years")
        robustness = entry.get("robustness", "mean")
        if not isinstance(robustness, str) or not re.fullmatch(
            r"mean|regret|p([1-9]|[1-4][0-9])", robustness
        ):
            raise InputError(
                f"expected 'mean', 'regret' or 'pNN' (NN from 1 to 49), got {robustness!r}",
                source,
                f"{key}.robustness",
            )
        name = entry.get("name", indicator)
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            raise InputError(
                "expected a name of letters, digits, '_' or '-'", source, f"{key}.name"
            )
        if name in {o.name for o in out}:
            raise InputError(f"objective {name!r} is given twice (name one)", source, f"{key}.name")
        direction = "up" if DIRECTIONS[indicator] > 0 else "down"
        out.append(Objective(name, indicator, (y0, y1), robustness, direction))
    return tuple(out)


def _states(value: Any, source: str, folder: Path) -> States:
    table = _table(value, source, "states")
    check_keys(table, STATES_KEYS, source, "states")
    in_sample = _integer(table.get("in_sample", 4), 1, MAX_STATES, source, "states.in_sample")
    out_sample = _integer(
        table.get("out_of_sample", 4), 1, MAX_STATES, source, "states.out_of_sample"
    )
    posterior = table.get("posterior")
    path = None
    if posterior is not None:
        if not isinstance(posterior, str):
            raise InputError("expected a path as text", source, "states.posterior")
        path = folder / posterior
        if not path.is_file():
            raise InputError(
                f"no such posterior file {str(path)!r} (paths are relative to the portfolio file)",
                source,
                "states.posterior",
            )
    effects = table.get("effects", True)
    if not isinstance(effects, bool):
        raise InputError("expected true or false", source, "states.effects")
    seed = _integer(table.get("seed", 1), 0, 2**31 - 1, source, "states.seed")
    if path is None and not effects:
        raise InputError(
            "every state would be the same (expected a posterior, effects = true, or both)",
            source,
            "states.effects",
        )
    return States(in_sample, out_sample, path, effects, seed)


def _search(value: Any, source: str) -> Search:
    table = _table(value, source, "search")
    check_keys(table, SEARCH_KEYS, source, "search")
    algorithm = table.get("algorithm", "nsga3")
    if algorithm not in ALGORITHMS:
        raise InputError(
            f"expected one of {', '.join(ALGORITHMS)}, got {algorithm!r}",
            source,
            "search.algorithm",
        )
    population = _integer(
        table.get("population", 24), 4, MAX_POPULATION, source, "search.population"
    )
    generations = _integer(
        table.get("generations", 10), 1, MAX_GENERATIONS, source, "search.generations"
    )
    seed = _integer(table.get("seed", 1), 0, 2**31 - 1, source, "search.seed")
    return Search(algorithm, population, generations, seed)
