"""Import boundaries: the pipeline never imports Home Assistant, and nothing imports OpenCV."""

from __future__ import annotations

import ast
from pathlib import Path
import subprocess
import sys

INTEGRATION = Path(__file__).resolve().parents[2] / "custom_components" / "openeye"
PIPELINE = INTEGRATION / "pipeline"


def _imported_modules(path: Path) -> set[str]:
    """Return every module that a source file imports, at any depth of its code."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level > 1:
            # Two dots or more leave the pipeline package: that is the integration.
            names.add("." * node.level + (node.module or ""))
    return names


def test_no_pipeline_module_imports_home_assistant() -> None:
    """Walk every module of the pipeline and fail on a homeassistant or parent import."""
    modules = sorted(PIPELINE.rglob("*.py"))
    assert len(modules) >= 2
    offenders = {
        str(path.relative_to(PIPELINE)): sorted(
            name
            for name in _imported_modules(path)
            if name.split(".")[0] == "homeassistant" or name.startswith("..")
        )
        for path in modules
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_nothing_imports_opencv() -> None:
    """OpenCV has no build for Home Assistant OS and Container (musl): no module may import it.

    Frames are decoded with PyAV, pictures handled with numpy and Pillow,
    which every Home Assistant installation has.
    """
    modules = sorted(INTEGRATION.rglob("*.py"))
    assert PIPELINE / "sources.py" in modules
    offenders = {
        str(path.relative_to(INTEGRATION)): sorted(
            name for name in _imported_modules(path) if name.split(".")[0] == "cv2"
        )
        for path in modules
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def _import_every_pipeline_module(before: str, after: str) -> subprocess.CompletedProcess[str]:
    """Import every pipeline module in a fresh interpreter, as a worker starts.

    The same stubs that start worker processes keep the integration's
    __init__ (which does import Home Assistant) out of the interpreter.
    ``before`` runs first, ``after`` once everything is imported.
    """
    names = [
        "custom_components.openeye.pipeline."
        + ".".join(path.relative_to(PIPELINE).with_suffix("").parts)
        for path in sorted(PIPELINE.rglob("*.py"))
        if path.name not in {"__init__.py", "__main__.py"}
    ]
    bootstrap = str(PIPELINE / "bootstrap.py")
    code = (
        "import importlib, importlib.util, sys\n"
        f"{before}\n"
        f"spec = importlib.util.spec_from_file_location('bootstrap', {bootstrap!r})\n"
        "bootstrap = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(bootstrap)\n"
        "bootstrap.install_package_stubs()\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        f"{after}\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PIPELINE.parents[2],
        capture_output=True,
        text=True,
        check=False,
    )


def test_pipeline_imports_without_home_assistant_loaded() -> None:
    """Importing every pipeline module in a fresh interpreter loads no homeassistant module."""
    output = _import_every_pipeline_module(
        "",
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'homeassistant', 'cv2'}))",
    )
    assert output.returncode == 0, output.stderr
    assert output.stdout.strip() == "[]"


def test_pipeline_imports_without_paho_mqtt_installed() -> None:
    """Every pipeline module imports where paho-mqtt is missing: only a remote worker needs it.

    Home Assistant installs paho-mqtt only with its MQTT integration, and the
    scan command and the local workers must run without it. ``paho`` set to
    None in ``sys.modules`` makes any import of it fail, as if not installed.
    """
    output = _import_every_pipeline_module("sys.modules['paho'] = None", "print('imported')")
    assert output.stdout.strip() == "imported", output.stderr
