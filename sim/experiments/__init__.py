"""Experiments over a model: declared uncertainties and levers, designs, executors, the
batch store and its reading API. Generic: it knows nothing of Turin (see models/batch.py)."""

from sim.experiments.analysis import Batch
from sim.experiments.designs import Design
from sim.experiments.store import BatchStore, RunOutput
from sim.experiments.uncertainties import Addressable, Uncertainty

__all__ = ["Addressable", "Batch", "BatchStore", "Design", "RunOutput", "Uncertainty"]
