"""The Turin model's scenario schema: months, parameters and levers it accepts."""

from __future__ import annotations

from pathlib import Path

from models import minimum_scale
from models.components.lever_settings import check_levers
from models.parameters import bounds
from sim.calendar import parse_month
from sim.scenario import Scenario, ScenarioSchema, load_scenario

FIRST_MONTH = "2015-01"  # the synthetic population is that of January 2015
LAST_MONTH = "2040-12"  # projections beyond the plan's horizon are allowed up to here


def schema() -> ScenarioSchema:
    """What a scenario of this model may contain."""
    return ScenarioSchema(
        first_month=parse_month(FIRST_MONTH),
        last_month=parse_month(LAST_MONTH),
        parameter_bounds=bounds(),
        check_levers=check_levers,
        min_scale=minimum_scale.minimum_scale(),
        min_scale_reason=minimum_scale.REASON,
        read_parameter_file=parameter_file,
    )


def parameter_file(path: Path, source: str, key: str) -> dict[str, float]:
    """The point estimate of a posterior file (``[parameters] from = "PATH"``)."""
    from models.parameters import bounds
    from sim.experiments.posterior import point_estimate

    return point_estimate(path, bounds(), source, key)


def load(path: str | Path) -> Scenario:
    """Read and check a scenario file of this model."""
    return load_scenario(path, schema())
