"""The Mesa model of one city region: the quarter loop, the agents, the project phases' procedures (exchange,
pilots, council votes, joining and leaving), mayor mode, and the indicators it records."""
