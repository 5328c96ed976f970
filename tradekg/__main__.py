"""Run the command line as ``python -m tradekg``."""

from tradekg.cli import main

main()
