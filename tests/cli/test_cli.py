"""The command line translates arguments into API calls; mistakes end in one clear message."""

from __future__ import annotations

import subprocess
import sys

import pytest

from netlab import cli, paths


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in ("synth", "validate", "prepare", "build", "demo", "import-public"):
        assert command in out


def test_synth_then_validate_then_prepare(netlab_home, capsys):
    raw = netlab_home / "data" / "raw" / "c1"
    assert cli.main(["synth", str(raw), "--schools", "6", "--seed", "3"]) == 0
    assert (raw / "schools.csv").exists() and (raw / "students.csv").exists()
    assert cli.main(["validate", str(raw)]) == 0
    params = netlab_home / "params" / "c1.yaml"
    params.write_text(f"run: c1\nraw_dir: {raw}\n")
    assert cli.main(["prepare", str(params), "--no-models"]) == 0
    out = capsys.readouterr().out
    assert "rows in" in out and (paths.processed_dir("c1") / "rates.parquet").exists()


def test_counts_grain_synth(netlab_home):
    raw = netlab_home / "data" / "raw" / "c2"
    assert cli.main(["synth", str(raw), "--schools", "5", "--grain", "counts"]) == 0
    assert (raw / "counts.csv").exists() and not (raw / "students.csv").exists()


def test_bad_params_key_is_one_message_not_a_traceback(netlab_home, capsys):
    params = netlab_home / "params" / "bad.yaml"
    params.write_text("run: bad\nraw_dir: data/raw/bad\nfocal_grup: focal\n")
    assert cli.main(["prepare", str(params)]) == 2
    err = capsys.readouterr().err
    assert "focal_grup: unknown key" in err
    assert "Traceback" not in err


def test_missing_raw_folder_exits_non_zero_with_a_hint(netlab_home, capsys):
    params = netlab_home / "params" / "gone.yaml"
    params.write_text("run: gone\nraw_dir: data/raw/gone\n")
    assert cli.main(["prepare", str(params)]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_validate_reports_a_broken_export_and_exits_non_zero(netlab_home, capsys):
    raw = netlab_home / "data" / "raw" / "c3"
    cli.main(["synth", str(raw), "--schools", "4", "--seed", "1"])
    text = (raw / "students.csv").read_text().replace("grad_year", "grad_yaer", 1)
    (raw / "students.csv").write_text(text)
    assert cli.main(["validate", str(raw)]) == 1
    out = capsys.readouterr().out
    assert "grad_yaer" in out and "students" in out


def test_console_script_runs_as_a_process():
    exe = paths.PACKAGE.parents[1] / ".venv" / "bin" / "netlab"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "netlab.cli"]
    done = subprocess.run([*cmd, "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "netlab" in done.stdout


def test_too_small_a_synthetic_network_is_a_message(netlab_home, capsys):
    assert cli.main(["synth", str(netlab_home / "x"), "--schools", "0"]) == 2
    err = capsys.readouterr().err
    assert "--schools must be at least 3" in err and "Traceback" not in err


def test_validate_fails_on_a_roster_with_a_seventh_of_school_ids_blank(netlab_home, capsys):
    import pandas as pd

    raw = netlab_home / "data" / "raw" / "c4"
    cli.main(["synth", str(raw), "--schools", "6", "--seed", "4"])
    students = pd.read_csv(raw / "students.csv", dtype=str, keep_default_na=False)
    students.loc[students.index % 7 == 0, "school_id"] = ""
    students.to_csv(raw / "students.csv", index=False)
    capsys.readouterr()
    assert cli.main(["validate", str(raw)]) == 1
    out = capsys.readouterr().out
    assert "(14%)" in out and "max_excluded_share" in out and "school_id_blank" in out
    assert "1 error(s)" in out

    params = netlab_home / "params" / "c4.yaml"
    params.write_text(f"run: c4\nraw_dir: {raw}\n")
    assert cli.main(["prepare", str(params), "--no-models"]) == 2  # a build stops here
    assert "14%" in capsys.readouterr().err

    params.write_text(
        f"run: c4\nraw_dir: {raw}\nallow_excluded:\n  students.school_id_blank:\n"
        "    share: 0.15\n    reason: students who moved in after the count\n"
    )
    assert cli.main(["validate", str(raw), "--params", str(params)]) == 0
    assert cli.main(["prepare", str(params), "--no-models"]) == 0
    assert "students who moved in after the count" in capsys.readouterr().out


def test_rekey_replaces_the_key_and_prepares_the_run_again(netlab_home, capsys):
    import pandas as pd

    from netlab import pipeline
    from netlab.params import load_params

    raw = netlab_home / "data" / "raw" / "c5"
    cli.main(["synth", str(raw), "--schools", "4", "--seed", "5"])
    for run in ("c5", "c6"):
        (netlab_home / "params" / f"{run}.yaml").write_text(f"run: {run}\nraw_dir: {raw}\n")
        assert (
            cli.main(["prepare", str(netlab_home / "params" / f"{run}.yaml"), "--no-models"]) == 0
        )
    before = pd.read_parquet(paths.processed_dir("c5") / "students.parquet")["student_key"]
    old_key = paths.key_file().read_text()
    capsys.readouterr()

    assert cli.main(["rekey", str(netlab_home / "params" / "c5.yaml")]) == 1  # says, does not do
    assert "--yes" in capsys.readouterr().out and paths.key_file().read_text() == old_key

    assert cli.main(["rekey", str(netlab_home / "params" / "c5.yaml"), "--yes"]) == 0
    out = capsys.readouterr().out
    kept = list(paths.key_file().parent.glob("pseudonym.key.retired-*"))
    assert len(kept) == 1 and kept[0].read_text() == old_key and str(kept[0]) in out
    assert paths.key_file().read_text() != old_key
    after = pd.read_parquet(paths.processed_dir("c5") / "students.parquet")["student_key"]
    assert len(after) == len(before) and not set(after) & set(before)
    other = load_params(netlab_home / "params" / "c6.yaml")
    assert pipeline.stale_reason(other) == "the pseudonym key changed (netlab rekey)"
