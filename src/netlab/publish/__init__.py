"""What is sent out once a report's notebook has rendered: the files beside each report.

Workbooks of each report's tables, PDF prints, the run's index page, the build's
manifest, and the last good reports kept while a build runs and after it fails.

The face of the package: import from here, not from its private modules.
"""

from netlab.publish._files import (
    atomic_write,
)
from netlab.publish._index import (
    index_page,
    write_index,
)
from netlab.publish._lastgood import (
    KEPT,
    LAST_GOOD,
    MANIFEST,
    file_sha256,
    hold_last_good,
    keep_last_good,
    previous_manifest,
    remove_report,
    remove_temporary_files,
)
from netlab.publish._loop import (
    loop_running,
    off_the_loop,
)
from netlab.publish._manifest import (
    write_manifest,
)
from netlab.publish._pdf import (
    PdfOutcome,
    find_chromium,
    print_pdfs,
)
from netlab.publish._registry import (
    OUTPUTS,
    Output,
    get_output,
    outputs_on,
    register_output,
    suffixes,
    write_output,
)
from netlab.publish._unsent import (
    is_sent,
    why_unsent,
)
from netlab.publish._workbook import (
    COUNTS_SHEET,
    Table,
    cell_value,
    html_tables,
    notebook_tables,
    workbook_of_notebook,
    write_workbook,
)

__all__ = [
    "COUNTS_SHEET",
    "KEPT",
    "LAST_GOOD",
    "MANIFEST",
    "OUTPUTS",
    "Output",
    "PdfOutcome",
    "Table",
    "atomic_write",
    "cell_value",
    "file_sha256",
    "find_chromium",
    "get_output",
    "hold_last_good",
    "html_tables",
    "index_page",
    "is_sent",
    "keep_last_good",
    "loop_running",
    "notebook_tables",
    "off_the_loop",
    "outputs_on",
    "previous_manifest",
    "print_pdfs",
    "register_output",
    "remove_report",
    "remove_temporary_files",
    "suffixes",
    "why_unsent",
    "workbook_of_notebook",
    "write_index",
    "write_manifest",
    "write_output",
    "write_workbook",
]
