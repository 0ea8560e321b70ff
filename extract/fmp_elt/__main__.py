"""`python -m fmp_elt` is `fmp-elt`."""

from fmp_elt.cli import main

main()
