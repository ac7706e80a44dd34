"""The Mesa model of one city region: the quarter loop and its build stages (model), its state (state), the
agents, growth's stages (growth), the project phases' procedures (governance: exchange, pilots, council votes,
joining and leaving, settlement), mayor mode, and the indicators it records."""
