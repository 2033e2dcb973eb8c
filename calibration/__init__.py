"""Calibration targets, priors, ABC-SMC calibration and global sensitivity analysis (to come)."""
