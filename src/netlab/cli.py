"""The ``netlab`` command: parses arguments and calls the API, nothing more.

Each command imports what it needs when it runs, so ``netlab --help`` starts at once.

Expected mistakes end in one clear message and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from netlab import paths
from netlab._startup import own_process
from netlab._version import __version__
from netlab.exceptions import NetlabError, ParamsError, SchemaError

DEMO_RUNS = ("demo", "districts-demo")
#: How report processes start (netlab.batch's start_method; kept here so --help stays quick).
START_METHODS = ("fork", "spawn")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="netlab",
        description="Turn a network's exports into validated tables, measures and term reports.",
    )
    p.add_argument("--version", action="version", version=f"netlab {__version__}")
    p.add_argument(
        "-v", "--verbose", action="store_true", help="say what each step is doing (INFO log)"
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    _add_project_commands(sub)
    _add_run_commands(sub)
    _add_history_commands(sub)
    return p


def _add_project_commands(sub: Any) -> None:
    """Commands that set up a project and look at files: init, synth, validate, describe."""
    n = sub.add_parser(
        "init",
        help="write a hub's project folder: params from a commented template, an empty raw "
        "folder with a README, and the Jupyter kernel 'Python (netlab)'",
    )
    n.add_argument("directory", type=Path)
    n.add_argument("--run", default=None, help="the first run's name (default: the folder's)")
    n.add_argument("--network", default=None, help="the network's name, for the reports")
    n.add_argument(
        "--notebooks",
        action="store_true",
        help="also copy netlab's notebooks and report template into the project, to adapt",
    )
    n.add_argument("--no-kernel", action="store_true", help="do not install the Jupyter kernel")

    s = sub.add_parser(
        "synth",
        help="write a synthetic network to OUT_DIR: the contract tables, and in OUT_DIR/exports "
        "the files a hub would hold (roster, StudentTracker, applications, aid)",
    )
    s.add_argument("out_dir", type=Path)
    s.add_argument("--schools", type=int, default=30, help="number of schools (default 30)")
    s.add_argument("--seed", type=int, default=2026)
    s.add_argument("--grain", choices=["students", "counts"], default="students")
    s.add_argument("--districts", action="store_true", help="a network of 15 districts instead")

    v = sub.add_parser(
        "validate",
        help="check a folder of exports (or a run's params file and its folder) against the contract",
    )
    v.add_argument("directory", type=Path)
    v.add_argument("--params", type=Path, help="run parameters (for extra columns)")

    ds = sub.add_parser(
        "describe",
        help="draft a description YAML beside a file netlab does not recognise "
        "(the nearest built-in, each column's role, what is in doubt)",
    )
    ds.add_argument("file", type=Path, help="the data file (CSV, text or workbook)")
    ds.add_argument("--print", action="store_true", help="print the draft, write nothing")


def _add_run_commands(sub: Any) -> None:
    """Commands that prepare and render a run: prepare, build, demo, rekey."""
    pr = sub.add_parser("prepare", help="validate, clean and measure a run into data/processed")
    pr.add_argument("params", help="params/<run>.yaml")
    pr.add_argument("--no-models", action="store_true", help="skip the network-level models")

    b = sub.add_parser("build", help="prepare a run and render all its reports")
    b.add_argument("params", help="params/<run>.yaml")
    b.add_argument("--jobs", type=int, default=None, help="parallel reports (default: cores)")
    b.add_argument("--scheduler", default=None, help="address of a Dask scheduler to render on")
    b.add_argument("--force", action="store_true", help="render even unchanged reports")
    b.add_argument(
        "--start-method",
        choices=START_METHODS,
        default=None,
        help="how each report's process starts: fork (default on Linux) or spawn (default "
        "on Windows and macOS); the same as NETLAB_START_METHOD",
    )
    b.add_argument(
        "--wait",
        action="store_true",
        help="if another build of the run is running, wait for it (default: exit)",
    )

    d = sub.add_parser("demo", help="generate the synthetic demo networks and render them")
    d.add_argument("--jobs", type=int, default=None)
    d.add_argument("--force", action="store_true")
    d.add_argument("--start-method", choices=START_METHODS, default=None)

    rk = sub.add_parser(
        "rekey", help="replace the pseudonym key and prepare a run again with the new one"
    )
    rk.add_argument("params", help="params/<run>.yaml")
    rk.add_argument("--yes", action="store_true", help="do it (without it: say what it does)")


def _add_history_commands(sub: Any) -> None:
    """Commands over terms and public files: history, import-public."""
    h = sub.add_parser(
        "history",
        help="the terms kept in the history (data/processed/_history): rates and headline "
        "results by term and date, revisions flagged",
    )
    h.add_argument("--network", default=None, help="one network's terms (default: all)")
    h.add_argument(
        "--table",
        choices=["terms", "rates", "headlines", "since"],
        default="terms",
        help="what to show",
    )
    h.add_argument("--out", type=Path, default=None, help="write the table to this CSV file")

    i = sub.add_parser(
        "import-public",
        help="import public files: a state's FAFSA and school files, or IPEDS's colleges",
    )
    i.add_argument("state", help="florida (or a state's YAML), or ipeds for the colleges")
    i.add_argument("--source", type=Path, required=True, help="folder of the published files")
    i.add_argument("--out", type=Path, required=True, help="raw folder to write the tables to")
    i.add_argument("--season", type=int, default=None, help="graduating year (default: latest)")


def _cmd_init(args: argparse.Namespace) -> int:
    from netlab import project

    made = project.init(
        args.directory,
        run=args.run,
        network=args.network,
        notebooks=args.notebooks,
        kernel=not args.no_kernel,
    )
    root = made.root
    print(f"Project written to {root}:")
    for path in made.files:
        print(f"  {path.relative_to(root)}")
    if made.kernel:
        print(f"Jupyter kernel {project.KERNEL_DISPLAY_NAME!r} installed in {made.kernel}")
    elif made.kernel_error:
        print(
            f"The Jupyter kernel was not installed ({made.kernel_error}); to install it: "
            f"{sys.executable} -m ipykernel install --user --name {project.KERNEL_NAME} "
            f'--display-name "{project.KERNEL_DISPLAY_NAME}"'
        )
    run = next(p.stem for p in made.files if p.parent.name == "params")
    print(
        "Next:\n"
        f"  cd {root}\n"
        f"  put the term's exports in data/raw/{run}/ (or try: netlab synth data/raw/{run})\n"
        f"  netlab validate data/raw/{run}\n"
        f"  netlab build params/{run}.yaml"
    )
    return 0


def _cmd_synth(args: argparse.Namespace) -> int:
    from netlab import synth

    if args.schools < 3:
        raise ParamsError(
            f"--schools must be at least 3, but {args.schools} was given.",
            hint="A network needs a few schools to compare; the demo has 30.",
        )
    if args.districts:
        network = synth.generate_districts(seed=args.seed)
    else:
        # Small networks get fewer planted bright spots (each needs look-alikes beside it).
        bright = min(3, max(0, (args.schools - 2) // 3))
        network = synth.generate(
            args.schools, seed=args.seed, grain=args.grain, n_bright_spots=bright
        )
    written = synth.write(network, args.out_dir)
    exports = synth.write_exports(network, args.out_dir / "exports")
    print(f"Wrote {len(written)} files to {args.out_dir}")
    print(f"Wrote {len(exports)} hub-shaped exports to {args.out_dir / 'exports'}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from netlab import clean, paths, pipeline
    from netlab.params import load_params

    given = Path(args.directory)
    if given.suffix.lower() in (".yaml", ".yml") and given.is_file() and not args.params:
        # a run's params file: check its raw folder with its params
        args.params, args.directory = str(given), None
    params = load_params(args.params) if args.params else None
    if args.directory is None and params is not None:
        args.directory = str(paths.resolve(params.raw_dir))
    problems = pipeline.validate_dir(args.directory, params=params, params_file=args.params)
    if len(problems) == 0:
        print(f"{args.directory}: no problems found.")
        return 0
    print(clean.format_problems(problems))  # ends with the count of errors and warnings
    return 1 if (problems["severity"] == "error").any() else 0


def _cmd_describe(args: argparse.Namespace) -> int:
    from netlab import sources

    target, text = sources.draft_description(args.file, write=not args.print)
    print(text, end="")
    if not args.print:
        print(f"\nWrote {target}. Edit the lines marked IN DOUBT or commented, then run "
              f"`netlab validate {target.parent}`.")  # fmt: skip
    return 0


def _cmd_prepare(args: argparse.Namespace) -> int:
    from netlab import pipeline
    from netlab.params import load_params
    from netlab.pipeline import run_lock

    params = load_params(args.params)
    with run_lock(params.run):  # not while a build of the run is running
        prepared = pipeline.prepare(params, fit=not args.no_models)
    print(pipeline.summary(prepared))
    print(f"Processed tables in {paths.processed_dir(params.run)}")
    return 0


def _build(
    params_path: str | Path,
    *,
    jobs: int | None,
    scheduler: str | None,
    force: bool,
    wait: bool = False,
):
    from netlab import batch as build
    from netlab.params import load_params

    params = load_params(params_path)
    result = build.build(
        params, jobs=jobs, scheduler=scheduler, force=force, progress=True, wait=wait
    )
    print(result.summary())
    return result


def _start_method(args: argparse.Namespace) -> None:
    """Pass ``--start-method`` to the render servers, which read it from the environment."""
    if getattr(args, "start_method", None):
        os.environ["NETLAB_START_METHOD"] = args.start_method


def _cmd_build(args: argparse.Namespace) -> int:
    _start_method(args)
    result = _build(
        args.params, jobs=args.jobs, scheduler=args.scheduler, force=args.force, wait=args.wait
    )
    return 0 if result.ok else 1


def _cmd_rekey(args: argparse.Namespace) -> int:
    from netlab import pipeline
    from netlab.clean import rekey
    from netlab.params import load_params
    from netlab.pipeline import run_lock

    params = load_params(args.params)
    key = paths.key_file()
    if not args.yes:
        print(
            f"netlab rekey replaces the pseudonym key ({key}) with a new random one and "
            f"prepares run {params.run!r} again with it. Every student_key changes, in this "
            "run and in every other run of this project when it is next prepared, so "
            "pseudonyms made before cannot be linked to those made after (except by "
            "whoever keeps the old key, which is set aside beside the new one).\n"
            f"To do it: netlab rekey {args.params} --yes"
        )
        return 1
    with run_lock(params.run):
        new, old = rekey()
        prepared = pipeline.prepare(params)
    print(f"New pseudonym key written to {new} (readable by its owner only).")
    if old is not None:
        print(f"The old key is kept at {old}; delete it if it was exposed.")
    print(pipeline.summary(prepared))
    print(
        "Other runs of this project are prepared again, with the new key, by their next "
        "`netlab build` or `netlab prepare`."
    )
    return 0


def _cmd_history(args: argparse.Namespace) -> int:
    import pandas as pd

    from netlab import pipeline

    frame = pipeline.history(args.network, table=args.table)
    if args.out is not None:
        frame.to_csv(args.out, index=False)
        print(f"Wrote {len(frame):,} rows of the history's {args.table} to {args.out}")
        return 0
    if args.table == "rates":
        revised = int(frame["revised"].sum())
        frame = frame.groupby(["network", "term", "as_of"], as_index=False).agg(
            rows=("rate", "size"), revised=("revised", "sum")
        )
        print(f"{revised:,} figures revised by a later pull (flagged `revised`).")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(frame.to_string(index=False) if len(frame) else "(empty)")
    print(f"History: {pipeline.history_file()} (read it with netlab.history() or DuckDB)")
    return 0


def _demo_spring(network, *, jobs: int | None) -> None:
    """The demo's earlier term, prepared into the history (its reports are not rendered)."""
    from netlab import pipeline, synth
    from netlab.params import load_params
    from netlab.pipeline import run_lock

    out = paths.demo_dir("network") / "exports-spring"
    synth.write_term_exports(network, out, through=int(synth.DEMO_EARLIER_CLASS))
    params = load_params(paths.params_dir() / "demo-spring.yaml")
    with run_lock(params.run):
        if pipeline.stale_reason(params) is not None:
            pipeline.prepare(params)
    print(f"The demo's earlier term ({params.term}) is in the history, from {out}")


