"""`python -m ampyre ...`: the same command line as `ampyre ...`."""

from ampyre.cli import main

main()
