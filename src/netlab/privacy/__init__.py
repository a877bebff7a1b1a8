"""Privacy rules for everything a report shows.

- **Small cells**: a count or rate resting on fewer than ``min_cell`` students is
  suppressed (:func:`too_small`, :func:`flag_small`, :func:`suppress`).
- **Complementary suppression**: where the cells of a block add up to a total that is
  shown (focal + rest = all; the schools of a network = the network), one suppressed cell
  could be recovered by subtraction, so a second one is suppressed (:func:`complementary`).
- **Peers unnamed**: a school's report names that school only; the others become
  "School A", "School B", ... unless the run allows naming peers (:func:`peer_labels`).
- **Checkable HTML**: report tables, figures and sentences carry the smallest number of
  students they rest on (``data-n`` / ``data-n-min``) and suppressed values are shown as
  :data:`MARKER`, so :func:`scan_html` can check a rendered report (and
  :func:`scan_xlsx`, :func:`scan_pdf` the files beside it).

The rule and suppression are in ``_suppress``, the labels in ``_labels``, the scans of
what a build wrote in ``_scan``.
"""

from netlab.privacy._labels import letters, peer_labels
from netlab.privacy._scan import COUNTS_SHEET, scan_html, scan_pdf, scan_xlsx
from netlab.privacy._suppress import (
    MARKER,
    WHY,
    complementary,
    flag_small,
    suppress,
    too_small,
    visible,
)

__all__ = [
    "COUNTS_SHEET",
    "MARKER",
    "WHY",
    "complementary",
    "flag_small",
    "too_small",
    "letters",
    "peer_labels",
    "scan_html",
    "scan_pdf",
    "scan_xlsx",
    "suppress",
    "visible",
]
