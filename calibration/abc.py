"""ABC-SMC with pyabc: a posterior sample of the calibrated parameters.

The pieces are pyabc's own (:class:`pyabc.ABCSMC`, its SQLite history, its adaptive
multivariate-normal transitions, the median epsilon schedule); three are ours:

* the **model** (:class:`AbcModel`) runs the baseline for a few replicate seeds at a
  particle's parameter values and returns the mean of each target statistic;
* the **distance** (:class:`StandardisedDistance`) is :func:`calibration.targets.distance`,
  the Euclidean distance of the statistics divided by each target's sd, so ABC and the
  optimiser minimise the same thing;
* the **sampler** (:class:`SeededMappingSampler`). pyabc's samplers reseed every worker from
  the operating system (``MappingSampler.map_function`` calls ``np.random.seed()``; the
  multicore samplers do the same), so two runs of the same calibration differ. Ours is
  pyabc's :class:`~pyabc.sampler.MappingSampler` with one change: task ``k`` of generation
  ``t`` seeds numpy and ``random`` from ``(calibration seed, t, k)``. Each task samples
  until it has one accepted particle, tasks are gathered in their order, so the
  population is the same whatever the map (built-in ``map`` in this process, or a Dask
  client's) and however many workers it has.

Resuming: the SQLite history holds every finished generation; a new command loads it and
runs the generations still missing. A generation interrupted midway is run again from its
start, with the same seeds, so the result equals an uninterrupted calibration.
"""

from __future__ import annotations

import functools
import logging
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from calibration.derived import Derived, out_of_range
from calibration.evaluate import Setup, mean_statistics
from calibration.targets import Target, distance
from sim.experiments.uncertainties import Uncertainty

DB = "abc.db"
MAX_SEED = 2**31 - 1


class AbcModel:
    """pyabc's model: the mean target statistics of ``replicates`` runs at a particle.

    The replicate seeds are drawn from numpy's global generator, which the sampler seeds
    per task, so a particle's runs are reproducible and every particle sees fresh noise.
    """

    def __init__(self, setup: Setup, names: Sequence[str], replicates: int) -> None:
        self.setup = setup
        self.names = tuple(names)
        self.replicates = int(replicates)

    def __call__(self, parameter: Mapping[str, float]) -> dict[str, float]:
        """Simulate one particle."""
        seeds = np.random.randint(1, MAX_SEED, size=self.replicates)
        values = {n: float(parameter[n]) for n in self.names}
        return mean_statistics(values, [int(s) for s in seeds], self.setup)


class StandardisedDistance:
    """``sqrt(sum(((x - x0) / sd)^2))`` over the targets (pyabc's distance function)."""

    def __init__(self, targets: Sequence[Target]) -> None:
        self.targets = tuple(targets)

    def __call__(self, x: Mapping[str, float], x0: Mapping[str, float]) -> float:
        """The distance of simulated ``x`` from observed ``x0``."""
        return distance(self.targets, x, x0)


def _seeded_task(simulate_one: bytes, sample_factory: Any, seed: int) -> tuple[Any, int]:
    """One task of :class:`SeededMappingSampler`: sample until one particle is accepted."""
    import cloudpickle

    simulate = cloudpickle.loads(simulate_one)
    np.random.seed(seed)
    random.seed(seed)
    sample = sample_factory()
    n = 0
    while True:
        particle = simulate()
        n += 1
        sample.append(particle)
        if particle.accepted:
            return sample, n


def _task_seeds(seed: int, t: int, n: int) -> list[int]:
    """The seeds of generation ``t``'s ``n`` tasks (``t = -1``: the calibration sample)."""
    sequence = np.random.SeedSequence([seed, t + 1])
    return [int(s) for s in sequence.generate_state(n, dtype=np.uint32)]


def make_sampler(seed: int, map_: Callable[..., Iterable[Any]] = map) -> Any:
    """Pyabc's MappingSampler, with each task seeded from (seed, generation, task)."""
    import cloudpickle
    from pyabc.sampler import MappingSampler

    class SeededMappingSampler(MappingSampler):
        """MappingSampler whose tasks are seeded from the calibration's seed (see module)."""

        def sample_until_n_accepted(self, n, simulate_one, t, **_: Any):  # noqa: ANN001, ANN201, D102
            payload = cloudpickle.dumps(simulate_one)
            task = functools.partial(_seeded_task, payload, self.sample_factory)
            counted = list(self.map_(task, _task_seeds(seed, t, n)))
            sample = self._create_empty_sample()
            evaluations = 0
            for result, count in counted:
                sample += result
                evaluations += count
            self.nr_evaluations_ = evaluations
            return sample

    return SeededMappingSampler(map_=map_, mapper_pickles=True)


