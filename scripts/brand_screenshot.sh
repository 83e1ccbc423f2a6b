#!/usr/bin/env bash
# Screenshots of OpenEye's brand images (custom_components/openeye/brand/) as a
# real Home Assistant shows them, in headless Chromium, into artifacts/brand/.
#
#   scripts/brand_screenshot.sh [newest|host]
#
# newest (the default): the Home Assistant of the newest lane's Debian sid root
#   (.newest/root, which scripts/test's newest lane builds; OPENEYE_NEWEST_ROOT
#   may name another checkout's root, e.g. ../newest/.newest/root). Home
#   Assistant 2026.3 and later serve a custom integration's brand/ folder at
#   /api/brands/integration/<domain>/<image>, and their frontend asks there.
# host: .venv/bin/hass (Home Assistant 2025.4.4), which does not: its frontend
#   asks brands.home-assistant.io, which has no OpenEye (nor, offline, answers).
#
# Home Assistant runs in a temporary configuration folder with a copy of
# OpenEye (nothing is written into the checkout), on a free port of 127.0.0.1,
# with --skip-pip (nothing is installed into its virtual environment). The
# owner is created through the onboarding API and OpenEye's entry through its
# config flow; scripts/brand_screenshot.mjs then fetches every brand URL
# (status, bytes against the files), logs in through the login page and takes
# the screenshots, light and dark (-dark.png), named after the version:
#   ha<version>-integrations.png, -integrations-card.png  Settings > Devices & services
#   ha<version>-integration-page.png, -integration-page-icon.png
#                                  /config/integrations/integration/openeye
#   ha<version>-add-integration.png  the Add integration dialog, searched for OpenEye
#   ha<version>-brand-urls.png     every /api/brands/integration/openeye/ image as served
#   ha<version>-checks.json        the URL checks, and each <img> of OpenEye's brand
#                                  the pages showed: address, loaded or not, sizes
# In the root, the frontend needs assist_pipeline's requirements, which the lane
# lacks: see ensure_assist_requirements (g++ and the Python headers are
# installed in the root the first time). Needs root (or sudo) for the chroot
# and its mounts, Debian's chromium and npm's playwright-core (npm ci). A root
# mounted by another run (scripts/test) is used and left mounted. Every
# process, mount and folder it makes is gone when it ends, whichever way.
# About 30 s a run once the root has its compiler.
set -euo pipefail
source "$(dirname "$0")/common.sh"
source "$ROOT/scripts/newest.sh"
cd "$ROOT"
STARTED=$SECONDS

MODE="${1:-newest}"
case "$MODE" in
  newest | host) ;;
  *)
    echo "usage: $0 [newest|host]" >&2
    exit 2
    ;;
esac
if [ -n "${OPENEYE_NEWEST_ROOT:-}" ]; then
  NEWEST_ROOT="$(cd "$OPENEYE_NEWEST_ROOT" && pwd)"
  NEWEST_READY="$NEWEST_ROOT/.openeye-root-ready"
fi

ensure_debian_packages chromium
if [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
ARTIFACTS="$ROOT/artifacts/brand"
mkdir -p "$ARTIFACTS"
rm -f "$ARTIFACTS/hass.out" "$ARTIFACTS"/*-failure.png

WORK=""
HASS_PID=""
MOUNTED=""

# Stops Home Assistant (SIGTERM, as a user's stop; SIGKILL for its whole
# process group after a minute), then unmounts the root and removes the work
# folder.
cleanup() {
  local status=$? hass
  trap - EXIT INT TERM HUP
  if [ -n "$HASS_PID" ]; then
    hass="$(pgrep -g "$HASS_PID" -x hass || true)"
    [ -n "$hass" ] && kill -TERM $hass 2>/dev/null
    for _ in $(seq 1 120); do
      pgrep -g "$HASS_PID" >/dev/null || break
      sleep 0.5
    done
    if pgrep -g "$HASS_PID" >/dev/null; then
      say "Home Assistant did not stop within 60 s; killing its process group"
      kill -KILL -- "-$HASS_PID" 2>/dev/null || true
    fi
    wait "$HASS_PID" 2>/dev/null || true
  fi
  if [ -n "$WORK" ]; then
    if [ "$status" -ne 0 ] && [ -f "$WORK/hass.out" ]; then
      cp "$WORK/hass.out" "$ARTIFACTS/hass.out"
      say "Home Assistant's output is in artifacts/brand/hass.out"
    fi
    rm -rf --one-file-system "$WORK"
  fi
  [ -n "$MOUNTED" ] && unmount_newest_root
  say "scripts/brand_screenshot.sh took $((SECONDS - STARTED)) s"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Home Assistant's frontend waits for the descriptions of all actions, and
# Home Assistant 2026.10 builds them by importing assist_satellite, which imports
# assist_pipeline's requirements (pymicro-vad, pyspeex-noise). The newest lane's
# virtual environment lacks them, and they have no wheels for Python 3.14 at
# the versions Home Assistant pins: without them the frontend stays at
# "Loading...". They are built with the root's compiler (g++ and the Python
# headers, installed in the root once) into the work folder, on Home
# Assistant's PYTHONPATH for this run only (no pip cache either): the virtual
# environment and the root stay as they were, but for the compiler.
ensure_assist_requirements() {
  local manifest requirements python_dev missing=()
  if in_newest_root python -c "import pymicro_vad, pyspeex_noise" 2>/dev/null; then
    return
  fi
  manifest="$(echo "$NEWEST_ROOT$NEWEST_VENV"/lib/python3.*/site-packages/homeassistant/components/assist_pipeline/manifest.json)"
  read -r -a requirements < <(python3 -c 'import json, sys; print(*json.load(open(sys.argv[1]))["requirements"])' "$manifest")
  python_dev="$(in_newest_root python -c 'import sys; print("python%d.%d-dev" % sys.version_info[:2])')"
  for package in g++ "$python_dev"; do
    in_newest_root dpkg-query -W -f='${Status}' "$package" 2>/dev/null \
      | grep -q "install ok installed" || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "Installing in the root, to build ${requirements[*]}: ${missing[*]}"
    # The package lists debootstrap fetched are used first; when they are too
    # old, they are refreshed, even from a mirror whose Release file has
    # expired by this machine's clock (its signature is still checked).
    if ! in_newest_root env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends -o APT::Keep-Downloaded-Packages=false "${missing[@]}" >/dev/null; then
      in_newest_root apt-get -o Acquire::Check-Valid-Until=false update -qq >/dev/null
      in_newest_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends -o APT::Keep-Downloaded-Packages=false "${missing[@]}" >/dev/null
    fi
  fi
  say "Building ${requirements[*]} into the work folder"
  in_newest_root python -m pip install --quiet --no-cache-dir --no-deps --target "$SITE_SEEN" "${requirements[@]}"
}

