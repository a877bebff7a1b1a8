"""``python -m netlab``: the same as the ``netlab`` command."""

import sys

from netlab.cli import command

if __name__ == "__main__":
    sys.exit(command())
