"""Make OpenEye's pipeline importable here without Home Assistant, as a worker does.

Imported by the benchmark scripts next to it before they import the pipeline
(not run by itself). Importing ``custom_components.openeye.pipeline`` normally
runs the integration's ``__init__``, which imports Home Assistant; this loads
``bootstrap.py`` and registers the same bare parent packages that a worker
registers, so the figures measured here are a worker's.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
import sys

ROOT = Path(__file__).resolve().parents[1]
BOOTSTRAP = ROOT / "custom_components" / "openeye" / "pipeline" / "bootstrap.py"


def _install() -> None:
    """Register the package stubs that workers use."""
    spec = importlib.util.spec_from_file_location("openeye_bootstrap", BOOTSTRAP)
    assert spec is not None
    assert spec.loader is not None
    bootstrap = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bootstrap)
    sys.path.insert(0, str(ROOT))
    bootstrap.install_package_stubs()


_install()
