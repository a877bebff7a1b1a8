"""Benchmark: `netlab build` against the naive loop a hub would write by hand.

Both render the same notebooks of the same prepared 30-school demo, timed in the same run:

- fast: ``netlab.batch._build.build(force=True)`` (warm servers, a fresh forked process per
  report, in-process papermill engine and HTML export, ``jobs`` at a time), every report
  with its workbook; then the same build printing PDFs too, to show what printing costs;
- naive: for each report, the ``papermill`` command, then ``jupyter nbconvert --to html
  --template netlab``, one after the other.

Then the marginal wall time of one more school report at 300 schools (rendering 60 school
reports minus rendering 30, divided by 30, on a prepared 300-school network), and where a
naive report's time goes (process start and imports, kernel start, cells, export).

Usage: ``python bench/build.py [--naive N] [--jobs J] [--no-scale]`` (N naive reports,
default 10; 0 for all 32).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _home(root: Path, run: str, schools: int, seed: int) -> Path:
    from netlab import synth

    for sub in ("params", "data/processed", "reports"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for sub in ("notebooks", "templates"):
        if not (root / sub).exists():
            (root / sub).symlink_to(REPO / sub, target_is_directory=True)
    text = (REPO / "params" / "demo.yaml").read_text()
    lines = [
        f"run: {run}"
        if ln.startswith("run:")
        else f"raw_dir: data/raw/{run}"
        if ln.startswith("raw_dir:")
        else ln
        for ln in text.splitlines()
    ]
    (root / "params" / f"{run}.yaml").write_text("\n".join(lines) + "\n")
    synth.write(synth.generate(schools, seed=seed), root / "data" / "raw" / run)
    return root


def _timed(cmd: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, cwd=env["NETLAB_HOME"], capture_output=True)
    return time.perf_counter() - started


def naive(tasks: list, env: dict, out: Path) -> tuple[float, list[dict]]:
    """The hand-written loop: papermill CLI then nbconvert CLI, one report at a time."""
    rows = []
    started = time.perf_counter()
    for t in tasks:
        nb = out / f"{Path(t.work_notebook).stem}.ipynb"
        cmd = [
            str(BIN / "papermill"),
            t.notebook,
            str(nb),
            "--no-progress-bar",
            "-k",
            "python3",
        ]
        for k, v in t.parameters.items():
            cmd += ["-p", k, str(v)]
        t_exec = _timed(cmd, env)
        t_conv = _timed(
            [
                str(BIN / "jupyter"),
                "nbconvert",
                "--to",
                "html",
                "--template",
                "netlab",
                f"--TemplateExporter.extra_template_basedirs={t.template_dir}",
                "--output-dir",
                str(out),
                str(nb),
            ],
            env,
        )
        cells = json.loads(nb.read_text())["cells"]
        in_cells = sum(
            float(c["metadata"].get("papermill", {}).get("duration") or 0) for c in cells
        )
        rows.append({"papermill": t_exec, "nbconvert": t_conv, "cells": in_cells})
    return time.perf_counter() - started, rows


def startup_costs(env: dict, tmp: Path) -> dict[str, float]:
    """Process start + imports, kernel start, and nbconvert start on an empty notebook."""
    import nbformat

    empty = nbformat.v4.new_notebook()
    empty.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "p"}
    empty.cells.append(nbformat.v4.new_code_cell("1"))
    path = tmp / "empty.ipynb"
    nbformat.write(empty, path)
    py = str(BIN / "python")
    imports = "import netlab.report, netlab.plots, netlab.variation, netlab.spc, netlab.practices"
    return {
        "python start": min(_timed([py, "-c", "pass"], env) for _ in range(3)),
        "python + report imports": min(_timed([py, "-c", imports], env) for _ in range(3)),
        "papermill CLI, empty notebook (kernel start)": min(
            _timed(
                [str(BIN / "papermill"), str(path), str(tmp / "e.ipynb"), "--no-progress-bar"], env
            )
            for _ in range(2)
        ),
        "nbconvert CLI, empty notebook": min(
            _timed(
                [
                    str(BIN / "jupyter"),
                    "nbconvert",
                    "--to",
                    "html",
                    "--template",
                    "netlab",
                    f"--TemplateExporter.extra_template_basedirs={REPO / 'templates'}",
                    "--output-dir",
                    str(tmp),
                    str(tmp / "e.ipynb"),
                ],
                env,
            )
            for _ in range(2)
        ),
    }


def marginal(env_home: Path, jobs: int) -> dict[str, float]:
    """Wall time of 30 vs 60 school reports on a prepared 300-school network."""
    os.environ["NETLAB_HOME"] = str(env_home)
    from netlab import pipeline
    from netlab.batch import _engine as engine
    from netlab.batch._plan import plan
    from netlab.params import load_params

    params = load_params("big")
    started = time.perf_counter()
    pipeline.prepare(params)
    prep = time.perf_counter() - started
    schools = [t for t in plan(params) if t.kind == "school"]
    out = {"prepare 300 schools (s)": prep}
    walls = {}
    for n in (30, 60):
        tasks = schools[:n]
        with engine.WarmPool(jobs) as pool:
            pool.run(
                {
                    "id": "warm-up",
                    "notebook": "",
                    "work_notebook": str(env_home / "w.ipynb"),
                    "html": str(env_home / "w.html"),
                }
            )
            started = time.perf_counter()
            results = [f.result() for f in [pool.submit(t) for t in tasks]]
            walls[n] = time.perf_counter() - started
        assert all(r["status"] == "ok" for r in results), [
            r["error"] for r in results if r["error"]
        ]
        out[f"{n} school reports, wall (s)"] = walls[n]
    out["marginal wall per extra school report (s)"] = (walls[60] - walls[30]) / 30
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--naive", type=int, default=10, help="naive reports to time (0: all)")
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--no-scale", action="store_true", help="skip the 300-school measurement")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="netlab-bench-"))
    home = _home(tmp / "home", "demo", 30, 2026)
    env = {**os.environ, "NETLAB_HOME": str(home)}
    os.environ["NETLAB_HOME"] = str(home)
    from netlab import batch as build
    from netlab import pipeline
    from netlab.params import load_params

    params = load_params("demo")
    print(f"Preparing the 30-school demo in {home} ...", flush=True)
    pipeline.prepare(params)

    # The same forced build twice in this run: without PDFs (the baseline), then with them.
    print("Fast build, no PDFs (every report, its workbook; force) ...", flush=True)
    bare = build.build(params.model_copy(update={"pdf": False}), jobs=args.jobs, force=True,
                       progress=False)  # fmt: skip
    assert bare.ok, bare.summary()
    print("Fast build with PDFs (force) ...", flush=True)
    result = build.build(params, jobs=args.jobs, force=True, progress=False)
    assert result.ok, result.summary()
    fast_wall = bare.seconds
    fast_n = len(bare.rendered)
    phases = {
        k: statistics.mean(r.phases.get(k, 0.0) for r in bare.rendered)
        for k in ("execute", "export", "write", "xlsx")
    }
    per_report = statistics.mean(r.seconds for r in bare.rendered)
    n_pdf = sum(1 for r in result.reports if r.pdf)

    tasks = build.plan(params)
    if args.naive:
        # the network and traction reports, then schools: the same mix as a build
        tasks = tasks[: max(3, args.naive)]
    print(f"Naive loop ({len(tasks)} reports: papermill CLI, then nbconvert CLI) ...", flush=True)
    naive_out = tmp / "naive"
    naive_out.mkdir()
    naive_wall, rows = naive(tasks, env, naive_out)
    costs = startup_costs(env, tmp)

    fast_rate = fast_n / fast_wall * 60
    naive_rate = len(tasks) / naive_wall * 60
    print()
    print(f"machine: {os.cpu_count()} cores; jobs = {result.jobs}")
    print(
        f"fast  build : {fast_n:3d} reports in {fast_wall:7.1f} s -> {fast_rate:6.1f} reports/min"
    )
    print(
        f"naive loop  : {len(tasks):3d} reports in {naive_wall:7.1f} s -> {naive_rate:6.1f} reports/min"
    )
    print(f"ratio       : {fast_rate / naive_rate:.1f}x (goal >= 8x)")
    with_pdf = len(result.rendered) / result.seconds * 60
    print(
        f"with PDFs   : {len(result.rendered):3d} reports in {result.seconds:7.1f} s -> "
        f"{with_pdf:6.1f} reports/min ({n_pdf} PDFs printed by one Chromium in "
        f"{result.pdf_seconds:.1f} s, {result.pdf_seconds / max(n_pdf, 1):.2f} s each; "
        f"{result.seconds / fast_wall:.2f}x the build without PDFs)"
    )
    for note in result.notes:
        print(f"  note: {note}")
    print()
    print("Where a naive report's time goes (mean per report):")
    mean = {k: statistics.mean(r[k] for r in rows) for k in rows[0]}
    print(
        f"  papermill CLI total          {mean['papermill']:6.2f} s, of which cells {mean['cells']:.2f} s"
    )
    print(f"  nbconvert CLI total          {mean['nbconvert']:6.2f} s")
    for k, v in costs.items():
        print(f"  {k:<45}{v:6.2f} s")
    print("Where a fast report's time goes (mean per report, inside its forked process):")
    print(
        f"  total {per_report:.2f} s = execute {phases['execute']:.2f} + export "
        f"{phases['export']:.2f} + write {phases['write']:.3f} + workbook {phases['xlsx']:.3f} s "
        f"(imports paid once per server; the workbook is {phases['xlsx'] / per_report:.0%})"
    )

    if not args.no_scale:
        print("\nPreparing a 300-school network for the marginal cost ...", flush=True)
        big = _home(tmp / "big-home", "big", 300, 2027)
        for k, v in marginal(big, result.jobs).items():
            print(f"  {k:<45}{v:7.2f}")
    print(f"\n(scratch files in {tmp})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
