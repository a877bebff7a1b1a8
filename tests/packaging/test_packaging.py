"""The set-up files agree with each other: pyproject, environment.yml, Makefile, CI, README."""

from __future__ import annotations

import re
import tomllib

import yaml

from tests._support import REPO


def _name(requirement: str) -> str:
    return re.split(r"[<>=!\[ ;]", requirement, maxsplit=1)[0].strip().lower()


def _bound(requirement: str) -> str | None:
    m = re.search(r">=\s*([0-9][^,; ]*)", requirement)
    return m.group(1) if m else None


def _requirements(project: dict) -> list[str]:
    """Every requirement: the dependencies and each extra's (``netlab[...]`` aside)."""
    extras = project["optional-dependencies"].values()
    listed = project["dependencies"] + [r for extra in extras for r in extra]
    return list(dict.fromkeys(r for r in listed if _name(r) != "netlab"))


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = _requirements(project)
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    conda = [d.split("#")[0].strip() for d in env["dependencies"] if isinstance(d, str)]
    conda_bounds = {_name(d): _bound(d) for d in conda}
    # dask[distributed] is two conda packages; conda-forge's `playwright` is Node's
    # Playwright, and the Python binding is `playwright-python`.
    aliases = {
        "dask": ["dask", "distributed"],
        "playwright": ["playwright-python"],
        "duckdb": ["python-duckdb"],
    }
    for req in wanted:
        name = _name(req)
        for conda_name in aliases.get(name, [name]):
            assert conda_name in conda_bounds, (
                f"{conda_name} is in pyproject.toml, not environment.yml"
            )
            assert conda_bounds[conda_name] == _bound(req), (
                f"{conda_name}: pyproject.toml says >= {_bound(req)}, "
                f"environment.yml says >= {conda_bounds[conda_name]}"
            )
    known = {n for req in wanted for n in aliases.get(_name(req), [_name(req)])}
    extra = set(conda_bounds) - known - {"python", "pip"}
    assert not extra, f"environment.yml lists packages pyproject.toml does not: {sorted(extra)}"
    pip_lines = [d for d in env["dependencies"] if isinstance(d, dict)][0]["pip"]
    assert any(line.startswith("-e") for line in pip_lines), "environment.yml must install netlab"


def test_dev_installs_every_extra_and_extras_are_not_hard_requirements():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    assert {"pdf", "dask", "lab"} <= set(extras)
    assert "netlab[pdf,dask,lab]" in extras["dev"]
    hard = {_name(r) for r in project["dependencies"]}
    assert not hard & {"playwright", "dask", "jupyterlab", "ipywidgets"}
    assert {"ipython", "traitlets", "pypdf", "filelock"} <= hard


def test_the_build_system_reads_an_spdx_license():
    build = tomllib.loads((REPO / "pyproject.toml").read_text())["build-system"]
    setuptools = next(r for r in build["requires"] if _name(r) == "setuptools")
    assert int(_bound(setuptools).split(".")[0]) >= 77  # license = "MIT" (PEP 639)


def test_every_dependency_is_lower_bounded():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    for req in _requirements(project):
        assert _bound(req), f"{req} has no lower bound"


def test_readme_opens_with_the_two_commands_and_ci_runs_the_test_one():
    readme = (REPO / "README.md").read_text()
    first_block = readme.split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands[:2] == ["make demo", "make test"]
    ci = (REPO / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, flags=re.M), ".ci/run must run exactly `make test`"


def test_makefile_is_self_documenting():
    makefile = (REPO / "Makefile").read_text()
    for target in ("help", "demo", "test", "lab", "florida", "bench"):
        assert re.search(rf"^{target}:.*## ", makefile, flags=re.M), f"{target} lacks a ## line"
    assert "playwright install" not in makefile


def test_notebooks_are_committed_without_outputs():
    import nbformat

    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.get("outputs"), f"{path.name} has outputs"
                assert cell.get("execution_count") is None, f"{path.name} has execution counts"


def _locked() -> dict[str, list[str]]:
    pins: dict[str, list[str]] = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^ ;]+)", line)
        if m:
            pins.setdefault(m.group(1).lower().replace("_", "-"), []).append(m.group(2))
    return pins


def test_the_lock_pins_every_dependency_at_a_version_its_floor_allows():
    from packaging.requirements import Requirement
    from packaging.version import Version

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = _locked()
    for req in _requirements(project):
        parsed = Requirement(req)
        name = parsed.name.lower().replace("_", "-")
        assert name in pins, f"{name} is not in requirements.lock: run `make lock`"
        for version in pins[name]:
            assert Version(version) in parsed.specifier, (
                f"requirements.lock pins {name}=={version}, outside {req}: run `make lock`"
            )
    assert "via the following command:\n#    make lock" in (REPO / "requirements.lock").read_text()


def test_make_installs_the_lock_and_make_test_runs_the_minimum_versions():
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^\$\(STAMP\): pyproject.toml \$\(LOCK\)$", makefile, flags=re.M)
    assert "pip install --quiet -c $(LOCK)" in makefile
    assert re.search(r"^lock:.*## ", makefile, flags=re.M)
    assert "uv pip compile pyproject.toml" in makefile
    assert "--resolution lowest-direct" in makefile
    test_recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "test-min" in test_recipe
