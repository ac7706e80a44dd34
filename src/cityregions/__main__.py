"""`python -m cityregions` is the same as the `cityregions` command."""

from cityregions.app.cli import main

main()
