"""scripts/develop refuses a port it cannot use at once, in one clear line."""

from __future__ import annotations

from pathlib import Path
import socket
import subprocess

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "develop"


def run(*arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run scripts/develop with arguments (it stops before installing anything here)."""
    return subprocess.run(
        [str(SCRIPT), *arguments], capture_output=True, text=True, timeout=30, check=False, env=env
    )


def test_a_port_in_use_is_refused_before_anything_starts(socket_enabled: None) -> None:
    """With the port taken, the script says so and suggests another, instead of hanging."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for result in (run("--port", str(port)), run(f"--port={port}")):
            assert result.returncode == 1
            assert result.stderr.strip() == (
                f"scripts/develop: port {port} on 127.0.0.1 is in use; choose another, "
                f"e.g. scripts/develop --port {port + 1}"
            )
            assert result.stdout == ""


def test_the_port_can_come_from_the_environment(socket_enabled: None) -> None:
    """OPENEYE_PORT chooses the port as --port does."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(env={"PATH": "/usr/bin:/bin", "OPENEYE_PORT": str(port)})
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is in use" in result.stderr


@pytest.mark.parametrize("arguments", [("--port", "http"), ("--port", "0"), ("--port", "70000")])
def test_a_port_that_is_no_port_is_refused(arguments: tuple[str, ...]) -> None:
    """A port must be a number from 1 to 65535."""
    result = run(*arguments)
    assert result.returncode == 2
    assert "the port must be a number from 1 to 65535" in result.stderr


def test_unknown_arguments_are_refused() -> None:
    """An argument the script does not know is named."""
    result = run("--prot", "8124")
    assert result.returncode == 2
    assert result.stderr.strip() == "scripts/develop: unknown argument --prot (try --port N)"
