"""python -m perfdash: the command line lives in perfdash.cli (one module per command)."""

import sys

from perfdash.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
