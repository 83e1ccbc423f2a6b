"""Run the pipeline's command line: ``python -m custom_components.openeye.pipeline scan``."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
