"""`python -m extract` is `fmp-elt`."""

from extract.cli import main

main()
