"""What runs the model: scenarios, a run, batches, plots, maps and the reviewers' report."""
