"""The batch runner: one command turns a term's exports into every report of a run.

Steps: prepare the data and fit the network models once (unless the processed run is
fresh) → plan one report per school (or district), one for the network and one for
traction → skip the reports whose inputs, parameters and code are unchanged → render the
rest in parallel, each in a fresh process → write the index and the manifest.

Outputs (``reports/<run>/``, what is sent out): ``index.html`` (the network at a glance,
for the hub), ``network.html``, ``traction.html``, ``schools/<id>.html`` (or
``districts/<id>.html``), one live-case brief per suggested pairing
(``livecases/<host>--<visitor>.html``), and beside each report its tables as ``.xlsx`` and
its print as ``.pdf`` (unless the run's ``pdf`` is off), plus ``manifest.json`` (each
report's status, key and checksum, and the versions it was built with). Executed notebooks
and logs stay in the private work area (``paths.work_dir(run)``).

Nothing is lost under faults: one build of a run runs at a time (a lock in the work area);
the processed tables are checked against their checksums before any report renders; a
report that fails is removed from ``reports/`` (never sent out), and when a build fails
the reports of the last good build are kept, dated, in ``<work area>/kept/``. Every file
in ``reports/`` is written to a temporary name and renamed into place, so a killed build
leaves no half-written report; that is also what lets the last good reports be kept as
hard links at no cost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from netlab import paths
from netlab._version import __version__
from netlab.batch import _engine as engine
from netlab.checks import check_argument
from netlab.exceptions import BuildError, InputError
from netlab.names import display_name
from netlab.params import RunParams, load_params
from netlab.pipeline import report_code_hash, run_lock, versions

log = logging.getLogger(__name__)


NOTEBOOKS = {
    "school": "school.ipynb",
    "network": "network.ipynb",
    "traction": "traction.ipynb",
    "livecase": "livecase.ipynb",
}
MANIFEST = "manifest.json"
LAST_GOOD = "last-good"  # the last good build's reports, held while a build runs
KEPT = "kept"  # dated copies of the last good reports, kept when a build failed
KEEP = 5  # dated copies kept at most


@dataclass
class ReportOutcome:
    """What happened to one report of a build."""

    id: str
    kind: str
    title: str
    html: str
    status: str = "pending"
    seconds: float = 0.0
    error: str | None = None
    notebook: str | None = None
    key: str = ""
    phases: dict[str, float] = field(default_factory=dict)
    sha256: str = ""
    xlsx: str | None = None
    pdf: str | None = None


@dataclass
class BuildResult:
    """The outcome of :func:`build`: one :class:`ReportOutcome` per report."""

    run: str
    reports: list[ReportOutcome]
    seconds: float
    prepared: bool
    out_dir: Path
    jobs: int = 1
    notes: list[str] = field(default_factory=list)
    kept: Path | None = None
    pdf_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no report failed."""
        return not self.failures

    @property
    def failures(self) -> list[ReportOutcome]:
        """The reports that failed."""
        return [r for r in self.reports if r.status == "failed"]

    @property
    def rendered(self) -> list[ReportOutcome]:
        """The reports rendered in this build (not skipped)."""
        return [r for r in self.reports if r.status == "ok"]

    @property
    def skipped(self) -> list[ReportOutcome]:
        """The reports left as they were (inputs, parameters and code unchanged)."""
        return [r for r in self.reports if r.status == "skipped"]

    @property
    def index(self) -> Path:
        """The run's ``index.html``."""
        return self.out_dir / "index.html"

    def summary(self) -> str:
        """A few lines for the terminal: counts, rate, each failure and where to look."""
        n_done = len(self.rendered)
        rate = n_done / self.seconds * 60 if self.seconds > 0 and n_done else 0.0
        lines = [
            f"Run {self.run!r}: {len(self.reports)} reports — {n_done} rendered, "
            f"{len(self.skipped)} unchanged, {len(self.failures)} failed "
            f"in {self.seconds:.1f} s ({rate:.0f} reports/min, {self.jobs} at a time)"
            + ("; data prepared" if self.prepared else "; data already prepared")
        ]
        lines += [f"  {note}" for note in self.notes]
        for r in self.failures:
            lines.append(f"  FAILED {r.title} [{r.id}]: {r.error}")
            if r.notebook:
                lines.append(f"         executed notebook kept at {r.notebook}")
        if self.failures:
            lines.append(
                f"  Failed reports are not in {self.out_dir} (nothing half-done is sent out)."
            )
        if self.kept is not None:
            lines.append(f"  The last good reports of this run are kept in {self.kept}")
        lines.append(f"Index: {self.index}")
        return "\n".join(lines)

    def raise_for_failures(self) -> None:
        """Raise :class:`~netlab.exceptions.BuildError` naming every failed report."""
        if self.failures:
            names = ", ".join(f"{r.id} ({r.error})" for r in self.failures)
            raise BuildError(
                f"{len(self.failures)} report(s) of run {self.run!r} failed: {names}",
                hint="Open the executed notebooks named in the summary, fix, and build again; "
                "only the failed reports are rendered again.",
            )


