"""Running and storing: one configuration run over its regions, a run's directory written atomically, sweep
bookkeeping, the dataset collected from a sweep, reruns, and runs with a validation trace."""