if [ "$MODE" = newest ]; then
  if [ ! -x "$NEWEST_ROOT$NEWEST_VENV/bin/hass" ]; then
    echo "No Home Assistant in $NEWEST_ROOT$NEWEST_VENV: run scripts/test_newest once, or set OPENEYE_NEWEST_ROOT" >&2
    exit 1
  fi
  # A root that is mounted already belongs to another run (scripts/test's
  # newest lane): it is used as it is and left mounted for that run.
  mountpoint -q "$NEWEST_ROOT/proc" || MOUNTED=1
  # mount_newest_root sets a trap of its own; the one above unmounts as well.
  mount_newest_root
  trap cleanup EXIT
  trap 'exit 130' INT TERM HUP
  WORK="$(mktemp -d "$NEWEST_ROOT/tmp/openeye-brand-XXXXXX")"
  # The configuration folder as Home Assistant inside the root sees it.
  CONFIG_SEEN="${WORK#"$NEWEST_ROOT"}/config"
  SITE_SEEN="${WORK#"$NEWEST_ROOT"}/site"
  ensure_assist_requirements
else
  WORK="$(mktemp -d -t openeye-brand-XXXXXX)"
  CONFIG_SEEN="$WORK/config"
fi
CONFIG="$WORK/config"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
URL="http://127.0.0.1:$PORT"

mkdir -p "$CONFIG/custom_components"
# A copy, not a link: Home Assistant then writes nothing into the checkout.
cp -r "$ROOT/custom_components/openeye" "$CONFIG/custom_components/openeye"
find "$CONFIG/custom_components" -name __pycache__ -prune -exec rm -rf {} +
cat > "$CONFIG/configuration.yaml" <<YAML
# Written by scripts/brand_screenshot.sh: what the integrations pages need.
homeassistant:
  name: OpenEye brand check
  time_zone: UTC
frontend:
config:
api:
http:
  server_host: 127.0.0.1
  server_port: $PORT
logger:
  default: warning
YAML
# The onboarding's core_config step would set up (and pip-install) four
# integrations: it is recorded as done before the first start, as scripts/e2e does.
mkdir -p "$CONFIG/.storage"
cat > "$CONFIG/.storage/onboarding" <<JSON
{"version": 4, "minor_version": 1, "key": "onboarding", "data": {"done": ["core_config"]}}
JSON

say "Starting Home Assistant ($MODE) on $URL"
# In a session of its own, so that its process group (with OpenEye's worker
# processes) can be found and stopped.
if [ "$MODE" = newest ]; then
  export -f as_root in_newest_root
  export NEWEST_ROOT NEWEST_VENV
  setsid bash -c 'in_newest_root env PYTHONPATH="$1" hass -c "$0" --skip-pip' \
    "$CONFIG_SEEN" "${SITE_SEEN:-}" > "$WORK/hass.out" 2>&1 &
else
  setsid env PYTHONDONTWRITEBYTECODE=1 "$VENV/bin/hass" -c "$CONFIG_SEEN" --skip-pip \
    > "$WORK/hass.out" 2>&1 &
fi
HASS_PID=$!
for _ in $(seq 1 600); do
  code="$(curl -s -o /dev/null -w '%{http_code}' "$URL/auth/providers" || true)"
  [ "$code" = 200 ] || [ "$code" = 400 ] && break
  if ! kill -0 "$HASS_PID" 2>/dev/null; then
    tail -n 30 "$WORK/hass.out" >&2
    echo "Home Assistant exited while starting" >&2
    exit 1
  fi
  sleep 0.5
done
say "Home Assistant answers after $((SECONDS - STARTED)) s"

# TMPDIR: Playwright's own temporary files go to the work folder too.
TMPDIR="$WORK" BRAND_URL="$URL" BRAND_DIR="$ROOT/custom_components/openeye/brand" \
  BRAND_WORK="$WORK" BRAND_ARTIFACTS="$ARTIFACTS" \
  node scripts/brand_screenshot.mjs
if grep -q -E "ERROR|Traceback" "$WORK/hass.out"; then
  say "Home Assistant logged errors:"
  grep -E -A3 "ERROR|Traceback" "$WORK/hass.out" | head -n 60 >&2
fi
say "Screenshots in artifacts/brand/"
