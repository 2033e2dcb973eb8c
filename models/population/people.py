"""The people table: its columns, its row order, and the people of January 2015 in it.

Residents come first (drawn by :mod:`models.population.residents`), then the people from
outside the 38 comuni: in-commuting workers and commuting university students.
"""

from __future__ import annotations

import numpy as np

from models.codes import (
    CHILD,
    EMPLOYED,
    NO_MODE,
    OUTSIDE,
    STUDENT,
    TERTIARY,
    UPPER_SECONDARY,
)
from models.components.education import draw_skill
from models.population.residents import Residents
from sim.tables import AgentTable

PEOPLE_SCHEMA = {
    "alive": (np.uint8, 0),
    "uid": (np.int32, -1),  # ids to 2**31: 900 times the people at 1:1
    "zone": (np.int8, OUTSIDE),
    "cell": (np.int16, -1),  # a place: 7,614 cells, then the outside comuni
    "born": (np.int16, 0),  # month indices (year * 12 + month): to the year 2730
    "female": (np.uint8, 0),
    "education": (np.int8, 0),
    "skill": (np.float32, 1.0),
    "foreign": (np.uint8, 0),
    "status": (np.int8, CHILD),
    "since": (np.int16, 0),
    "job": (np.int32, -1),
    "income": (np.float32, 0.0),
    "last_wage": (np.float32, 0.0),
    "mode": (np.int8, NO_MODE),
    "commute_km": (np.float32, 0.0),
    "graduated": (np.int16, -1),
}


def people_table(
    rng: np.random.Generator,
    residents: Residents,
    n_out_workers: int,
    n_out_students: int,
    start_month: int,
) -> AgentTable:
    """The people table: the residents, then the in-commuting workers and students.

    The people from outside are drawn here (:func:`draw_outside_people`); their homes,
    everyone's jobs and incomes are drawn later.
    """
    n = residents.count
    n_total = n + n_out_workers + n_out_students
    if start_month + 12 * 150 > np.iinfo(PEOPLE_SCHEMA["born"][0]).max:
        raise ValueError(f"people_table: month {start_month} too late for int16 month columns")
    people = AgentTable("people", PEOPLE_SCHEMA, capacity=int(n_total * 1.6) + 64)
    people.add(n_total)
    cols = people.columns
    cols["zone"][:n] = residents.zone
    cols["cell"][:n] = residents.cell
    cols["born"][:n] = start_month - residents.age_months
    cols["female"][:n] = residents.female
    cols["education"][:n] = residents.education
    cols["skill"][:n] = residents.skill
    cols["foreign"][:n] = residents.foreign
    cols["status"][:n] = residents.status
    cols["since"][:n] = residents.since
    draw_outside_people(rng, cols, n, n_out_workers, n_out_students, start_month)
    return people


def draw_outside_people(
    rng: np.random.Generator,
    cols: dict[str, np.ndarray],
    first: int,
    n_workers: int,
    n_students: int,
    start_month: int,
) -> None:
    """Outside people, from row ``first``: in-commuting workers, then commuting students."""
    n_out = n_workers + n_students
    out = slice(first, first + n_out)
    out_age_months = rng.integers(20 * 12, 64 * 12, size=n_out)
    out_age_months[n_workers:] = rng.integers(19 * 12, 27 * 12, size=n_students)
    cols["zone"][out] = OUTSIDE
    cols["born"][out] = start_month - out_age_months
    cols["female"][out] = rng.random(n_out) < 0.45
    out_edu = np.where(rng.random(n_out) < 0.2, TERTIARY, UPPER_SECONDARY).astype(np.int8)
    cols["education"][out] = out_edu
    cols["skill"][out] = draw_skill(rng, out_edu)
    cols["foreign"][out] = rng.random(n_out) < 0.08
    cols["status"][first : first + n_workers] = EMPLOYED
    cols["status"][first + n_workers : first + n_out] = STUDENT
    cols["since"][out] = start_month - rng.integers(0, 66, size=n_out)


def people_order(people: AgentTable, month: int) -> np.ndarray:
    """The order the people table's rows are kept in: by place, status, sex and age.

    The key is ``outside << 11 | status << 8 | female << 7 | age in years (0-127)``: the
    people from outside after the residents, and within each the statuses, sexes and ages
    in blocks, so the branches the kernels take on them (who can die, give birth, leave
    school, look for a job, commute) run in long predictable stretches. The table is put
    in this order when the population is built and at each yearly compaction; random draws
    key on ``uid``, not on the row, but rules that visit people in turn (matching, moves,
    the order of births) follow the rows.

    Args:
        people: the people table.
        month: the month the ages are taken at.

    Returns:
        uint16 key per row in use (below 2^12): NumPy's stable sort of 16-bit keys is a radix
        sort, three times faster at 1:1 than its merge sort of the same keys as int32, and a
        stable sort's order is the same whatever the algorithm.
    """
    age = np.clip((month - people.born) // 12, 0, 127).astype(np.uint16)
    outside = (people.zone == OUTSIDE).astype(np.uint16)
    return (
        (outside << 11)
        | (people.status.astype(np.uint16) << 8)
        | (people.female.astype(np.uint16) << 7)
        | age
    )
