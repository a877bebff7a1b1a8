"""The publish gate: what a build is about to send out is checked before it goes.

Each report a build rendered is scanned with :mod:`netlab.privacy` (its page and its
workbook as soon as it is written, its PDF once printed): no figure on fewer than
``min_cell`` students, no table row without its count, no student key, and no other
unit's name where the report may not name it. A report that fails is held back: its
files are removed from ``reports/<run>/``, the manifest and the index list it as held
back, and the problems are written to the run's private work area. The message that
reaches the index names only the kinds of problem, never the text found (which may be
the very name or key that must not be sent out).

A report's page and workbook are rendered into the work area (:func:`staged`) and moved
into ``reports/<run>/`` only once they pass (:func:`publish`); its PDF, a print of the
checked page, is printed into the work area too (:func:`staged_path`) and moved beside the
page only once it passes (:func:`publish_pdfs`): when it fails, the whole report is held
back, and no PDF of it was ever in ``reports/<run>/``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from netlab import paths, privacy
from netlab.batch._result import HELD, ReportOutcome
from netlab.batch._task import RenderTask
from netlab.params import RunParams
from netlab.publish import OUTPUTS, remove_report

#: Each problem the scans report, by the start of its message, as words safe to publish.
_KINDS = (
    ("another unit's name", "another unit's name"),
    ("student key", "student keys (student-level rows)"),
    ("a figure rests on", "a figure on too few students"),
    ("rests on", "a figure on too few students"),
    ("without a student count", "a table row without its student count"),
    ("unreadable student count", "a student count that cannot be read"),
    ("no ", "no student counts to check"),
)


def problem_kind(problem: str) -> str:
    """The kind of a scan's problem, in words that repeat nothing the report contained."""
    lowered = problem.lower()
    for start, kind in _KINDS:
        if start in lowered:
            return kind
    return "a privacy problem"


@dataclass(frozen=True)
class Gate:
    """The privacy check of one build's reports.

    Parameters
    ----------
    min_cell : int
        The run's smallest cell.
    names : dict of str to str
        Every unit's id and name.
    name_peers : bool
        The run allows every report to name other units.
    student_keys : frozenset of str
        The processed students' keys (empty for a run of school-level counts).
    work : Path
        The run's private work area, where the problems found are written.
    """

    min_cell: int
    names: dict[str, str]
    name_peers: bool
    student_keys: frozenset[str] = field(default_factory=frozenset)
    work: Path = Path(".")

    def forbidden(self, report_id: str, kind: str) -> list[str]:
        """The names a report may not show: other units', unless it may name them.

        A unit's report names only itself and a live-case brief its two teams; the
        network and traction reports name every unit. A peer's name that is part of the
        report's own is still checked: the scan looks for it outside the own names
        (:meth:`own`), so "Central High" is found in a report on "North Central High".
        """
        if self.name_peers or kind not in ("school", "district", "livecase"):
            return []
        own_ids = report_id.split(":")[1:]
        return [name for uid, name in self.names.items() if uid not in own_ids and name]

    def own(self, report_id: str) -> list[str]:
        """The names a report may show: its unit's, or a live-case brief's two teams'."""
        return [self.names.get(u, u) for u in report_id.split(":")[1:]]

    def check(self, report_id: str, kind: str, files: Iterable[Path]) -> list[str]:
        """Scan a report's files that exist; return the problems, each naming its file."""
        forbidden = self.forbidden(report_id, kind)
        own = self.own(report_id)
        problems = []
        for path in files:
            if not path.exists():
                continue
            if path.suffix == ".html":
                found = privacy.scan_html(
                    path.read_text(encoding="utf-8"),
                    min_cell=self.min_cell,
                    student_keys=self.student_keys,
                    forbidden_names=forbidden,
                    own_names=own,
                )
            elif path.suffix == ".xlsx":
                found = privacy.scan_xlsx(
                    path,
                    min_cell=self.min_cell,
                    student_keys=self.student_keys,
                    forbidden_names=forbidden,
                    own_names=own,
                )
            elif path.suffix == ".pdf":
                found = privacy.scan_pdf(
                    path, student_keys=self.student_keys, forbidden_names=forbidden, own_names=own
                )
            else:  # any other text sent out: its counts, keys and names, as a page's
                found = privacy.scan_html(
                    path.read_text(encoding="utf-8"),
                    min_cell=self.min_cell,
                    student_keys=self.student_keys,
                    forbidden_names=forbidden,
                    own_names=own,
                )
            problems += [f"{path.name}: {p}" for p in found]
        return problems

    def message(self, report_id: str, problems: list[str]) -> str:
        """Write the problems to the work area; return the words the index may show."""
        details = self.work / "privacy" / f"{paths.slug(report_id.replace(':', '-'))}.txt"
        details.parent.mkdir(parents=True, exist_ok=True)
        details.write_text("\n".join(problems) + "\n", encoding="utf-8")
        where = {p.split(":", 1)[0].rsplit(".", 1)[-1] for p in problems}
        kinds = sorted({problem_kind(p.split(": ", 1)[-1]) for p in problems})
        return (
            f"held back by the privacy check: {'; '.join(kinds)} in its "
            f"{', '.join(sorted(where))} (what was found: {details})"
        )