# --------------------------------------------------------------------------------------
# Planning
# --------------------------------------------------------------------------------------


def _report_key(*parts: Any) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(json.dumps(part, sort_keys=True, default=str).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def plan(params: RunParams, *, manifest: dict | None = None) -> list[dict[str, Any]]:
    """List the reports of a prepared run as render tasks.

    Parameters
    ----------
    params : RunParams
        The run's parameters (the run must be prepared).
    manifest : dict, optional
        The processed run's manifest (read from disk when omitted).

    Returns
    -------
    list of dict
        One task per report (see :func:`netlab.batch._engine.render`), network first, plus the
        keys ``kind``, ``title``, ``rel_html`` and ``key``.
    """
    from netlab import pipeline

    run = params.run
    found = manifest if manifest is not None else pipeline.manifest(run)
    if found is None:
        raise InputError(f"The run {run!r} has not been prepared.", hint="Run `netlab prepare`.")
    units = pd.read_parquet(paths.processed_dir(run) / "units.parquet")
    notebooks, templates = paths.notebooks_dir(), paths.templates_dir()
    code = report_code_hash(notebooks, templates)
    base_key = (found.get("input_hash"), found.get("code_hash"), code, params.model_dump_json())
    work, out = paths.work_dir(run), paths.reports_dir(run)
    unit = params.unit
    folder = "districts" if unit == "district" else "schools"

    specs: list[tuple[str, str, str, str, dict]] = [
        ("network", "network", "Network report", "network.html", {"run_name": run}),
    ]
    if found.get("tables", {}).get("traction", 0):
        specs.append(
            ("traction", "traction", "Traction report", "traction.html", {"run_name": run})
        )
    names = dict(
        zip(
            units["unit_id"].astype(str),
            units.get("unit_name", units["unit_id"]).astype(str),
            strict=False,
        )
    )
    shown = {u: display_name(n) for u, n in names.items()}
    for uid in sorted(names, key=lambda u: (shown[u].casefold(), u)):
        rel = f"{folder}/{paths.slug(uid)}.html"
        title = f"{unit.capitalize()} report: {shown[uid]}"
        specs.append((f"{unit}:{uid}", unit, title, rel, {"run_name": run, "unit_id": uid}))
    from netlab.report import brief_rel

    for host, visitor in _brief_pairs(params):
        title = f"Live-case brief: {shown.get(host, host)} hosts {shown.get(visitor, visitor)}"
        parameters = {"run_name": run, "host": host, "visitor": visitor}
        rel = brief_rel(host, visitor)
        specs.append((f"livecase:{host}:{visitor}", "livecase", title, rel, parameters))

    tasks = []
    for rid, kind, title, rel, parameters in specs:
        notebook = notebooks / NOTEBOOKS["school" if kind in ("school", "district") else kind]
        stem = paths.slug(rid.replace(":", "-"))
        tasks.append(
            {
                "id": rid,
                "kind": kind,
                "title": title,
                "rel_html": rel,
                "notebook": str(notebook),
                "parameters": parameters,
                "work_notebook": str(work / "notebooks" / f"{stem}.ipynb"),
                "log": str(work / "logs" / f"{stem}.log"),
                "html": str(out / rel),
                "xlsx": str(out / paths.beside(rel, ".xlsx")),
                "home": str(paths.project_root()),
                "template_dir": str(templates),
                "key": _report_key(*base_key, rid, parameters),
                "preload": run,
            }
        )
    return tasks


def _brief_pairs(params: RunParams) -> list[tuple[str, str]]:
    """The live-case pairings that get a brief: those the network report shows."""
    path = paths.processed_dir(params.run) / "models" / "livecase__pairs.parquet"
    if not path.exists():
        return []
    pairs = pd.read_parquet(path)
    if pairs.empty:
        return []
    n = pairs[["host_denominator", "visitor_denominator"]].min(axis=1)
    pairs = pairs.loc[pd.to_numeric(n, errors="coerce") >= params.min_cell]
    return list(zip(pairs["host"].astype(str), pairs["visitor"].astype(str), strict=True))


# --------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------


def _default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _run_local(
    tasks: list[dict], jobs: int, pool: engine.WarmPool | None, log: Path
) -> Iterator[dict]:
    from concurrent.futures import as_completed

    own = pool is None
    pool = pool or engine.WarmPool(min(jobs, len(tasks)), log=log)
    try:
        futures = [pool.submit(t) for t in tasks]
        for fut in as_completed(futures):
            yield fut.result()
    finally:
        if own:
            pool.close()


def _run_dask(tasks: list[dict], scheduler: Any) -> Iterator[dict]:
    from dask.distributed import Client, as_completed

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        futures = client.map(
            engine.render_on_worker,
            tasks,
            key=[f"netlab-{t['id']}-{t['key']}" for t in tasks],
            pure=False,
        )
        by_key = {f.key: t for f, t in zip(futures, tasks, strict=True)}
        for fut in as_completed(futures):
            try:
                yield fut.result()
            except Exception as err:  # a worker lost: the report failed, the build goes on
                t = by_key[fut.key]
                yield {"id": t["id"], "status": "failed", "error": f"{type(err).__name__}: {err}"}
    finally:
        if client is not scheduler:
            client.close()


def _progress(total: int, run: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=f"netlab {run}", unit="report", disable=not enabled or not total)


def _previous(out: Path) -> dict[str, dict]:
    try:
        return {r["id"]: r for r in _previous_manifest(out).get("reports", [])}
    except (KeyError, TypeError):
        return {}


def _outcome(task: dict, result: dict | None, status: str | None = None) -> ReportOutcome:
    result = result or {}
    return ReportOutcome(
        id=task["id"],
        kind=task["kind"],
        title=task["title"],
        html=task["rel_html"],
        status=status or result.get("status", "failed"),
        seconds=float(result.get("seconds") or 0.0),
        error=_short(result.get("error")),
        notebook=result.get("notebook") if result.get("status") == "failed" else None,
        key=task["key"],
        phases=dict(result.get("phases") or {}),
        xlsx=paths.beside(task["rel_html"], ".xlsx"),
    )


def _short(message: str | None, limit: int = 300) -> str | None:
    if not message:
        return None
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(message)).strip().splitlines()
    first = text[0] if text else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"


