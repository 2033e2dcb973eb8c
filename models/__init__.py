"""The Turin metropolitan model: territory, synthetic population, behaviour, levers, indicators."""
