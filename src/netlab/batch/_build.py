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
report that fails is removed from ``reports/`` (never sent out), and the network report links
no brief that failed or was held back (``_links``: it says why in its place); when a build fails
the reports of the last good build are kept, dated, in ``<work area>/kept/``. Every file
in ``reports/`` is written to a temporary name and renamed into place, so a killed build
leaves no half-written report; that is also what lets the last good reports be kept as
hard links at no cost.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import netlab.batch._engine as engine
from netlab import paths
from netlab.batch._gate import (
    Gate,
    clear_staged,
    gate_for,
    publish,
    publish_pdfs,
    staged,
    staged_path,
)
from netlab.batch._links import LINKING, print_notes, relink_pages, reprint
from netlab.batch._plan import plan
from netlab.batch._result import BuildResult, ReportOutcome
from netlab.batch._task import RenderTask
from netlab.checks import check_argument
from netlab.params import RunParams, load_params
from netlab.pipeline import run_lock
from netlab.publish import (
    file_sha256,
    get_output,
    hold_last_good,
    keep_last_good,
    previous_manifest,
    remove_report,
    remove_temporary_files,
    write_index,
    write_manifest,
)

log = logging.getLogger(__name__)

#: The print of each report: made after the build, by one browser, from the pages.
PDF = get_output("pdf")


# --------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------


