"""The application: the command line (one registry of commands, one argument parser) and the classroom page."""