def prior_distribution(priors: Sequence[Uncertainty], derived: Sequence[Derived] = ()) -> Any:
    """Pyabc's prior: each calibrated name's declared range and distribution.

    With derived parameters, the product of the ranges truncated to the admissible points
    (:class:`TruncatedPrior`).
    """
    import pyabc

    rvs = {}
    for p in priors:
        width = p.high - p.low
        if p.distribution == "triangular":
            c = 0.5 if p.mode is None else (p.mode - p.low) / width
            rvs[p.name] = pyabc.RV("triang", c, p.low, width)
        elif p.distribution == "loguniform":
            rvs[p.name] = pyabc.RV("loguniform", p.low, p.high)
        else:
            rvs[p.name] = pyabc.RV("uniform", p.low, width)
    base = pyabc.Distribution(**rvs)
    return TruncatedPrior(base, tuple(derived)) if derived else base


MAX_PRIOR_TRIES = 100_000


class TruncatedPrior:
    """A pyabc prior restricted to the points whose derived values are admissible.

    pyabc asks a prior for ``rvs`` (generation 0) and ``pdf`` (a later proposal is kept only
    where it is positive) and nothing else, so no particle outside the admissible set is
    ever simulated. The density is the product prior's, unnormalised: pyabc normalises the
    importance weights, so the truncation's constant cancels.
    """

    def __init__(self, base: Any, derived: tuple[Derived, ...]) -> None:
        self.base = base
        self.derived = derived

    def rvs(self, *args: Any, **kwargs: Any) -> Any:
        """A draw of the product prior, drawn again until admissible."""
        for _ in range(MAX_PRIOR_TRIES):
            theta = self.base.rvs(*args, **kwargs)
            if out_of_range(theta, self.derived) is None:
                return theta
        raise RuntimeError(f"no admissible prior point in {MAX_PRIOR_TRIES} draws")

    def pdf(self, x: Any) -> float:
        """The product prior's density, 0 where a derived value is out of range.

        The derivation is evaluated only inside the product prior's support: a proposal
        outside it (a negative ``recovery_years``, say) has density 0 already, and its
        derived value may not even be finite.
        """
        density = float(self.base.pdf(x))
        if density == 0.0 or out_of_range(x, self.derived) is not None:
            return 0.0
        return density


def run_abc(
    out: Path,
    setup: Setup,
    priors: Sequence[Uncertainty],
    observed: Mapping[str, float],
    *,
    seed: int,
    population: int,
    generations: int,
    replicates: int,
    min_epsilon: float = 0.0,
    map_: Callable[..., Iterable[Any]] = map,
) -> Any:
    """Run (or resume) ABC-SMC into ``out/abc.db``; return pyabc's History.

    Args:
        out: the output folder (it holds the SQLite history).
        setup: what every evaluation shares.
        priors: the calibrated names and their priors.
        observed: the observed statistics, by target name.
        seed: the calibration's seed.
        population: accepted particles per generation.
        generations: generations to reach.
        replicates: seeds per particle.
        min_epsilon: stop when epsilon falls below it.
        map_: the map the sampler's tasks go through (a Dask client's for workers).
    """
    import pyabc

    logging.getLogger("ABC").setLevel(logging.WARNING)
    logging.getLogger("pyabc").setLevel(logging.WARNING)
    names = [p.name for p in priors]
    abc = pyabc.ABCSMC(
        models=AbcModel(setup, names, replicates),
        parameter_priors=prior_distribution(priors, setup.derived),
        distance_function=StandardisedDistance(setup.targets),
        population_size=population,
        sampler=make_sampler(seed, map_),
        eps=pyabc.MedianEpsilon(),
    )
    db = out / DB
    url = f"sqlite:///{db}"
    if db.exists() and _has_run(url):
        history = abc.load(url, 1)
        done = history.max_t + 1
    else:
        if db.exists():
            db.unlink()  # created by a command killed before its first write
        history = abc.new(url, dict(observed))
        done = 0
    if done < generations and not _converged(history, min_epsilon):
        history = abc.run(
            minimum_epsilon=min_epsilon if min_epsilon > 0 else None,
            max_nr_populations=generations - done,
        )
    return history


def _has_run(url: str) -> bool:
    import pyabc

    try:
        history = pyabc.History(url)
        history.id = 1
        return history.max_t >= 0
    except Exception:  # noqa: BLE001 - an empty or half-created file holds no run
        return False


def _converged(history: Any, min_epsilon: float) -> bool:
    if min_epsilon <= 0 or history.max_t < 0:
        return False
    pops = history.get_all_populations()
    return float(pops["epsilon"].iloc[-1]) <= min_epsilon


def generations_table(history: Any) -> pd.DataFrame:
    """One row per generation: t, epsilon, evaluations, acceptance rate."""
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0].copy()
    counts = history.get_nr_particles_per_population()
    pops["particles"] = [int(counts.get(t, 0)) for t in pops["t"]]
    pops["acceptance_rate"] = pops["particles"] / pops["samples"]
    return pops[["t", "epsilon", "samples", "particles", "acceptance_rate"]].reset_index(drop=True)


def posterior_table(history: Any) -> pd.DataFrame:
    """The last generation's particles: one column per name and their normalised weight."""
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    table = frame.reset_index(drop=True).copy()
    table.columns = [str(c) for c in table.columns]
    table["weight"] = np.asarray(weights, dtype=float) / float(np.sum(weights))
    return table
