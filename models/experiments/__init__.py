"""What runs the model, kept apart from the model (as Mesa's examples keep their app).

- :mod:`~models.experiments.api`: the model as a library (:func:`run_point`,
  :func:`evaluate`, :func:`uncertainties`, :func:`outcomes`), re-exported here;
- :mod:`~models.experiments.scenario`: the model's scenario schema, and loading a file;
- :mod:`~models.experiments.run`: :func:`simulate` (a scenario to tables) and the run folder;
- :mod:`~models.experiments.batchfile`: reading and checking a batch file;
- :mod:`~models.experiments.expansion`: a batch into runs, run ids and its document;
- :mod:`~models.experiments.batch`: the run function and forking at the policy month;
- :mod:`~models.experiments.plots`, :mod:`~models.experiments.maps`: a run's figures;
- :mod:`~models.experiments.report`: the reviewers' report of a batch store.

``from models.experiments import run_point, evaluate`` imports the API on first use, so
that importing a part of this package does not import them all.
"""

from typing import Any

API = (
    "run_point",
    "evaluate",
    "uncertainties",
    "outcomes",
    "metro_outcomes",
    "alias",
    "canonical",
    "RunResult",
)


def __getattr__(name: str) -> Any:
    """The public API's names, from :mod:`models.experiments.api` (imported when first asked)."""
    if name in API:
        from models.experiments import api

        return getattr(api, name)
    raise AttributeError(f"module 'models.experiments' has no attribute {name!r}")
