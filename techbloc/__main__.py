"""``python -m techbloc``: the techbloc command."""

import sys

from techbloc.sim.cli import main

if __name__ == "__main__":
    sys.exit(main())
