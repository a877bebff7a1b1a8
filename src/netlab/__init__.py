"""netlab: learn from variation across a network of schools that improve together."""

from netlab._version import __version__
from netlab.load import load

__all__ = ["__version__", "load"]
