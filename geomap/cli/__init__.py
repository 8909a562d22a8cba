"""Command-line interface: a thin click layer, one library call per command.

`geomap.cli.app` holds the ``geomap`` group, its error handling and the option decorators
the commands share; the commands live in `geomap.cli.text_commands` (``map``, ``geoparse``,
``geocode``, ``gazetteer``, ``eval``) and `geomap.cli.table_commands` (``annotate``,
``batch``), imported here so that they register on the group.
"""

from __future__ import annotations

from . import table_commands, text_commands
from .app import cli

__all__ = ["cli", "table_commands", "text_commands"]
