"""A Mesa reference implementation of the labour-market and commuting rules.

People and firms are :class:`mesa.Agent` objects (:class:`Person`, :class:`Firm`) stepped
by ``AgentSet`` operations in :class:`ReferenceModel`; each method names the numba kernel
whose rule it states. See :mod:`models.reference.model` for how the reference reproduces
the kernels' random draws and visiting order.
"""

from models.reference.agents import CommuteRules, CommuteTally, Firm, LabourRules, Person
from models.reference.model import (
    OUTCOMES,
    ReferenceModel,
    metro_outcomes,
    run_metro,
    run_reference,
    time_per_agent_month,
)

__all__ = [
    "OUTCOMES",
    "CommuteRules",
    "CommuteTally",
    "Firm",
    "LabourRules",
    "Person",
    "ReferenceModel",
    "metro_outcomes",
    "run_metro",
    "run_reference",
    "time_per_agent_month",
]
