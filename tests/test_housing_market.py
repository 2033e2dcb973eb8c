"""The housing market is the comune's: free room, rents and building read its totals.

A cell holds a few agents at small scales, so a per-cell rule would read their noise as room
or pressure (docs/scale-convergence.md, model 1.6.0). These tests pin the rule: moving
residents between cells of one comune changes nothing the market reads.
"""

from __future__ import annotations

import numpy as np
import pytest

from models.codes import N_ZONES, OUTSIDE
from models.components.housing import free_room, fullness, tight_cells, update_rents

# six cells: three in comune 0, two in comune 1, one outside the area
CELL_ZONE = np.array([0, 0, 0, 1, 1, OUTSIDE], dtype=np.int32)
CAPACITY = np.array([10.0, 20.0, 30.0, 5.0, 15.0, 0.0])


def test_a_comunes_free_room_is_its_total_room_shared_as_capacity() -> None:
    occupancy = np.array([12.0, 15.0, 27.0, 6.0, 13.0, 3.0])  # cell 0 and 3 overfull
    room = free_room(CAPACITY, occupancy, CELL_ZONE)
    # comune 0: 60 places, 54 residents, 6 free, shared 10:20:30 (an overfull cell keeps a part)
    np.testing.assert_allclose(room[:3], [1.0, 2.0, 3.0])
    # comune 1: 20 places, 19 residents, 1 free, shared 5:15
    np.testing.assert_allclose(room[3:5], [0.25, 0.75])
    assert room[5] == 0.0  # outside: no capacity, no room


def test_moving_within_a_comune_changes_no_room_rent_or_building() -> None:
    before = np.array([9.0, 18.0, 27.0, 4.0, 14.0, 0.0])
    after = before.copy()
    after[0] -= 5.0
    after[2] += 5.0  # five residents move from cell 0 to cell 2, both in comune 0
    np.testing.assert_array_equal(
        free_room(CAPACITY, before, CELL_ZONE), free_room(CAPACITY, after, CELL_ZONE)
    )
    np.testing.assert_array_equal(
        tight_cells(CAPACITY, before, CELL_ZONE, 0.08),
        tight_cells(CAPACITY, after, CELL_ZONE, 0.08),
    )
    rents = []
    for occupancy in (before, after):
        rent = np.full(6, 8.0)
        update_rents(rent, np.full(6, 8.0), CAPACITY, occupancy, CELL_ZONE, 0.05, 2.0, 0.08)
        rents.append(rent)
    np.testing.assert_array_equal(rents[0], rents[1])


def test_a_full_comune_has_no_room_and_builds_in_every_cell() -> None:
    occupancy = np.array([5.0, 25.0, 31.0, 0.0, 5.0, 0.0])  # comune 0 over capacity in total
    room = free_room(CAPACITY, occupancy, CELL_ZONE)
    np.testing.assert_array_equal(room[:3], 0.0)
    assert room[3:5].sum() == pytest.approx(15.0)
    tight = tight_cells(CAPACITY, occupancy, CELL_ZONE, 0.08)
    np.testing.assert_array_equal(tight, [True, True, True, False, False, False])


def test_rents_follow_the_comunes_fullness() -> None:
    occupancy = np.array([10.0, 20.0, 30.0, 2.0, 6.0, 0.0])  # comune 0 full, comune 1 at 40%
    np.testing.assert_allclose(fullness(CAPACITY, occupancy, CELL_ZONE)[:2], [1.0, 0.4])
    assert fullness(CAPACITY, occupancy, CELL_ZONE).shape == (N_ZONES,)
    base = np.array([8.0, 9.0, 10.0, 6.0, 7.0, 0.0])
    rent = base.copy()
    update_rents(rent, base, CAPACITY, occupancy, CELL_ZONE, 1.0, 2.0, 0.08)
    # comune 0: pressure 1 - 0.92 = 0.08, rents exp(0.16) above base; comune 1: clipped at -0.5
    np.testing.assert_allclose(rent[:3], base[:3] * np.exp(0.16), rtol=1e-12)
    np.testing.assert_allclose(rent[3:5], base[3:5] * np.exp(-1.0), rtol=1e-12)
    assert rent[5] == 0.0