def build(
    params: RunParams | str | os.PathLike,
    jobs: int | None = None,
    scheduler: Any = None,
    force: bool = False,
    progress: bool = True,
    wait: bool | float = False,
) -> BuildResult:
    """Prepare a run once and render all of its reports.

    Parameters
    ----------
    params : RunParams, str or path
        The run's parameters, or the path / name of its YAML file.
    jobs : int, optional
        Reports rendered at once on this machine (default: the number of cores).
    scheduler : str or dask.distributed.Client, optional
        Address of a Dask scheduler (or a client) to render on instead.
    force : bool
        Render every report, even those whose inputs, parameters and code are unchanged.
    progress : bool
        Show a progress bar.
    wait : bool or float
        When another build of the run is running: False (default) raises
        :class:`~netlab.exceptions.BuildError` at once; True waits for it to end; a number
        waits at most that many seconds.

    Returns
    -------
    BuildResult
        ``ok`` is False when any report failed; ``summary()`` names each failure and
        where the last good reports are kept. A failure never stops the other reports.

    Raises
    ------
    BuildError
        Another build of the run holds its lock.
    SchemaError, InputError
        The exports or the params cannot make the run (nothing is rendered).

    Examples
    --------
    >>> result = build("params/demo.yaml")  # doctest: +SKIP
    >>> print(result.summary())  # doctest: +SKIP
    """
    started = time.perf_counter()
    if not isinstance(params, RunParams):
        params = load_params(params)
    if jobs is not None and int(jobs) < 1:
        check_argument("jobs", ["a whole number of 1 or more"], jobs)
    jobs = int(jobs or _default_jobs())
    notes: list[str] = []

    def say(text: str) -> None:
        notes.append(text)
        print(f"netlab: {text}", file=sys.stderr, flush=True)

    with run_lock(params.run, wait=wait, say=say):
        return _build_locked(params, jobs, scheduler, force, progress, started, notes, say)


