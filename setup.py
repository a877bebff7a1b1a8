"""The build step that puts the report notebooks and templates inside the package.

The project keeps one copy of them, at the top level (``notebooks/``, ``templates/``), where
a checkout's users open and edit them. A wheel carries that copy under
``netlab/_shipped/``, so an installed netlab builds reports without a checkout
(:func:`netlab.paths.shipped_dir`). Everything else is in ``pyproject.toml``.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SHIPPED = ("notebooks", "templates")


class BuildWithReports(build_py):
    """``build_py``, then copy the notebooks and templates into ``netlab/_shipped``."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads them from the checkout itself
        for name in SHIPPED:
            source = HERE / name
            if not source.is_dir():
                raise SystemExit(f"netlab's build needs the {name}/ folder beside setup.py")
            target = Path(self.build_lib) / "netlab" / "_shipped" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(
                source,
                target,
                ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc"),
            )


setup(cmdclass={"build_py": BuildWithReports})
