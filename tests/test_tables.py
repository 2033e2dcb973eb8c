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


def test_compact_sorts_the_live_rows_by_a_key_keeping_ties_in_order():
    t = AgentTable("people", {"uid": (np.int64, -1), "age": (np.int16, 0)}, capacity=8)
    t.append(6, age=np.array([30, 10, 30, 20, 10, 40]))
    t.columns["alive"][3] = 0  # the row of age 20 dies
    kept = t.compact(order=t.age.astype(np.int64))
    assert kept.tolist() == [1, 4, 0, 2, 5]
    assert t.age.tolist() == [10, 10, 30, 30, 40]
    assert t.uid.tolist() == [1, 4, 0, 2, 5]  # uids travel with their rows
    assert t.columns["alive"][5] == 0 and t.columns["uid"][5] == -1  # freed rows refilled


def test_release_frees_the_columns_without_the_collector():
    import weakref

    t = AgentTable("people", {"uid": (np.int32, 0), "age": (np.int16, 0)}, capacity=1000)
    t.add(500)
    column = weakref.ref(t.columns["age"])
    t.release()
    assert column() is None  # freed by reference counting, no gc.collect needed
    assert t.count == 0 and len(t) == 0 and t.age.size == 0
