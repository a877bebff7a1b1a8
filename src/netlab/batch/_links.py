"""The network report links only the live-case briefs this build sent out.

A brief renders, is checked and is printed beside the network report, so the network page
is written (and may be printed) before its briefs' outcomes are known. Once they are, each
link to a brief that failed or was held back is replaced with why, in the index's words,
and a link to a brief sent out again is put back (:func:`relink_pages`). A page that changed
loses its PDF, which printed the page as it was: it is printed again from the mended page
(:func:`reprint`), so no print links a brief that is not there either.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from netlab import paths
from netlab.batch._gate import staged_path
from netlab.batch._result import ReportOutcome
from netlab.publish import (
    PdfOutcome,
    atomic_write,
    file_sha256,
    get_output,
    is_sent,
    why_unsent,
)
from netlab.report import relink_briefs

PDF = get_output("pdf")

#: The reports whose pages link briefs.
LINKING = ("network",)


def _why(report: ReportOutcome, briefs: dict[str, ReportOutcome], out: Path):
    """For a page, why a brief it links is not sent out (None when it is)."""
    here = posixpath.dirname(report.html)

    def why(rel: str) -> str | None:
        where = posixpath.normpath(posixpath.join(here, rel))  # as the build names it
        brief = briefs.get(where)
        if brief is not None and is_sent(brief) and (out / where).exists():
            return None
        return why_unsent(brief.status if brief is not None else None)

    return why


def relink_pages(reports: list[ReportOutcome], out: Path) -> list[ReportOutcome]:
    """Link, on each page sent out that links briefs, only the briefs sent out.

    Parameters
    ----------
    reports : list of ReportOutcome
        Every report of the build, with its outcome so far (a brief that failed or was
        held back says so). A page that changed gets its new checksum, and loses its PDF
        (in ``out`` and as ``pdf``): that printed the page as it was.
    out : Path
        The run's reports folder.

    Returns
    -------
    list of ReportOutcome
        The reports whose page changed.
    """
    briefs = {r.html: r for r in reports if r.kind == "livecase"}
    changed = []
    for r in reports:
        page = out / r.html
        if r.kind not in LINKING or not is_sent(r) or not page.exists():
            continue
        text = page.read_text(encoding="utf-8")
        mended = relink_briefs(text, _why(r, briefs, out))
        if mended == text:
            continue
        atomic_write(page, mended)  # a new file: a last good copy linked to the old keeps it
        r.sha256 = file_sha256(page)
        (out / paths.beside(r.html, PDF.suffix)).unlink(missing_ok=True)
        r.pdf = None
        changed.append(r)
    return changed


def reprint(
    changed: list[ReportOutcome], out: Path, work: Path
) -> tuple[list[tuple[ReportOutcome, Path]], PdfOutcome]:
    """Print again, into the work area, the pages :func:`relink_pages` changed.

    Parameters
    ----------
    changed : list of ReportOutcome
        The reports whose page changed after it was printed.
    out : Path
        The run's reports folder.
    work : Path
        The run's private work area, where the prints wait for the publish gate.

    Returns
    -------
    tuple of (list of (ReportOutcome, Path), PdfOutcome)
        Each report with where its print waits for the gate, and what printing did.
    """
    from netlab.publish import print_pdfs  # looked up when called: a test may stand in

    staging = [(r, staged_path(work, r.html, PDF.suffix)) for r in changed]
    if not staging:
        return [], PdfOutcome()
    for _, pdf in staging:
        pdf.unlink(missing_ok=True)  # the print of the page before it was mended
    return staging, print_pdfs([(out / r.html, pdf, False) for r, pdf in staging])


def print_notes(got: PdfOutcome) -> list[str]:
    """What the build's summary says of one printing.

    Parameters
    ----------
    got : PdfOutcome
        What :func:`netlab.publish.print_pdfs` did.

    Returns
    -------
    list of str
        Why nothing was printed (no browser), and each print that failed, with why.
    """
    notes = [got.message] if got.message else []
    return notes + [
        f"The PDF of {Path(s).name} was not written: {why}" for s, why in got.failed.items()
    ]
