"""Experiments over a model: uncertainties, designs, executors, the batch store and its API.

Generic: it knows nothing of Turin (see ``models/experiments/batch.py`` for the model's side).
"""

from sim.experiments.analysis import Batch
from sim.experiments.designs import Design
from sim.experiments.store import BatchStore, RunOutput
from sim.experiments.uncertainties import Addressable, Uncertainty

__all__ = ["Addressable", "Batch", "BatchStore", "Design", "RunOutput", "Uncertainty"]
