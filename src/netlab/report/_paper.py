"""What a printed report leaves off: a folded table prints its first rows and says how
many more the HTML report and its workbook hold (``netlab.css`` hides the rest in print)."""

from __future__ import annotations

#: A folded table prints its first rows (and the report's own), then says how many more.
PAPER_ROWS = 8


def paper_rows(rows: list[tuple[bool, str]], *, folded: bool) -> tuple[list[str], str, int]:
    """Each row's ``<tr`` with its classes, and the printed line for the rows left off.

    ``rows`` holds (the report's own unit?, the row after ``<tr``). A folded table longer
    than :data:`PAPER_ROWS` (plus a few) prints its first rows and the highlighted ones;
    the others are marked ``netlab-paper-more`` (hidden in print) and a line says how many
    more are in the HTML report and its workbook.

    Returns
    -------
    tuple of (list of str, str, int)
        The rows, the printed line (empty when none is left off) and how many are.
    """
    cut = folded and len(rows) > PAPER_ROWS + 3
    out, more = [], 0
    for i, (mine, row) in enumerate(rows):
        classes = ["netlab-focal"] if mine else []
        if cut and i >= PAPER_ROWS and not mine:
            classes.append("netlab-paper-more")
            more += 1
        out.append(f'<tr class="{" ".join(classes)}"{row}' if classes else f"<tr{row}")
    rest = (
        f'<p class="netlab-paper-rest">… and {more} more rows in the HTML report and its '
        "workbook.</p>"
        if more
        else ""
    )
    return out, rest, more
