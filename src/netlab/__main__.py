"""``python -m netlab``: the same as the ``netlab`` command."""

import sys

from netlab.cli import main

if __name__ == "__main__":
    sys.exit(main())