def gate_for(params: RunParams) -> Gate:
    """The gate of a prepared run: its units' names and its students' keys."""
    folder = paths.processed_dir(params.run)
    units = pd.read_parquet(folder / "units.parquet")
    ids = units["unit_id"].astype(str)
    names = units["unit_name"].astype(str) if "unit_name" in units else ids
    keys: frozenset[str] = frozenset()
    students = folder / "students.parquet"
    if students.exists():
        try:
            frame = pd.read_parquet(students, columns=["student_key"])
        except (KeyError, ValueError):  # pragma: no cover - students without keys
            frame = pd.DataFrame({"student_key": []})
        keys = frozenset(frame["student_key"].dropna().astype(str))
    return Gate(
        min_cell=params.min_cell,
        names=dict(zip(ids, names, strict=True)),
        name_peers=bool(params.name_peers),
        student_keys=keys,
        work=paths.work_dir(params.run),
    )


STAGED = "staged"  # the work area's folder where reports wait for the gate


def staged(task: RenderTask | dict, work: Path) -> RenderTask:
    """The render task with its page and outputs written to the work area, not sent out."""
    task = RenderTask.of(task)
    rel = Path(task.rel_html)
    return replace(
        task,
        html=str(work / STAGED / rel),
        outputs=tuple(
            (name, str(work / STAGED / paths.beside(task.rel_html, Path(path).suffix)), writer)
            for name, path, writer in task.outputs
        ),
    )


def clear_staged(work: Path) -> None:
    """Remove what an earlier build left waiting for the gate."""
    shutil.rmtree(work / STAGED, ignore_errors=True)


def publish(gate: Gate, outcome: ReportOutcome, task: RenderTask, out: Path) -> bool:
    """Check a staged report; move it into ``out`` when it passes, else hold it back.

    Returns True when the report was published. A report held back is removed from the
    work area and from ``out`` (an earlier version of it is not left to be sent).
    """
    html = Path(task.html)
    beside = {o.suffix: o for o in OUTPUTS.values()}
    files = [html, *(html.with_suffix(suffix) for suffix in beside)]
    scanned = [f for f in files if f.suffix not in beside or beside[f.suffix].scanned]
    problems = gate.check(outcome.id, outcome.kind, scanned)
    if problems:
        for f in files:
            f.unlink(missing_ok=True)
        _hold(gate, outcome, problems, out)
        return False
    for f in files:
        target = out / paths.beside(outcome.html, f.suffix)
        if f.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(f, target)
        elif f.suffix not in beside or beside[f.suffix].writer:
            target.unlink(missing_ok=True)  # not written this time: none from before either
    return True


def _hold(gate: Gate, outcome: ReportOutcome, problems: list[str], out: Path) -> None:
    """Mark a report held back, with the words the index may show; remove it from ``out``."""
    outcome.status = HELD
    outcome.error = gate.message(outcome.id, problems)
    outcome.pdf = None
    remove_report(out, outcome.html)


def staged_path(work: Path, rel_html: str, suffix: str) -> Path:
    """Where a file beside a report waits in the work area until the gate has checked it."""
    return work / STAGED / paths.beside(rel_html, suffix)


def publish_pdfs(
    gate: Gate | Callable[[], Gate],
    printed: list[tuple[ReportOutcome, Path]],
    out: Path,
) -> tuple[list[Path], list[str]]:
    """Check each PDF printed into the work area; move those that pass beside their page.

    A report whose PDF fails is held back whole (its page and workbook are removed from
    ``out`` too), and its PDF never reaches ``out``. ``gate`` may be a function that makes
    the gate, called only when a PDF was printed. Without ``pypdf`` a PDF cannot be read,
    so none is sent out unchecked: they are removed and a note says why.

    Returns the PDFs moved into ``out`` and the notes for the build's summary.
    """
    printed = [(r, pdf) for r, pdf in printed if pdf.exists()]
    if not printed:
        return [], []
    try:
        import pypdf  # noqa: F401
    except ImportError:
        for _, pdf in printed:
            pdf.unlink(missing_ok=True)
        return [], [
            "The PDFs were not sent out: they cannot be checked without the pypdf package "
            "(pip install pypdf)."
        ]
    gate = gate if isinstance(gate, Gate) else gate()
    sent = []
    for r, pdf in printed:
        problems = gate.check(r.id, r.kind, [pdf])
        if problems:
            pdf.unlink(missing_ok=True)
            _hold(gate, r, problems, out)
            continue
        target = out / paths.beside(r.html, pdf.suffix)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(pdf, target)
        sent.append(target)
    return sent, []
