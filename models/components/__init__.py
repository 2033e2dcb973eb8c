"""The behaviours of the month, one component a module, in the month's order."""
