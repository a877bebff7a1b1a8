"""Faces that load lazily: a subpackage or a name is imported when it is first used.

``import netlab`` then costs almost nothing; ``netlab.report`` imports the report package
(and its pandas, matplotlib, statsmodels) only when a program touches it (PEP 562).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping


def attach(
    package: str,
    *,
    submodules: Iterable[str] = (),
    names: Mapping[str, str] | None = None,
) -> tuple[Callable[[str], object], Callable[[], list[str]], list[str]]:
    """Return ``__getattr__``, ``__dir__`` and ``__all__`` for a lazy package face.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    submodules : iterable of str
        Subpackages and modules loaded on first use (``netlab.report``).
    names : mapping of str to str, optional
        Public name → module (relative to ``package``) that defines it.

    Returns
    -------
    tuple
        ``(__getattr__, __dir__, __all__)``, to assign at the package's module level.
    """
    submodules = set(submodules)
    names = dict(names or {})
    public = sorted(submodules | set(names))

    def __getattr__(name: str) -> object:
        import sys

        module = sys.modules[package]
        if name in submodules:
            value = importlib.import_module(f"{package}.{name}")
        elif name in names:
            value = getattr(importlib.import_module(f"{package}.{names[name]}"), name)
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(module, name, value)  # later uses skip this function
        return value

    def __dir__() -> list[str]:
        import sys

        return sorted(set(public) | set(vars(sys.modules[package])))

    return __getattr__, __dir__, public
