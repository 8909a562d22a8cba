"""Run the CLI: ``python -m geomap``."""

from .cli import cli

cli()
