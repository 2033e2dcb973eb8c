"""Documentation helpers (generated tables of docs/ODD.md)."""
