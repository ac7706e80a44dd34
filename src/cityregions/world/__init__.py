"""The world: regions from sourced facts (data files with their sources), their municipalities and network
(geography), who is within reach of whom (catchment), and the project's calendar (phases)."""
