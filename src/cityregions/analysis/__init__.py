"""Analysis of results: paired scenario comparison, the scorecard, validation against observed patterns,
calibration, sensitivity (SALib), scenario discovery (PRIM) and policy search (Optuna). It reads results and
runs configurations; it never reaches into a model."""
