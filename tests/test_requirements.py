"""The test environment runs the libraries at exactly the versions its Home Assistant pins.

OpenEye takes av, numpy, Pillow and PyTurboJPEG from Home Assistant instead of
pinning them (Home Assistant installs a custom integration's requirements
under its own ``package_constraints.txt``, and a differing pin fails). So the
tests must run with the versions that the Home Assistant under test pins, or
they would test a combination no user has.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
import re

import homeassistant

ROOT = Path(__file__).resolve().parents[1]
# The libraries OpenEye imports but leaves to Home Assistant to install.
FROM_HOME_ASSISTANT = ("av", "numpy", "Pillow", "PyTurboJPEG")
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)")


def pins(path: Path) -> dict[str, str]:
    """Return the exact pins of a requirements or constraints file, by normalised name."""
    found: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if match := PIN.match(line.strip()):
            found[normalise(match[1])] = match[2]
    return found


def normalise(name: str) -> str:
    """Return a distribution name as pip compares it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements_in_use() -> Path:
    """Return the requirements file that installed this environment (by its plugin's pin)."""
    plugin = metadata.version("pytest-homeassistant-custom-component")
    files = [
        path
        for path in sorted(ROOT.glob("requirements_test*.txt"))
        if pins(path).get("pytest-homeassistant-custom-component") == plugin
    ]
    assert len(files) == 1, f"no single requirements file pins the plugin {plugin}: {files}"
    return files[0]


def test_the_pins_are_those_of_the_home_assistant_under_test() -> None:
    """Each library OpenEye takes from Home Assistant is pinned and installed at its pin."""
    constraints = pins(Path(homeassistant.__file__).parent / "package_constraints.txt")
    ours = pins(requirements_in_use())
    for name in map(normalise, FROM_HOME_ASSISTANT):
        assert name in constraints, f"Home Assistant no longer pins {name}"
        assert ours.get(name) == constraints[name], name
        assert metadata.version(name) == constraints[name], name


def test_the_manifest_pins_nothing_home_assistant_pins() -> None:
    """No requirement of OpenEye's names a package that Home Assistant pins itself."""
    constraints = pins(Path(homeassistant.__file__).parent / "package_constraints.txt")
    runtime = pins(ROOT / "requirements.txt")
    assert runtime, "requirements.txt lists OpenEye's run-time requirements"
    assert set(runtime) & set(constraints) == set()
