"""The package's layout holds: faces between subpackages, and no import circles.

Each subpackage of ``netlab`` (``sources``, ``clean``, ``measures``…) is a face (its
``__init__`` with ``__all__``) over private modules. Code outside a subpackage imports
only its face (or a public module in it); no underscore name crosses a subpackage's
border; and no module imports, directly or through others, a module that imports it.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import netlab

PACKAGE = Path(netlab.__file__).parent


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _room(module: str) -> str:
    """The subpackage (or top-level module) a module lives in: netlab.report._html → report."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(module: str, source: str | None = None) -> list[tuple[str, str, int]]:
    """(imported module, imported name or "", line) for every netlab import in a module."""
    tree = ast.parse(MODULES[module].read_text() if source is None else source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "netlab" or node.module.startswith("netlab."):
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    if sub in MODULES:
                        found.append((sub, "", node.lineno))
                    else:
                        found.append((node.module, alias.name, node.lineno))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("netlab"):
                    found.append((alias.name, "", node.lineno))
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _crossings(sources: dict[str, str | None]) -> list[str]:
    """Imports of an underscore name (module or object) from another subpackage."""
    crossings = []
    for module, source in sources.items():
        for target, name, line in _imports(module, source):
            if _room(target) == _room(module) or target == "netlab":
                continue
            parts = target.split(".")[2:] + ([name] if name else [])
            if any(_private(p) for p in parts):
                crossings.append(f"{module}:{line} imports {target} {name}".strip())
    return crossings


def test_no_underscore_name_crosses_a_subpackage():
    crossings = _crossings(dict.fromkeys(MODULES))
    assert not crossings, "\n".join(crossings)


def test_the_check_catches_an_underscore_import_across_packages():
    # What the test above would say if a report module reached into clean's private parts.
    planted = {
        "netlab.report._html": "from netlab.clean._values import parse_column\n",
        "netlab.report._school": "from netlab.clean import _limits\n",
        "netlab.report._network": "from netlab.variation import _cell\n",
        # inside one package, and through a face, imports are free
        "netlab.report._shared": "from netlab.report._html import _pct\nfrom netlab import clean\n",
    }
    found = _crossings(planted)
    assert [f.split(":")[0] for f in found] == [
        "netlab.report._html",
        "netlab.report._school",
        "netlab.report._network",
    ], found


def test_the_check_catches_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def _aliases(module: str) -> dict[str, str]:
    """Local names bound to netlab modules: ``from netlab import report`` → report."""
    tree = ast.parse(MODULES[module].read_text())
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if full in MODULES:
                    out[alias.asname or alias.name] = full
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES and alias.asname:
                    out[alias.asname] = alias.name
    return out


def test_no_underscore_attribute_of_another_subpackage():
    reached = []
    for module in MODULES:
        aliases = _aliases(module)
        tree = ast.parse(MODULES[module].read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and _private(node.attr)
            ):
                target = aliases[node.value.id]
                if _room(target) != _room(module):
                    reached.append(f"{module}:{node.lineno} reads {target}.{node.attr}")
    assert not reached, "\n".join(reached)


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module in MODULES:
        targets = set()
        for target, _name, _line in _imports(module):
            if target in MODULES and target != module and target != "netlab":
                targets.add(target)
        graph[module] = targets
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_circles_between_modules():
    # A package's face imports its own private modules; those never import the face back.
    assert _cycles(_graph()) == []


def test_no_import_circles_between_subpackages():
    rooms: dict[str, set[str]] = {}
    for module, targets in _graph().items():
        for t in targets:
            if _room(t) != _room(module):
                rooms.setdefault(_room(module), set()).add(_room(t))
    assert _cycles(rooms) == []


@pytest.mark.parametrize(
    "package",
    sorted({_room(m) for m, p in MODULES.items() if p.name == "__init__.py" and m != "netlab"}),
)
def test_every_subpackage_is_a_face_with_all(package):
    face = importlib.import_module(f"netlab.{package}")
    names = getattr(face, "__all__", None)
    assert names, f"netlab.{package} declares no __all__"
    missing = [n for n in names if not hasattr(face, n)]
    assert not missing, f"netlab.{package}.__all__ names what it does not have: {missing}"
    assert not [n for n in names if _private(n)]


def test_import_netlab_gives_the_run_and_the_subpackages():
    for name in ("load", "prepare", "build", "Prepared", "load_params"):
        assert callable(getattr(netlab, name)), name
    for sub in ("sources", "clean", "measures", "variation", "practices", "pipeline", "report"):
        assert getattr(netlab, sub).__name__ == f"netlab.{sub}"


#: A module a newcomer can read in one sitting; past this, it holds more than one concern.
MAX_LINES = 500


def _too_long(paths, root: Path = PACKAGE.parent) -> list[str]:
    """The modules over :data:`MAX_LINES` lines, as "path: n lines"."""
    return [
        f"{p.relative_to(root)}: {n} lines"
        for p in paths
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    ]


def test_no_module_is_over_500_lines():
    long = _too_long(MODULES.values())
    assert not long, "Split these modules by concern (docs/architecture.md): " + "; ".join(long)


def test_the_size_check_catches_a_long_module(tmp_path):
    (tmp_path / "netlab").mkdir()
    long, short = tmp_path / "netlab" / "_long.py", tmp_path / "netlab" / "_short.py"
    long.write_text("x = 1\n" * (MAX_LINES + 1))
    short.write_text("x = 1\n" * MAX_LINES)
    assert _too_long([long, short], root=tmp_path) == ["netlab/_long.py: 501 lines"]
