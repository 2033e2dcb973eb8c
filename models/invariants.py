"""The model's accounting identities, and check mode that tests them after every phase.

Check mode runs all of them after every phase of every month and fails loudly at the first
that breaks.

Each identity is one function of the model's state returning ``None`` when it holds, or one
line saying where it breaks and by how much (``"comune 001272 Torino: 5 employees, 4
workers"``). ``tests/test_model.py`` calls the same functions, so each identity has one
definition. The identities:

* **population accounting**: each comune's residents at the end of a phase are those at
  the start of the month plus the month's births, arrivals from outside and from other
  comuni, minus deaths, departures out of the area and to other comuni (flows so far);
* **moves cancel**: moves between comuni add up to zero over the metro area;
* **employed at a live firm**: every employed person's job is a live firm;
* **no job without work**: nobody but the employed has a job;
* **employees equal workers**: each firm's employee count is the number of people working
  there, and a closed firm has none (these two hold after every phase but the firms phase:
  a firm that exits keeps its workers until the labour phase lays them off);
* **commuters are workers and students**: after the commuting phase, the commuting flows
  from each home zone are its employed people and students;
* **indicators are numbers**: each month's indicators are finite (a comune's share with an
  empty denominator excepted, see
  :data:`models.components.indicators.UNDEFINED_WHEN_EMPTY`) and, but for net migration, not
  negative.

Check mode (``metropoli run --check``, or ``METROPOLI_CHECK=1`` in the environment so that
batch workers inherit it) wraps each phase of the model's plan with these checks. The checks
only read the state and draw no random number, so a checked run gives the same tables bit
for bit; it is slower (about 2× at scale 0.01, see docs/performance.md).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable

import numpy as np

from models.codes import EMPLOYED, N_COMUNI, N_ZONES, OUTSIDE, STUDENT
from models.components.indicators import INDICATOR_NAMES, METRO_ONLY, UNDEFINED_WHEN_EMPTY
from models.flows import BIRTHS, DEATHS, EMIGRANTS, IMMIGRANTS, MOVES_IN, MOVES_OUT
from sim.calendar import format_month
from sim.errors import InputError, InvariantError
from sim.phases import Phase

ENVIRONMENT = "METROPOLI_CHECK"
MAY_BE_NEGATIVE = frozenset({"talent_net_migration"})


def enabled(flag: bool | None = None) -> bool:
    """Whether check mode is on: ``flag`` if given, else the :data:`ENVIRONMENT` variable.

    Raises:
        InputError: the variable holds something other than 1/0, true/false, yes/no, on/off.
    """
    if flag is not None:
        return bool(flag)
    text = os.environ.get(ENVIRONMENT, "").strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"", "0", "false", "no", "off"}:
        return False
    raise InputError(
        f"expected 1 (check every month) or 0, got {text[:20]!r}",
        f"environment variable {ENVIRONMENT}",
    )


def _where(model, zone: int) -> str:
    """A zone as a message names it: ``comune 001272 Torino``, or ``the outside zone``."""
    if zone >= model.territory.n_comuni:
        return "the outside zone"
    return f"comune {model.territory.codes[zone]} {model.territory.names[zone]}"


def residents_by_comune(model) -> np.ndarray:
    """Live residents of each comune, ``(N_COMUNI,)``."""
    p = model.people
    resident = (p.alive == 1) & (p.zone != OUTSIDE)
    return np.bincount(p.zone[resident], minlength=N_ZONES)[:N_COMUNI]


def population_accounting(model, before: np.ndarray) -> str | None:
    """Residents now = ``before`` + the flows counted so far this month, in every comune."""
    f = model.flows[:, :N_COMUNI]
    expected = (
        before + f[BIRTHS] - f[DEATHS] + f[IMMIGRANTS] + f[MOVES_IN] - f[EMIGRANTS] - f[MOVES_OUT]
    )
    found = residents_by_comune(model)
    wrong = np.flatnonzero(expected != found)
    if wrong.size == 0:
        return None
    z = int(wrong[0])
    return (
        f"{_where(model, z)}: {expected[z]:.0f} residents expected from {before[z]} at the "
        f"start of the month and its flows, {found[z]} found"
    )


def moves_cancel(model) -> str | None:
    """Moves into comuni equal moves out of comuni, over the metro area."""
    moved_in = model.flows[MOVES_IN, :N_COMUNI].sum()
    moved_out = model.flows[MOVES_OUT, :N_COMUNI].sum()
    if moved_in == moved_out:
        return None
    return f"metro area: {moved_in:.0f} moves into comuni, {moved_out:.0f} out of comuni"


def employed_at_live_firms(model) -> str | None:
    """Every employed person's job is a live firm."""
    p, f = model.people, model.firms
    employed = np.flatnonzero((p.alive == 1) & (p.status == EMPLOYED))
    jobs = p.job[employed]
    bad = (jobs < 0) | (jobs >= f.count)
    if not bad.any():
        bad = f.alive[jobs] != 1
    if not bad.any():
        return None
    i = int(employed[np.argmax(bad)])
    return f"{_where(model, int(p.zone[i]))}: person {i} is employed at firm {p.job[i]}, " + (
        "which does not exist" if not 0 <= p.job[i] < f.count else "which has closed"
    )


def no_job_without_work(model) -> str | None:
    """Nobody who is not employed holds a job."""
    p = model.people
    holding = (p.alive == 1) & (p.status != EMPLOYED) & (p.job != -1)
    if not holding.any():
        return None
    i = int(np.argmax(holding))
    return (
        f"{_where(model, int(p.zone[i]))}: person {i} of status {p.status[i]} holds job {p.job[i]}"
    )


