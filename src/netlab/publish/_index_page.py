"""The index page around its body: head, styles, header, footer and the page's script."""

from __future__ import annotations

import datetime as dt
import html
from typing import TYPE_CHECKING, Any

from netlab import paths, reasons
from netlab._version import __version__
from netlab.publish._index_script import SCRIPT as _SCRIPT

if TYPE_CHECKING:
    from netlab.params import RunParams

_E = html.escape


def _css() -> str:
    path = paths.templates_dir() / "netlab" / "static" / "netlab.css"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def page(result: Any, params: RunParams, body: list[str], as_of: Any) -> str:
    """The whole index page around its body.

    Parameters
    ----------
    result : Any
        The build's result (:class:`netlab.batch.BuildResult`): its reports and failures.
    params : RunParams
        The run's parameters (the network's name, its term).
    body : list of str
        The page's HTML blocks, in order.
    as_of : date or None
        The run's date, said in the header ("data as of …").

    Returns
    -------
    str
        The page's HTML: head and styles, header, body, footer and the sorting script.
    """
    n_held = sum(r.status == "held" for r in result.reports)
    n_fail = f"{len(result.failures) - n_held} failed" + (
        f", {n_held} held back by the privacy check" if n_held else ""
    )
    built = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{_E(params.network)}: the network at a glance</title>
<style>
{_css()}
</style>
</head>
<body class="netlab-report netlab-index-page">
<header class="netlab-header">
<p class="netlab-kicker">{_E(params.network)}{" &middot; " + _E(params.term) if params.term else ""}{" &middot; data as of " + _E(reasons.said_date(as_of)) if as_of else ""}</p>
<h1 class="netlab-title">The network at a glance</h1>
<p class="netlab-subtitle">{len(result.reports)} reports; {n_fail}. Built {_E(built)}.</p>
</header>
<main>
{chr(10).join(body)}
</main>
<footer class="netlab-footer"><p>Made by netlab {_E(__version__)}. Each report is one
self-contained file, with its tables beside it as a workbook (xlsx) and its print as a PDF.
Patterns here track with results; they do not show what causes them.</p></footer>
<script>{_SCRIPT}</script>
</body>
</html>
"""
