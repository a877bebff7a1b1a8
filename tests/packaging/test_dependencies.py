"""Every third-party package netlab's code imports is declared, and in the right place.

A module-level import must be a hard dependency (``[project] dependencies``); an import
inside a function may also come from an extra (``pdf``, ``dask``, ``lab``), whose code
asks :func:`netlab.extras.require` first. Nothing in ``src/`` may need a dev-only package.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata as md
import re
import sys
import tomllib

from tests._support import REPO

SRC = REPO / "src" / "netlab"


def _dist(requirement: str) -> tuple[str, set[str]]:
    m = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(\[([^\]]*)\])?", requirement)
    name = m.group(1).lower().replace("_", "-")
    return name, {e.strip() for e in (m.group(3) or "").split(",") if e.strip()}


def _declared() -> tuple[set[str], dict[str, set[str]]]:
    """Hard dependencies and each extra's distributions (``dask[distributed]`` → both)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]

    def names(reqs: list[str]) -> set[str]:
        out = set()
        for req in reqs:
            name, extras = _dist(req)
            if name != "netlab":
                out |= {name, *extras}
        return out

    extras = {k: names(v) for k, v in project["optional-dependencies"].items() if k != "dev"}
    return names(project["dependencies"]), extras


def _imports(tree: ast.Module) -> list[tuple[str, bool]]:
    """(top-level module, imported at module level) for each absolute import."""
    found = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = top and not isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
            )
            if isinstance(child, ast.Import):
                found.extend((a.name.split(".")[0], top) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                found.append((child.module.split(".")[0], top))
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                continue  # annotations only
            visit(child, inner)

    visit(tree, True)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"


@functools.cache
def _packages() -> dict[str, list[str]]:
    return md.packages_distributions()


def _distributions(module: str) -> set[str]:
    return {d.lower().replace("_", "-") for d in _packages().get(module, [])}


def test_every_import_in_src_is_declared_where_it_belongs():
    hard, extras = _declared()
    optional = set().union(*extras.values())
    wrong = []
    for path in sorted(SRC.rglob("*.py")):
        for module, top in _imports(ast.parse(path.read_text(), str(path))):
            if module in sys.stdlib_module_names or module in {"netlab", "__future__"}:
                continue
            dists = _distributions(module)
            where = f"{path.relative_to(REPO)}: {module}"
            if not dists:
                wrong.append(f"{where} is not installed at all")
            elif top and not dists & hard:
                wrong.append(f"{where} is imported at module level but is not a dependency")
            elif not dists & (hard | optional):
                wrong.append(f"{where} is in no dependency nor extra ({sorted(dists)})")
    assert wrong == []


def test_the_walk_sees_what_it_must():
    """The checker itself: a module-level import of an extra's package is caught."""
    tree = ast.parse(
        "import pandas\nfrom dask import distributed\n"
        "if TYPE_CHECKING:\n    import pyfixest\n"
        "def f():\n    import playwright.sync_api\n"
    )
    assert _imports(tree) == [("pandas", True), ("dask", True), ("playwright", False)]
    hard, extras = _declared()
    assert "distributed" in extras["dask"] and "playwright" in extras["pdf"]
    assert "pandas" in hard and "dask" not in hard


def test_a_missing_extra_is_named_with_how_to_install_it(monkeypatch):
    import importlib.util

    import pytest

    from netlab import extras
    from netlab.exceptions import NetlabError

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "distributed" else real(name, *a),
    )
    assert extras.missing("dask") == ["distributed"]
    with pytest.raises(NetlabError) as caught:
        extras.require("dask")
    text = str(caught.value)
    assert "distributed is not installed" in text and "Dask cluster" in text
    assert 'pip install "netlab[dask]"' in text
    extras.require("pdf")  # installed here: no error
