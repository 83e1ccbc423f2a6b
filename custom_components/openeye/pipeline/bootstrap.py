"""Start pipeline code in a fresh interpreter without importing Home Assistant.

The pipeline lives inside the integration's package, and importing
``custom_components.openeye.pipeline`` normally runs the integration's
``__init__``, which imports Home Assistant. A worker process needs none of it:
loading Home Assistant would cost every worker memory and a second of start-up.
So a worker is started as ``python bootstrap.py MODULE [ARGS]``: this file
registers the two parent packages as bare namespace modules, then runs the
pipeline module ``MODULE`` as ``__main__``. Classes keep their full dotted
names, so messages pickled by a worker unpickle in Home Assistant unchanged.
"""

from __future__ import annotations

from pathlib import Path
import runpy
import sys
import types

PIPELINE_DIR = Path(__file__).resolve().parent
PIPELINE_PACKAGE = "custom_components.openeye.pipeline"


def install_package_stubs() -> None:
    """Register ``custom_components`` and ``custom_components.openeye`` without running them."""
    integration_dir = PIPELINE_DIR.parent
    for name, path in (
        ("custom_components", integration_dir.parent),
        ("custom_components.openeye", integration_dir),
    ):
        if name in sys.modules:
            continue
        module = types.ModuleType(name)
        module.__path__ = [str(path)]
        module.__package__ = name
        sys.modules[name] = module


def main(argv: list[str]) -> None:
    """Run the pipeline module named by ``argv[0]`` with the remaining arguments."""
    # Running this file as a script puts the pipeline folder itself first on
    # sys.path, where its modules would shadow same-named top-level ones.
    if sys.path and Path(sys.path[0]).resolve() == PIPELINE_DIR:
        del sys.path[0]
    install_package_stubs()
    module = argv[0]
    sys.argv = [f"{PIPELINE_PACKAGE}.{module}", *argv[1:]]
    runpy.run_module(f"{PIPELINE_PACKAGE}.{module}", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
