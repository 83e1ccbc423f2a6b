r"""Run one benchmark on an earlier commit of OpenEye and on this checkout, one after the other.

Run from the project root, with the benchmarks' environment (benchmarks/make_venv.sh):

    .venv-bench/bin/python benchmarks/compare_versions.py --old 340ea7b pipeline_vs_naive.py
    .venv-bench/bin/python benchmarks/compare_versions.py --old 340ea7b --rounds 2 \
        worker_topology.py -- --seconds 15

The earlier commit is checked out with ``git worktree`` beside the project
(so that its scripts find ``../shared/media`` as this checkout's do) and
removed afterwards. Each round runs the earlier version's copy of the script,
then this checkout's, with the same interpreter and arguments; with more than
one round the order alternates, so that a machine that gets busier or quieter
over the run does not favour one side. It prints each run's output under a
heading, and nothing else: the figures to compare are the scripts' own.
"""

from __future__ import annotations

import argparse
from pathlib import Path
import subprocess
import sys
import time

ROOT = Path(__file__).resolve().parents[1]


def run_script(tree: Path, script: str, arguments: list[str]) -> str:
    """Run ``benchmarks/<script>`` of a source tree with its arguments; return its output."""
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603 - this interpreter and the project's own scripts
        [sys.executable, str(tree / "benchmarks" / script), *arguments],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    status = "" if result.returncode == 0 else f", exit status {result.returncode}"
    tail = result.stderr[-2000:] if result.returncode else ""
    return f"{result.stdout}{tail}\n[{elapsed:.0f} s{status}]"


def main() -> None:
    """Check the earlier commit out, run the benchmark on both trees, print, clean up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", required=True, help="the earlier commit (any git revision)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of both runs (default 1)")
    parser.add_argument("script", help="a script in benchmarks/, e.g. worker_topology.py")
    parser.add_argument("arguments", nargs="*", help="arguments for the script, after --")
    args = parser.parse_args()
    commit = subprocess.run(  # noqa: S603 - git with fixed arguments
        ["git", "rev-parse", "--short", args.old],  # noqa: S607 - git from PATH
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    old_tree = ROOT.parent / f".openeye-benchmark-{commit}"
    subprocess.run(  # noqa: S603 - git with fixed arguments
        ["git", "worktree", "add", "--detach", "--force", str(old_tree), commit],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    sides = [(f"earlier version ({commit})", old_tree), ("this checkout", ROOT)]
    try:
        for round_number in range(args.rounds):
            order = sides if round_number % 2 == 0 else sides[::-1]
            for name, tree in order:
                print(f"===== round {round_number + 1}: {name}: {args.script}", flush=True)
                print(run_script(tree, args.script, args.arguments), flush=True)
    finally:
        subprocess.run(  # noqa: S603 - git with fixed arguments
            ["git", "worktree", "remove", "--force", str(old_tree)],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            check=False,
        )


if __name__ == "__main__":
    main()
