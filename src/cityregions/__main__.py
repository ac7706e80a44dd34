"""`python -m cityregions` is the same as the `cityregions` command."""

from cityregions.cli import main

main()