def _remove_temporary_files(out: Path) -> None:
    """Remove what a killed build left half-written (``.<name>.<pid>.tmp``)."""
    for tmp in out.rglob(".*.tmp"):
        tmp.unlink(missing_ok=True)


def _hold_last_good(out: Path, work: Path, previous_ok: bool) -> Path | None:
    """Hard-link the reports of the last good build into the work area before rendering.

    Reports are replaced by rename, never rewritten in place, so the links keep the old
    versions at no cost. A held copy left by a build that did not finish is kept as it is:
    it, not the half-rebuilt folder, is the last good set.
    """
    held = work / LAST_GOOD
    if held.is_dir():
        return held
    if not previous_ok:
        return None
    tmp = work / f".{LAST_GOOD}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:  # another file system, or links not allowed: copy
            shutil.copy2(src, dst)

    shutil.copytree(out, tmp, copy_function=link)
    tmp.replace(held)
    return held


def _keep_last_good(held: Path | None, work: Path, failed: bool) -> Path | None:
    """After the build: keep the held reports, dated, when it failed; else let them go."""
    if held is None or not held.is_dir():
        return None
    if not failed:
        shutil.rmtree(held, ignore_errors=True)
        return None
    built = _previous_manifest(held).get("built")
    try:
        stamp = dt.datetime.fromisoformat(built).strftime("%Y-%m-%d_%H%M%S")
    except (TypeError, ValueError):
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d_%H%M%S")
    kept = work / KEPT / stamp
    if kept.exists():  # that build is kept already (an earlier failure)
        shutil.rmtree(held, ignore_errors=True)
    else:
        kept.parent.mkdir(parents=True, exist_ok=True)
        held.replace(kept)
    for old in sorted(p for p in (work / KEPT).iterdir() if p.is_dir())[:-KEEP]:
        shutil.rmtree(old, ignore_errors=True)
    return kept


def _previous_manifest(out: Path) -> dict:
    try:
        return json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _build_locked(
    params: RunParams,
    jobs: int,
    scheduler: Any,
    force: bool,
    progress: bool,
    started: float,
    notes: list[str],
    say,
) -> BuildResult:
    from netlab import pipeline

    run = params.run
    out, work = paths.reports_dir(run), paths.work_dir(run)
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    _remove_temporary_files(out)

    pool = None
    prepared = False
    reason = pipeline.stale_reason(params)
    if reason is not None:
        again = " again" if pipeline.manifest(run) is not None else ""
        print(
            f"netlab: Preparing the data of run {run!r}{again}: {reason}.",
            file=sys.stderr,
            flush=True,
        )
        # the build's notes are read on the index after the build: say what was done
        notes.append(
            f"The data of run {run!r} was prepared again in this build: {reason}."
            if again
            else f"The data of run {run!r} was prepared for the first time in this build."
        )
        # Warm the render servers while the data is prepared: both take seconds.
        if scheduler is None:
            pool = engine.WarmPool(jobs, log=work / "engine.log")
        try:
            pipeline.prepare(params)
        except BaseException:
            if pool is not None:
                pool.close()
            raise
        prepared = True

    tasks = plan(params)
    previous = _previous(out)
    outcomes: dict[str, ReportOutcome] = {}
    todo = []
    for task in tasks:
        before = previous.get(task["id"])
        unchanged = (
            not force
            and before is not None
            and before.get("key") == task["key"]
            and before.get("status") in ("ok", "skipped")
            and Path(task["html"]).exists()
            # the file is the one that build wrote (a killed build may have replaced it)
            and before.get("sha256") == _sha256(Path(task["html"]))
        )
        if unchanged:
            outcome = _outcome(task, None, status="skipped")
            outcome.seconds = float(before.get("seconds") or 0.0)
            outcome.sha256 = before["sha256"]
            outcomes[task["id"]] = outcome
        else:
            todo.append(task)

    previous_ok = _previous_manifest(out).get("ok") is True
    held = _hold_last_good(out, work, previous_ok and bool(todo))
    render_tasks = [{k: v for k, v in t.items() if k not in ("kind", "rel_html")} for t in todo]
    log.info(
        "run %r: %d reports planned, %d to render (%d unchanged), %d at a time",
        run, len(tasks), len(todo), len(tasks) - len(todo), jobs,
    )  # fmt: skip
    by_id = {t["id"]: t for t in todo}
    try:
        if render_tasks:
            results = (
                _run_dask(render_tasks, scheduler)
                if scheduler is not None
                else _run_local(render_tasks, jobs, pool, work / "engine.log")
            )
            with _progress(len(render_tasks), run, progress) as bar:
                for result in results:
                    task = by_id[result["id"]]
                    outcome = outcomes[task["id"]] = _outcome(task, result)
                    if outcome.status == "failed":
                        # never leave an earlier version of a failed report to be sent out
                        _remove(out, task["rel_html"])
                    else:
                        outcome.sha256 = _sha256(Path(task["html"]))
                    bar.update(1)
    finally:
        if pool is not None:
            pool.close()

    # A report of an earlier build whose unit left the run is removed, not left to be sent.
    current = {t["rel_html"] for t in tasks}
    for old in previous.values():
        rel = old.get("html")
        if rel and rel not in current:
            _remove(out, rel)

    reports = [outcomes[t["id"]] for t in tasks]
    printed = _print(reports, out, params)
    result = BuildResult(
        run=run,
        reports=reports,
        seconds=time.perf_counter() - started,
        prepared=prepared,
        out_dir=out,
        jobs=jobs,
        notes=[*notes, *printed.notes],
        pdf_seconds=printed.seconds,
    )
    _write_manifest(result, params, pipeline.manifest(run) or {})
    log.info("run %r: writing the index and the manifest in %s", run, out)
    write_index(result, params)
    result.kept = _keep_last_good(held, work, failed=not result.ok)
    return result