def _default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _run_local(
    tasks: list[RenderTask], jobs: int, pool: engine.WarmPool | None, log: Path
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


def _run_dask(tasks: list[RenderTask], scheduler: Any) -> Iterator[dict]:
    from netlab.extras import require

    require("dask")  # a clear message when the netlab[dask] extra is not installed
    from dask.distributed import Client, as_completed

    from netlab.batch._dask import render_on_cluster

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        futures = client.map(
            render_on_cluster,
            tasks,
            key=[f"netlab-{t.id}-{t.key}" for t in tasks],
            pure=False,
        )
        by_key = {f.key: t for f, t in zip(futures, tasks, strict=True)}
        for fut in as_completed(futures):
            try:
                yield fut.result()
            except Exception as err:  # a worker lost: the report failed, the build goes on
                t = by_key[fut.key]
                yield {"id": t.id, "status": "failed", "error": f"{type(err).__name__}: {err}"}
    finally:
        if client is not scheduler:
            client.close()


def _cluster_tasks(todo: list[RenderTask], params: RunParams) -> list[RenderTask]:
    """The tasks as sent to a cluster: paths relative to the project, PDFs printed there."""
    from netlab.batch._dask import portable

    root = paths.project_root()
    return [portable(t, root, pdf=PDF.on(params)) for t in todo]


def _progress(total: int, run: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=f"netlab {run}", unit="report", disable=not enabled or not total)


def _previous(out: Path) -> dict[str, dict]:
    try:
        return {r["id"]: r for r in previous_manifest(out).get("reports", [])}
    except (KeyError, TypeError):
        return {}


def _outcome(task: RenderTask, result: dict | None, status: str | None = None) -> ReportOutcome:
    result = result or {}
    return ReportOutcome(
        id=task.id,
        kind=task.kind,
        title=task.title,
        html=task.rel_html,
        status=status or result.get("status", "failed"),
        seconds=float(result.get("seconds") or 0.0),
        error=_short(result.get("error")),
        notebook=result.get("notebook") if result.get("status") == "failed" else None,
        key=task.key,
        phases=dict(result.get("phases") or {}),
        xlsx=paths.beside(task.rel_html, ".xlsx"),
        # printed where it was rendered (on a cluster's worker)
        pdf=paths.beside(task.rel_html, PDF.suffix) if result.get("pdf_printed") else None,
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
        return _build_locked(
            params,
            jobs=jobs,
            scheduler=scheduler,
            force=force,
            progress=progress,
            started=started,
            notes=notes,
        )


def _build_locked(
    params: RunParams,
    *,
    jobs: int,
    scheduler: Any,
    force: bool,
    progress: bool,
    started: float,
    notes: list[str],
) -> BuildResult:
    """The build's steps, under the run's lock: prepare, plan, render, publish, index."""
    from netlab import pipeline

    run = params.run
    out, work = paths.reports_dir(run), paths.work_dir(run)
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    remove_temporary_files(out)
    pool, prepared = _prepare_if_stale(params, jobs=jobs, scheduler=scheduler, notes=notes)

    tasks = plan(params)
    previous = _previous(out)
    outcomes, todo = _unchanged(tasks, previous, force=force)
    previous_ok = previous_manifest(out).get("ok") is True
    held = hold_last_good(out, work, previous_ok and bool(todo))
    log.info(
        "run %r: %d reports planned, %d to render (%d unchanged), %d at a time",
        run, len(tasks), len(todo), len(tasks) - len(todo), jobs,
    )  # fmt: skip
    gate = _render_all(
        params, todo, outcomes, jobs=jobs, scheduler=scheduler, pool=pool, progress=progress
    )
    _remove_departed(tasks, previous, out)

    reports = [outcomes[t.id] for t in tasks]
    relink_pages(reports, out)  # every brief's page is known: sent out, or why not
    printed = _print(reports, out, params, gate=gate)
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
    write_manifest(result, params, pipeline.manifest(run) or {})
    log.info("run %r: writing the index and the manifest in %s", run, out)
    write_index(result, params)
    result.kept = keep_last_good(held, work, failed=not result.ok)
    return result


def _prepare_if_stale(
    params: RunParams, *, jobs: int, scheduler: Any, notes: list[str]
) -> tuple[engine.WarmPool | None, bool]:
    """Prepare the run when its processed tables are stale; warm the servers meanwhile.

    Returns the warm servers started (or None) and whether the run was prepared.
    """
    from netlab import pipeline

    run = params.run
    reason = pipeline.stale_reason(params)
    if reason is None:
        return None, False
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
    pool = None
    if scheduler is None:
        pool = engine.WarmPool(jobs, log=paths.work_dir(run) / "engine.log")
    try:
        pipeline.prepare(params)
    except BaseException:
        if pool is not None:
            pool.close()
        raise
    return pool, True


def _unchanged(
    tasks: list[RenderTask], previous: dict[str, dict], *, force: bool
) -> tuple[dict[str, ReportOutcome], list[RenderTask]]:
    """The reports left as the last build wrote them (their outcomes), and those to render."""
    outcomes: dict[str, ReportOutcome] = {}
    todo = []
    for task in tasks:
        before = previous.get(task.id)
        unchanged = (
            not force
            and before is not None
            and before.get("key") == task.key
            and before.get("status") in ("ok", "skipped")
            and Path(task.html).exists()
            # the file is the one that build wrote (a killed build may have replaced it)
            and before.get("sha256") == file_sha256(Path(task.html))
        )
        if unchanged and before is not None:
            outcome = _outcome(task, None, status="skipped")
            outcome.seconds = float(before.get("seconds") or 0.0)
            outcome.sha256 = before["sha256"]
            outcomes[task.id] = outcome
        else:
            todo.append(task)
    return outcomes, todo


def _render_all(
    params: RunParams,
    todo: list[RenderTask],
    outcomes: dict[str, ReportOutcome],
    *,
    jobs: int,
    scheduler: Any,
    pool: engine.WarmPool | None,
    progress: bool,
) -> Gate | None:
    """Render the reports to render, each checked by the publish gate as it lands.

    Fills ``outcomes``; returns the gate (None when nothing was rendered).
    """
    out, work = paths.reports_dir(params.run), paths.work_dir(params.run)
    # rendered into the work area, moved into reports/ by the publish gate
    clear_staged(work)
    staging = {t.id: staged(t, work) for t in todo}
    by_id = {t.id: t for t in todo}
    gate = None
    try:
        if staging:
            gate = gate_for(params)
            results = (
                _run_dask(_cluster_tasks(list(staging.values()), params), scheduler)
                if scheduler is not None
                else _run_local(list(staging.values()), jobs, pool, work / "engine.log")
            )
            with _progress(len(staging), params.run, progress) as bar:
                for result in results:
                    task = by_id[result["id"]]
                    outcome = outcomes[task.id] = _outcome(task, result)
                    if outcome.status == "failed":
                        # never leave an earlier version of a failed report to be sent out
                        remove_report(out, task.rel_html)
                    elif publish(gate, outcome, staging[task.id], out):
                        outcome.sha256 = file_sha256(Path(task.html))
                    bar.update(1)
    finally:
        if pool is not None:
            pool.close()
    return gate


def _remove_departed(tasks: list[RenderTask], previous: dict[str, dict], out: Path) -> None:
    """Remove a report of an earlier build whose unit left the run: it is not to be sent."""
    current = {t.rel_html for t in tasks}
    for old in previous.values():
        rel = old.get("html")
        if rel and rel not in current:
            remove_report(out, rel)


@dataclass
class _Printed:
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _print(
    reports: list[ReportOutcome], out: Path, params: RunParams, *, gate: Gate | None = None
) -> _Printed:
    """Print the reports rendered in this build (and any whose PDF is missing) to PDF.

    Each is printed into the work area and moved beside its page only once the publish
    ``gate`` (made from ``params`` when not given) passes it; a report whose PDF fails is
    held back. With ``pdf`` off, the PDFs of reports rendered again are removed: a PDF
    beside a report is always a print of that same report.
    """
    from netlab.publish import print_pdfs  # looked up when called: a test may stand in

    done = [r for r in reports if r.status in ("ok", "skipped")]
    if not PDF.on(params):
        for r in done:
            if r.status == "ok":
                (out / paths.beside(r.html, PDF.suffix)).unlink(missing_ok=True)
        return _Printed()
    todo = [
        r
        for r in done
        if (r.status == "ok" and r.pdf is None)
        or not (out / paths.beside(r.html, PDF.suffix)).exists()
    ]
    work = paths.work_dir(params.run)
    staging = [(r, staged_path(work, r.html, PDF.suffix)) for r in todo]
    for _, pdf in staging:
        pdf.unlink(missing_ok=True)  # a print an earlier build left unchecked
    got = print_pdfs([(out / r.html, pdf, r.kind == "livecase") for r, pdf in staging])
    printed = _Printed(seconds=got.seconds, notes=print_notes(got))
    check = gate or functools.cache(lambda: gate_for(params))  # made once, when needed
    # the pages linking briefs go out last: a brief whose print is held back is unlinked
    # from them first, and a page so changed is printed again
    sent, notes = publish_pdfs(check, [(r, p) for r, p in staging if r.kind not in LINKING], out)
    again, got = reprint(relink_pages(reports, out), out, work)
    printed.seconds += got.seconds
    last = {r.id: (r, p) for r, p in [*staging, *again] if r.kind in LINKING}
    sent_last, notes_last = publish_pdfs(check, list(last.values()), out)
    sent += sent_last
    printed.notes += dict.fromkeys([*notes, *print_notes(got), *notes_last])
    printed.notes.extend(_drop_stale_pdfs(todo, out, sent))
    for r in done:
        if (out / paths.beside(r.html, PDF.suffix)).exists():
            r.pdf = paths.beside(r.html, PDF.suffix)
    return printed


def _drop_stale_pdfs(todo: list[ReportOutcome], out: Path, written: list[Path]) -> list[str]:
    """Remove the PDF of each report rendered again whose print this build could not make.

    That PDF prints the previous build's report: left in place it would be listed in the
    manifest and the index as this build's. Returns the note saying so (or none).
    """
    made = {Path(p).resolve() for p in written}
    removed = []
    for r in todo:
        pdf = out / paths.beside(r.html, PDF.suffix)
        if r.status == "ok" and pdf.exists() and pdf.resolve() not in made:
            pdf.unlink(missing_ok=True)
            removed.append(paths.beside(r.html, PDF.suffix))
    if not removed:
        return []
    shown = ", ".join(removed[:3]) + (f" and {len(removed) - 3} more" if len(removed) > 3 else "")
    return [
        f"{len(removed)} PDF(s) of an earlier build removed ({shown}): their reports were "
        "rendered again but could not be printed, so an old print is not listed as new."
    ]
