"""How a ``tradekg`` command ends on a problem: a message on stderr and an exit code, never a traceback."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

EXIT_NOT_CONFORMING = 1
"""The data does not conform to the shapes, or the query fails."""
EXIT_UNREADABLE = 2
"""Unreadable input, a store that cannot be opened or fails, or bad usage."""


def fail(message: str, code: int) -> NoReturn:
    """Print ``Error: message`` on stderr and exit with ``code``."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)