def _remove(out: Path, rel: str) -> None:
    """Remove a report and the files beside it (its workbook and PDF)."""
    for suffix in (".html", ".xlsx", ".pdf"):
        (out / paths.beside(rel, suffix)).unlink(missing_ok=True)


@dataclass
class _Printed:
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _print(reports: list[ReportOutcome], out: Path, params: RunParams) -> _Printed:
    """Print the reports rendered in this build (and any whose PDF is missing) to PDF.

    With ``pdf`` off, the PDFs of reports rendered again are removed: a PDF beside a
    report is always a print of that same report.
    """
    from netlab.report import print_pdfs

    done = [r for r in reports if r.status in ("ok", "skipped")]
    if not params.pdf:
        for r in done:
            if r.status == "ok":
                (out / paths.beside(r.html, ".pdf")).unlink(missing_ok=True)
        return _Printed()
    todo = [
        r for r in done if r.status == "ok" or not (out / paths.beside(r.html, ".pdf")).exists()
    ]
    got = print_pdfs(
        [(out / r.html, out / paths.beside(r.html, ".pdf"), r.kind == "livecase") for r in todo]
    )
    printed = _Printed(seconds=got.seconds)
    if got.message:
        printed.notes.append(got.message)
    for source, why in got.failed.items():
        printed.notes.append(f"The PDF of {Path(source).name} was not written: {why}")
    for r in done:
        if (out / paths.beside(r.html, ".pdf")).exists():
            r.pdf = paths.beside(r.html, ".pdf")
    return printed


# --------------------------------------------------------------------------------------
# Index and manifest
# --------------------------------------------------------------------------------------


def _write_manifest(result: BuildResult, params: RunParams, processed: dict) -> Path:
    body = {
        "run": result.run,
        "network": params.network,
        "term": params.term,
        "unit": params.unit,
        "netlab_version": __version__,
        "versions": versions(),
        "input_hash": processed.get("input_hash"),
        "built": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds": round(result.seconds, 2),
        "ok": result.ok,
        "reports": [
            {k: v for k, v in asdict(r).items() if k != "notebook"} for r in result.reports
        ],
    }
    return engine.atomic_write(result.out_dir / MANIFEST, json.dumps(body, indent=2))


def write_index(result: BuildResult, params: RunParams) -> Path:
    """Write ``reports/<run>/index.html``: the network at a glance, and every report."""
    from netlab.report import index_page

    return engine.atomic_write(result.out_dir / "index.html", index_page(result, params))
