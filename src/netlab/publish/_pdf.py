"""The PDF sent out beside each report: its page printed by Chromium.

The same HTML printed with the report's print styles, folded detail opened, a footer with
the title and page numbers on every page. One browser prints every report of a build.

A machine without Chromium gets a message naming what to install or which parameter turns
PDFs off; the HTML and workbooks are written either way.
"""

from __future__ import annotations

import html as _html
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netlab.publish._loop import loop_running, off_the_loop

__all__ = ["PdfOutcome", "find_chromium", "print_pdfs"]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def find_chromium() -> str | None:
    """The Chromium to print with: ``$NETLAB_CHROMIUM``, else Debian's, else one on PATH.

    Returns
    -------
    str or None
        The browser's path; None when none is found (or ``$NETLAB_CHROMIUM`` names no file).
    """
    given = os.environ.get("NETLAB_CHROMIUM")
    if given:
        return given if Path(given).exists() else None
    for candidate in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(candidate) if "/" not in candidate else candidate
        if found and Path(found).exists():
            return found
    return None


@dataclass
class PdfOutcome:
    """What printing a build's reports gave: files written, failures, and a message."""

    written: list[Path] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    message: str | None = None
    seconds: float = 0.0


NO_CHROMIUM = (
    "PDFs were not written: no Chromium browser was found (looked for $NETLAB_CHROMIUM, "
    "/usr/bin/chromium and chromium, chromium-browser or google-chrome on the PATH). The HTML "
    "reports and workbooks are complete. To print PDFs, install Debian's chromium "
    "(`make browser`, or `sudo apt-get install chromium`) or point NETLAB_CHROMIUM at a "
    "Chromium or Chrome; to stop asking, set `pdf: false` in the run's parameters."
)
NO_PLAYWRIGHT = (
    "PDFs were not written: the Python package playwright is not installed (it drives "
    'Chromium). Install netlab\'s pdf extra (`pip install "netlab[pdf]"`; in a checkout '
    "`make setup`), or set `pdf: false` in the run's parameters."
)

_FOOTER = (
    '<div style="font-size:7pt;color:#52606d;width:100%;padding:0 1.5cm;'
    'display:flex;justify-content:space-between;font-family:Arial,sans-serif">'
    '<span>{title}</span><span>page <span class="pageNumber"></span> of '
    '<span class="totalPages"></span></span></div>'
)


#: Paper sizes (CSS pixels, 96 per inch) and the margins the PDFs are printed with.
_PAPER = {"Letter": (816, 1056), "A4": (794, 1123)}
_MARGIN = {"top": "1.2cm", "bottom": "1.4cm", "left": "1.5cm", "right": "1.5cm"}
_CM = 96 / 2.54


def _fit_scale(page: Any, paper: str) -> float:
    """The print scale (0.8 to 1) that keeps a page meant for one sheet on one sheet."""
    width, height = _PAPER.get(paper, _PAPER["Letter"])
    inner_w = width - 3.0 * _CM
    inner_h = height - 2.6 * _CM
    page.set_viewport_size({"width": int(inner_w), "height": int(inner_h)})
    page.emulate_media(media="print")
    tall = float(page.evaluate("document.documentElement.scrollHeight"))
    page.emulate_media(media="null")  # back to what printing uses
    return 1.0 if tall <= inner_h else max(0.8, inner_h / tall * 0.98)


def print_pdfs(
    jobs: Sequence[tuple],
    *,
    chromium: str | None = None,
    paper: str = "Letter",
) -> PdfOutcome:
    """Print HTML reports to PDF with one Chromium, each with its print styles.

    Parameters
    ----------
    jobs : sequence of (html path, pdf path[, one page])
        What to print, and where; a third item True asks for one sheet (a live-case brief
        a little too long is printed slightly smaller, down to 80%).
    chromium : str, optional
        The browser's executable (default: :func:`find_chromium`).
    paper : str
        Paper format ("Letter", "A4"). From a running event loop (a Jupyter kernel)
        the printing runs in a thread of its own.

    Returns
    -------
    PdfOutcome
        ``message`` is set (nothing written) without Chromium or playwright; a report
        that cannot be printed is in ``failed``, the others are printed.
    """
    if loop_running():  # a Jupyter kernel: the sync API needs a thread of its own
        return off_the_loop(print_pdfs, jobs, chromium=chromium, paper=paper)
    started, out = time.perf_counter(), PdfOutcome()
    if not jobs:
        return out
    exe = chromium or find_chromium()
    if exe is None:
        out.message = NO_CHROMIUM
        return out
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        out.message = NO_PLAYWRIGHT
        return out
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
            page = browser.new_page()
            for job in jobs:
                try:
                    out.written.append(_print_one(page, job, paper))
                except PlaywrightError as err:
                    out.failed[str(job[0])] = str(err).splitlines()[0]
            browser.close()
    except PlaywrightError as err:
        out.message = (
            f"PDFs were not written: Chromium ({exe}) could not be started: "
            f"{str(err).splitlines()[0]}. Set NETLAB_CHROMIUM to a working Chromium, or "
            "`pdf: false` in the run's parameters."
        )
    out.seconds = time.perf_counter() - started
    return out


def _print_one(page: Any, job: Sequence, paper: str) -> Path:
    """Print one report with an open browser page; the PDF written."""
    source, target = job[0], Path(job[1])
    one_page = bool(job[2]) if len(job) > 2 else False
    page.goto(Path(source).resolve().as_uri(), wait_until="load")
    scale = _fit_scale(page, paper) if one_page else 1.0
    page.evaluate(
        "document.querySelectorAll('details:not(.netlab-paper-folded)')"
        ".forEach(d => d.open = true)"
    )
    title = page.evaluate("(document.querySelector('h1') || document).textContent || ''")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    target.parent.mkdir(parents=True, exist_ok=True)
    page.pdf(
        path=str(tmp),
        format=paper,
        print_background=True,
        display_header_footer=True,
        header_template="<span></span>",
        footer_template=_FOOTER.format(title=_html.escape(title.strip())),
        margin=_MARGIN,
        scale=scale,
    )
    os.replace(tmp, target)
    return target
