"""The papermill engine ``"netlab"``: notebook cells run in this process's IPython shell.

papermill finds it through the ``papermill.engine`` entry point, which it loads while
it is itself being imported; so this module imports nothing of netlab at import time.
"""

from __future__ import annotations

from papermill.engines import Engine, papermill_engines

__all__ = ["ENGINE_NAME", "InProcessEngine"]

#: The engine's name for ``papermill.execute_notebook(..., engine_name=ENGINE_NAME)``.
ENGINE_NAME = "netlab"


class InProcessEngine(Engine):
    """A papermill engine running cells in this process's IPython shell.

    Outputs (streams, displays, results, errors) are recorded as a kernel would record
    them, so the executed notebook looks like one papermill wrote with a kernel. Use it
    only in a process made for one notebook (a forked child): the namespace is not reset.
    """

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
        from netlab.batch._engine import _run_cell, _shell

        shell = _shell()
        for index, cell in enumerate(nb_man.nb.cells):
            nb_man.cell_start(cell, index)
            ok = cell.cell_type != "code" or _run_cell(shell, cell)
            if not ok:
                nb_man.cell_exception(cell, index)
                nb_man.cell_complete(cell, index)
                break
            nb_man.cell_complete(cell, index)


# Registered for papermill through the "papermill.engine" entry point (pyproject.toml); the
# line below also registers it in a process whose papermill predates the installation.
papermill_engines.register(ENGINE_NAME, InProcessEngine)
