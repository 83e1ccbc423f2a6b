"""Run the remote worker's command with the tests' JSON codec, without Home Assistant.

``python tests/pipeline/run_remote_worker.py worker --broker URL --name NAME ...``
is ``python -m custom_components.openeye.pipeline worker ...`` with
:class:`tests.pipeline.test_remote_worker.JsonTestCodec` in place of the wire
format, started the way the pool starts its workers (bootstrap.py's stubs,
so that the integration's ``__init__`` and Home Assistant stay out).
"""

from __future__ import annotations

from pathlib import Path
import sys

ROOT = Path(__file__).resolve().parents[2]
PIPELINE = ROOT / "custom_components" / "openeye" / "pipeline"


def main() -> int:
    """Install the package stubs, then run the command line with the test codec."""
    sys.path[:1] = [str(ROOT), str(PIPELINE)]
    import bootstrap  # noqa: PLC0415 - importable only once the pipeline folder is on the path

    sys.path.remove(str(PIPELINE))
    bootstrap.install_package_stubs()
    from custom_components.openeye.pipeline import cli  # noqa: PLC0415 - after the stubs
    from tests.pipeline.test_remote_worker import JsonTestCodec  # noqa: PLC0415 - after the stubs

    return cli.main(sys.argv[1:], codec=JsonTestCodec())


if __name__ == "__main__":
    sys.exit(main())
