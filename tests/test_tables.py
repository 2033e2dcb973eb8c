import numpy as np
import pytest

from sim.tables import AgentTable

SCHEMA = {"skill": (np.float32, 1.0), "job": (np.int32, -1)}


def test_add_fills_defaults_and_grows_keeping_data():
    t = AgentTable("people", SCHEMA, capacity=4)
    rows = t.add(3)
    t.columns["skill"][rows] = [1.5, 2.5, 3.5]
    assert t.count == 3 and len(t) == 3
    t.add(10)  # past capacity
    assert t.capacity >= 13
    assert np.allclose(t.skill[:3], [1.5, 2.5, 3.5])
    assert np.all(t.job == -1)
    assert np.all(t.alive == 1)


def test_dead_rows_keep_their_ids_and_leave_len():
    t = AgentTable("people", SCHEMA, capacity=8)
    t.add(5)
    t.columns["alive"][2] = 0
    assert len(t) == 4 and t.count == 5
    assert [a.unique_id for a in t] == [0, 1, 3, 4]


def test_agent_view_reads_and_writes_columns():
    t = AgentTable("people", SCHEMA)
    t.add(2)
    t[1].skill = 4.0
    assert t[1].skill == pytest.approx(4.0)
    assert t.skill[1] == pytest.approx(4.0)
    with pytest.raises(AttributeError):
        _ = t[0].nothing
    with pytest.raises(IndexError):
        t[2]
