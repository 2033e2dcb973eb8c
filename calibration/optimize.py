"""A point estimate with optuna: minimise the standardised distance to the targets.

optuna's samplers (TPE, or CMA-ES through the ``cmaes`` package) propose parameter values;
each trial runs the baseline once per replicate seed (the same seeds in every trial:
common random numbers, so two trials differ by their parameters and not by their noise)
and scores the mean statistics with :func:`calibration.targets.distance`, the distance
ABC uses.

Storage is optuna's journal file (``optuna.journal``, appended and flushed per event), not
a SQLite file: it survives a crash, and several writers may share it. Resuming marks the
trial a killed command left running as failed (samplers ignore failed trials) and goes on
until the study has the requested number of complete trials. The sampler is created again
for each trial with a seed from ``(calibration seed, complete trials so far)``, so a resumed
study proposes what an uninterrupted one would have: a sampler's state is its history,
which the journal holds.

With derived parameters (:mod:`calibration.derived`), a proposal whose derived value is out
of its admissible range is told as failed without a run (its reason in the trial's user
attribute ``rejected``), as a trial whose distance is not finite is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from calibration.derived import out_of_range
from calibration.evaluate import Setup, average, simulate_statistics
from calibration.targets import distance
from sim.experiments.uncertainties import Uncertainty

JOURNAL = "optuna.journal"
MAX_REJECTED = 10_000
"""Out-of-range proposals after which a study stops (its priors admit too little)."""
STUDY = "calibration"


def make_sampler(kind: str, seed: int, complete: int) -> Any:
    """Optuna's sampler for the next trial, seeded from (seed, complete trials)."""
    import optuna

    trial_seed = int(np.random.SeedSequence([seed, complete]).generate_state(1)[0])
    if kind == "cmaes":
        return optuna.samplers.CmaEsSampler(seed=trial_seed, warn_independent_sampling=False)
    return optuna.samplers.TPESampler(seed=trial_seed)


def distributions(priors: Sequence[Uncertainty]) -> dict[str, Any]:
    """Optuna's search space: each prior's range (log-scaled for a loguniform prior).

    optuna has no triangular distribution: a triangular prior is searched uniformly over
    its range (a point estimate has no prior weight anyway).
    """
    from optuna.distributions import FloatDistribution

    return {
        p.name: FloatDistribution(p.low, p.high, log=p.distribution == "loguniform") for p in priors
    }


def run_optimize(
    out: Path,
    setup: Setup,
    priors: Sequence[Uncertainty],
    observed: Mapping[str, float],
    *,
    seed: int,
    sampler: str,
    trials: int,
    seeds: Sequence[int],
    map_: Callable[..., Iterable[Any]] = map,
    progress: Callable[[int, float], None] | None = None,
) -> Any:
    """Run (or resume) the study in ``out/optuna.journal`` to ``trials`` complete trials.

    Args:
        out: the output folder.
        setup: what every evaluation shares.
        priors: the calibrated names and their ranges.
        observed: the observed statistics, by target name.
        seed: the calibration's seed.
        sampler: ``tpe`` or ``cmaes``.
        trials: complete trials to reach.
        seeds: the replicate seeds of every trial.
        map_: the map a trial's seeds go through (a Dask client's for workers).
        progress: called with (complete trials, best distance so far) after each trial.

    Returns:
        the optuna study.
    """
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend
    from optuna.trial import TrialState

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    logging.getLogger("optuna").setLevel(logging.WARNING)
    storage = JournalStorage(JournalFileBackend(str(out / JOURNAL)))
    study = optuna.create_study(
        study_name=STUDY, storage=storage, direction="minimize", load_if_exists=True
    )
    for stale in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        storage.set_trial_state_values(stale._trial_id, TrialState.FAIL)
    space = distributions(priors)
    names = [p.name for p in priors]
    while True:
        complete = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
        if complete >= trials:
            return study
        rejected = _rejected(study)  # 0 without derived parameters: the seeds are as before
        study.sampler = make_sampler(sampler, seed, complete + rejected)
        trial = study.ask(space)
        values = {n: float(trial.params[n]) for n in names}
        reason = out_of_range(values, setup.derived)
        if reason is not None:
            if rejected >= MAX_REJECTED:
                raise RuntimeError(f"{rejected} proposals out of range; the last: {reason}")
            trial.set_user_attr("rejected", reason)
            study.tell(trial, None, state=TrialState.FAIL)
            continue
        runs = list(map_(_evaluate_seed, [(values, int(s), setup) for s in seeds]))
        stats = average(runs)
        loss = distance(setup.targets, stats, observed)
        for name, value in stats.items():
            trial.set_user_attr(f"stat:{name}", float(value))
        study.tell(
            trial,
            loss if np.isfinite(loss) else None,
            state=TrialState.COMPLETE if np.isfinite(loss) else TrialState.FAIL,
        )
        if progress is not None and np.isfinite(loss):
            progress(complete + 1, float(study.best_value))


def _rejected(study: Any) -> int:
    """The trials told as failed because a derived value was out of range."""
    from optuna.trial import TrialState

    failed = study.get_trials(deepcopy=False, states=(TrialState.FAIL,))
    return sum(1 for t in failed if "rejected" in t.user_attrs)


def _evaluate_seed(job: tuple[Mapping[str, float], int, Setup]) -> dict[str, float]:
    values, seed, setup = job
    return simulate_statistics(values, seed, setup)


def trials_table(study: Any, names: Sequence[str]) -> pd.DataFrame:
    """One row per complete trial: number, the parameters, the distance, the statistics."""
    from optuna.trial import TrialState

    rows = []
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    for index, t in enumerate(complete):  # the index, not optuna's number: a killed trial
        row: dict[str, Any] = {"trial": index}  # takes a number, and resuming skips it
        row.update({n: t.params[n] for n in names})
        row["distance"] = t.value
        row.update({k[5:]: v for k, v in t.user_attrs.items() if k.startswith("stat:")})
        rows.append(row)
    return pd.DataFrame(rows)
