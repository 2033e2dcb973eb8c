"""The simulation engine: calendar, agent tables, random streams, phase plan, results, plots, CLI.

Nothing in :mod:`sim` knows about Turin; the metropolitan model lives in :mod:`models`.
"""
