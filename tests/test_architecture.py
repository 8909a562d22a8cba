"""The house rules of ARCHITECTURE.md, checked on the code itself."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "geomap"
MAX_LINES = 700
HEAVY = ("folium", "geopandas", "scipy", "pyogrio")


def layers() -> dict[str, int]:
    """Room -> layer number, from the ```layers block of ARCHITECTURE.md."""
    text = (ROOT / "ARCHITECTURE.md").read_text("utf-8")
    block = re.search(r"```layers\n(.*?)```", text, re.S)
    assert block, "ARCHITECTURE.md has no ```layers block"
    return {
        room: level
        for level, line in enumerate(block.group(1).splitlines())
        for room in line.split()
    }


def modules() -> dict[str, Path]:
    """Dotted name below geomap (``borders.index``) -> file."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports(name: str, path: Path) -> set[str]:
    """The geomap modules that ``name`` imports (at any depth, TYPE_CHECKING left out)."""
    tree = ast.parse(path.read_text("utf-8"))
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    skip = {id(n) for top in ast.walk(tree) if _type_checking(top) for n in ast.walk(top)}
    skip -= {id(top) for top in ast.walk(tree) if _type_checking(top)}
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name[7:] for a in node.names if a.name.startswith("geomap.")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            elif node.module and node.module.startswith("geomap"):
                target = node.module[7:]
            else:
                continue
            for alias in node.names:  # `from . import gazetteer_sources`
                candidate = f"{target}.{alias.name}".strip(".")
                found.add(candidate if candidate in MODULES else target)
    return {m for m in found if m and m != name}


MODULES = modules()
LAYERS = layers()


def room(module: str) -> str:
    return module.split(".")[0]


def test_every_module_is_in_a_layer():
    missing = sorted({room(m) for m in MODULES} - set(LAYERS))
    assert not missing, f"add these rooms to the layers of ARCHITECTURE.md: {missing}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_down_only(module):
    mine = LAYERS[room(module)]
    for other in imports(module, MODULES[module]):
        if room(other) == room(module):
            continue  # inside one package: checked for cycles below
        assert LAYERS[room(other)] < mine, f"{module} imports {other}, which is not below it"


def test_no_import_cycles():
    graph = {m: {i for i in imports(m, p) if i in MODULES} for m, p in MODULES.items()}
    state: dict[str, int] = {}

    def visit(node, trail):
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*trail, node, nxt]))
            if nxt not in state:
                visit(nxt, [*trail, node])
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [])


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_are_small_enough_to_read_whole(module):
    lines = len(MODULES[module].read_text("utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines: split it by job"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_environment_writes_and_no_reaching_into_private_members(module):
    tree = ast.parse(MODULES[module].read_text("utf-8"))
    imported_modules = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and (node.level or (node.module or "").startswith("geomap"))
        for alias in node.names
        if alias.name in {m.split(".")[-1] for m in MODULES}
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
            assert "os.environ" not in ast.unparse(node.value), f"{module} writes os.environ"
        if isinstance(node, ast.Call) and ast.unparse(node.func) in (
            "os.environ.update", "os.environ.setdefault", "os.putenv"
        ):  # fmt: skip
            raise AssertionError(f"{module} writes the environment")
        if isinstance(node, ast.ImportFrom) and (
            node.level or (node.module or "").startswith("geomap")
        ):
            private = [
                a.name for a in node.names if a.name.startswith("_") and a.name != "__version__"
            ]
            assert not private, f"{module} imports private names {private}"
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in imported_modules
            and node.attr.startswith("_")
        ):
            raise AssertionError(f"{module} reaches into {node.value.id}.{node.attr}")


@pytest.mark.parametrize(
    "code",
    [
        "import geomap",
        "import geomap.cli as c; from click.testing import CliRunner; "
        "assert CliRunner().invoke(c.cli, ['--help']).exit_code == 0",
    ],
)
def test_import_and_help_load_no_heavy_library(code):
    probe = f"{code}; import sys; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "", f"loaded: {out.stdout.strip()}"
