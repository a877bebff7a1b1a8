"""``netlab init``: a hub's project folder, found as the project root, using netlab's
notebooks and template unless it keeps its own."""

from __future__ import annotations

import pytest

from netlab import cli, paths, project
from netlab.exceptions import NetlabError
from netlab.params import load_params


def test_init_writes_params_that_load_and_an_empty_raw_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("NETLAB_HOME", raising=False)
    made = project.init(tmp_path / "My Hub", network="Valley Network", kernel=False)
    root = made.root
    assert sorted(p.relative_to(root).as_posix() for p in made.files) == [
        ".gitignore",
        "data/raw/README.md",
        "params/my-hub.yaml",
    ]
    assert list((root / "data" / "raw" / "my-hub").iterdir()) == []
    text = (root / "params" / "my-hub.yaml").read_text()
    assert text.count("#") >= 10  # a commented template
    monkeypatch.chdir(root / "reports")  # found from inside the project too
    assert paths.project_root() == root
    params = load_params("my-hub")
    assert (params.run, params.network, params.raw_path) == (
        "my-hub",
        "Valley Network",
        root / "data" / "raw" / "my-hub",
    )
    assert params.pdf is False
    # no notebooks of its own: netlab's are used
    assert paths.notebooks_dir() == paths.shipped_dir("notebooks")
    assert (paths.notebooks_dir() / "school.ipynb").exists()
    assert (paths.templates_dir() / "netlab" / "conf.json").exists()


def test_a_projects_own_notebooks_and_template_take_precedence(tmp_path, monkeypatch):
    monkeypatch.delenv("NETLAB_HOME", raising=False)
    root = project.init(tmp_path / "hub", notebooks=True, kernel=False).root
    monkeypatch.chdir(root)
    assert paths.notebooks_dir() == root / "notebooks"
    assert paths.templates_dir() == root / "templates"
    shipped = sorted(p.name for p in paths.shipped_dir("notebooks").glob("*.ipynb"))
    assert sorted(p.name for p in (root / "notebooks").glob("*.ipynb")) == shipped


def test_init_refuses_an_existing_project_and_a_bad_run_name(tmp_path, capsys):
    project.init(tmp_path / "hub", kernel=False)
    with pytest.raises(NetlabError, match="already holds a project"):
        project.init(tmp_path / "hub", kernel=False)
    assert cli.main(["init", str(tmp_path / "other"), "--run", "no spaces", "--no-kernel"]) == 2
    err = capsys.readouterr().err
    assert "'no spaces' cannot be a run's name" in err and "Traceback" not in err


def test_the_command_says_what_to_do_next(tmp_path, capsys):
    assert cli.main(["init", str(tmp_path / "hub"), "--no-kernel"]) == 0
    out = capsys.readouterr().out
    assert "params/hub.yaml" in out and "netlab build params/hub.yaml" in out