def _cmd_demo(args: argparse.Namespace) -> int:
    from netlab import synth

    _start_method(args)
    seeds = {"network": 2026, "districts": 2027}
    nets = {
        "network": lambda: synth.generate(30, seed=seeds["network"]),
        "districts": lambda: synth.generate_districts(seed=seeds["districts"]),
    }
    for folder, make in nets.items():
        out = paths.demo_dir(folder)
        network = make()
        synth.write(network, out)
        print(f"Synthetic {folder} written to {out}")
        if folder == "network":
            # The demo network is built from the files a hub holds, as a real hub's would be.
            synth.write_exports(network, out / "exports")
            print(f"  and as a hub's exports (roster, StudentTracker, ...) in {out / 'exports'}")
            _demo_spring(network, jobs=args.jobs)
    ok = True
    for run in DEMO_RUNS:
        result = _build(
            paths.params_dir() / f"{run}.yaml", jobs=args.jobs, scheduler=None, force=args.force
        )
        ok &= result.ok
    for run in DEMO_RUNS:
        print(f"Open {paths.reports_dir(run) / 'index.html'}")
    return 0 if ok else 1


def _cmd_import_public(args: argparse.Namespace) -> int:
    from netlab import sources

    if str(args.state).lower() == "ipeds":
        ipeds = sources.import_ipeds(args.source, args.out)
        print(ipeds.summary.to_string(index=False))
        for note in ipeds.notes:
            print(f"  {note}")
        print(f"Wrote {ipeds.path.name} to {args.out}")
        return 0

    result = sources.import_public(args.state, args.source, args.out, season=args.season)
    print(result.summary.to_string(index=False))
    print(f"Wrote {', '.join(sorted(p.name for p in result.files.values()))} to {args.out}")
    return 0


