"""The rules: pure arithmetic on numpy arrays for land, fiscal, payoffs, cooperation, commuting (gravity) and
transport. No Mesa and no model here: each rule takes arrays and validated parameters and returns arrays."""
