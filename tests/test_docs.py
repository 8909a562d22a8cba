import doctest
import importlib
import pkgutil

import click
import pytest
from click.testing import CliRunner

import geomap
from geomap.cli import cli

MODULES = sorted(m.name for m in pkgutil.iter_modules(geomap.__path__) if m.name != "__main__")


@pytest.mark.parametrize("name", MODULES)
@pytest.mark.usefixtures("gazetteer")
def test_module_doctests_pass_and_module_is_documented(name):
    module = importlib.import_module(f"geomap.{name}")
    assert module.__doc__, f"geomap.{name} has no docstring"
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def _commands(group, prefix=()):
    for name, cmd in group.commands.items():
        yield (*prefix, name), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*prefix, name))


@pytest.mark.parametrize("path", [p for p, _ in _commands(cli)], ids=" ".join)
def test_every_command_has_help_with_an_example(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