_COMMANDS = {
    "init": _cmd_init,
    "synth": _cmd_synth,
    "validate": _cmd_validate,
    "prepare": _cmd_prepare,
    "build": _cmd_build,
    "describe": _cmd_describe,
    "demo": _cmd_demo,
    "rekey": _cmd_rekey,
    "history": _cmd_history,
    "import-public": _cmd_import_public,
}


def _verbose() -> None:
    """Send netlab's INFO log (what prepare and build are doing) to stderr."""
    import logging  # here: the command line starts without it

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("netlab: %(message)s"))
    logger = logging.getLogger("netlab")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``netlab`` command line; return the exit status.

    The process is left as it is: the console script goes through :func:`command`,
    which also sets the process up as netlab's own.

    Parameters
    ----------
    argv : Sequence[str] or None, optional
        The arguments; ``sys.argv[1:]`` when None.

    Returns
    -------
    int
        The exit status (0 on success).
    """
    args = _parser().parse_args(argv)
    if args.verbose:
        _verbose()
    try:
        return _COMMANDS[args.command](args)
    except SchemaError as err:
        from netlab import clean

        print(clean.format_problems(err.problems), file=sys.stderr)
        print(f"\nnetlab {args.command}: {err}", file=sys.stderr)
        return 2
    except NetlabError as err:
        print(f"netlab {args.command}: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("netlab: interrupted", file=sys.stderr)
        return 130
    except FileNotFoundError as err:
        if os.environ.get("NETLAB_DEBUG"):
            raise
        print(f"netlab {args.command}: {err.strerror}: {err.filename}", file=sys.stderr)
        return 2


def command(argv: Sequence[str] | None = None) -> int:
    """The ``netlab`` command's entry (the console script and ``python -m netlab``).

    It sets up the process as netlab's own (:func:`netlab._startup.own_process`), then
    runs :func:`main`. A program or notebook that calls :func:`main` itself keeps its
    process as it is.

    Parameters
    ----------
    argv : Sequence[str] or None, optional
        The arguments; ``sys.argv[1:]`` when None.

    Returns
    -------
    int
        The exit status from :func:`main` (0 on success).
    """
    own_process()
    return main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(command())