def employees_equal_workers(model) -> str | None:
    """Each firm's employees are the people working there; a closed firm has none."""
    p, f = model.people, model.firms
    employed = (p.alive == 1) & (p.status == EMPLOYED)
    jobs = p.job[employed]
    jobs = jobs[(jobs >= 0) & (jobs < f.count)]  # others: employed_at_live_firms says so
    workers = np.bincount(jobs, minlength=f.count)[: f.count]
    wrong = np.flatnonzero(workers != f.employees)
    if wrong.size:
        j = int(wrong[0])
        state = "" if f.alive[j] == 1 else " (closed)"
        return (
            f"{_where(model, int(f.zone[j]))}: firm {j}{state} has {f.employees[j]} employees "
            f"and {workers[j]} people working there"
        )
    return None


def commuters_are_workers_and_students(model) -> str | None:
    """The month's commuting flows from each home zone are its employed people and students."""
    p = model.people
    commuting = (p.alive == 1) & ((p.status == EMPLOYED) | (p.status == STUDENT))
    expected = np.bincount(p.zone[commuting], minlength=N_ZONES)
    found = model.commuting.tally.od.sum(axis=(1, 2))
    wrong = np.flatnonzero(expected != found)
    if wrong.size == 0:
        return None
    z = int(wrong[0])
    return (
        f"{_where(model, z)}: {found[z]:.0f} commuters in the flows, {expected[z]} employed "
        "people and students"
    )


def indicators_are_numbers(model, values: np.ndarray) -> str | None:
    """The month's indicators are finite and, but for net migration, not negative.

    ``values`` is indicator × zone, the metro area last; a comune's share with an empty
    denominator may be NaN.
    """
    n = model.territory.n_comuni
    for k, name in enumerate(INDICATOR_NAMES):
        metro = values[k, n]
        comuni = np.zeros(0) if name in METRO_ONLY else values[k, :n]
        nan_allowed = name in UNDEFINED_WHEN_EMPTY
        zone, problem = None, None
        if not np.isfinite(metro):
            problem = f"{metro}"
        elif np.isinf(comuni).any() or (not nan_allowed and np.isnan(comuni).any()):
            zone = int(np.flatnonzero(~np.isfinite(comuni))[0])
            problem = f"{comuni[zone]}"
        elif name not in MAY_BE_NEGATIVE and metro < 0:
            problem = f"{metro:g}, below zero"
        elif name not in MAY_BE_NEGATIVE and (comuni < 0).any():
            zone = int(np.flatnonzero(comuni < 0)[0])
            problem = f"{comuni[zone]:g}, below zero"
        if problem is not None:
            where = "the metro area" if zone is None else _where(model, zone)
            return f"{where}: indicator {name} is {problem}"
    return None


# identity name -> the check, called after every phase with (model, residents at the start)
EVERY_PHASE: dict[str, Callable] = {
    "population accounting": lambda model, before: population_accounting(model, before),
    "moves cancel": lambda model, before: moves_cancel(model),
    "employed at a live firm": lambda model, before: employed_at_live_firms(model),
    "no job without work": lambda model, before: no_job_without_work(model),
    "employees equal workers": lambda model, before: employees_equal_workers(model),
}

# Phases after which an identity does not hold yet: a firm that exits in the firm_dynamics
# phase keeps its workers until the labour_market phase lays them off.
NOT_AFTER: dict[str, frozenset[str]] = {
    "employed at a live firm": frozenset({"firm_dynamics"}),
    "employees equal workers": frozenset({"firm_dynamics"}),
}


class MonthlyChecks:
    """Check mode for one model: every identity after every phase of every month.

    Attaching wraps the phases of ``model.plan`` (their names, order and random streams are
    unchanged); the first breach raises :class:`~sim.errors.InvariantError` naming the
    month, the phase, the identity and the zone.

    Args:
        model: a :class:`~models.model.MetroModel` before its first step.

    Attributes:
        passed: how many times each identity was checked and held.
    """

    def __init__(self, model) -> None:
        self.model = model
        self.passed: Counter[str] = Counter()
        self.before = residents_by_comune(model)
        self._fail_if("before the first month", model.month, self._every_phase())
        plan = model.plan
        plan.phases = [
            Phase(p.name, self._wrapped(p, i == 0), p.doc) for i, p in enumerate(plan.phases)
        ]

    def _every_phase(self, phase: str = "") -> tuple[str, str] | None:
        for identity, check in EVERY_PHASE.items():
            if phase in NOT_AFTER.get(identity, ()):
                continue
            broken = check(self.model, self.before)
            if broken is not None:
                return identity, broken
            self.passed[identity] += 1
        return None

    def _check(self, when: str, month: int, identity: str, broken: str | None) -> None:
        if broken is not None:
            self._fail_if(when, month, (identity, broken))
        self.passed[identity] += 1

    def _fail_if(self, when: str, month: int, found: tuple[str, str] | None) -> None:
        if found is not None:
            identity, broken = found
            raise InvariantError(f"{format_month(month)}, {when}: {identity} broken in {broken}")

    def _wrapped(self, phase: Phase, first: bool) -> Callable[[int], None]:
        def run(month: int) -> None:
            if first:
                self.before = residents_by_comune(self.model)
            phase.run(month)
            when = f"after phase '{phase.name}'"
            self._fail_if(when, month, self._every_phase(phase.name))
            if phase.name == "commuting":
                identity = "commuters are workers and students"
                self._check(when, month, identity, commuters_are_workers_and_students(self.model))
            records = self.model.indicators.records
            if phase.name == "indicators" and records and records[-1][0] == month:
                broken = indicators_are_numbers(self.model, records[-1][1])
                self._check(when, month, "indicators are numbers", broken)

        return run


def attach(model) -> MonthlyChecks:
    """Turn check mode on for ``model`` (before its first step)."""
    return MonthlyChecks(model)
