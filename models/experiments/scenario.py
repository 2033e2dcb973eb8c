"""The Turin model's scenario schema: months, parameters and levers it accepts."""

from __future__ import annotations

from pathlib import Path

from models import minimum_scale
from models.components.lever_settings import LAST_MONTH, check_levers, recheck_levers
from models.parameters import bounds
from sim.calendar import parse_month
from sim.errors import InputError
from sim.scenario import Scenario, ScenarioSchema, scenario_from_data
from sim.tomlfile import read_toml

FIRST_MONTH = "2015-01"  # the synthetic population is that of January 2015


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
        recheck_levers=recheck_levers,
    )


def parameter_file(path: Path, source: str, key: str) -> dict[str, float]:
    """The point estimate of a posterior file (``[parameters] from = "PATH"``)."""
    from models.parameters import bounds
    from sim.experiments.posterior import point_estimate

    return point_estimate(path, bounds(), source, key)


def load(path: str | Path) -> Scenario:
    """Read and check a scenario file of this model.

    Raises:
        InputError: a bad scenario; a batch file says so (it is run by ``metropoli batch``).
    """
    from sim.experiments.batchfile import is_batch

    text, data = read_toml(path, "a scenario TOML file")
    if is_batch(data):
        raise InputError(
            "this is a batch file ([[scenarios]], [design] or seeds), not a scenario: "
            f"run it with `metropoli batch {path}`",
            str(path),
        )
    return scenario_from_data(data, text, schema(), source=str(path), name=Path(path).stem)
