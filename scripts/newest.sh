# The newest lane of scripts/test: OpenEye's suite against the newest Home
# Assistant, which needs a newer Python than the machine has. A Debian sid root
# with Python 3.14 is built once in the git-ignored .newest/root and reused; the
# project is bind-mounted into it at /project and pytest runs there with the
# root's own virtual environment, filled from requirements_test_newest.txt.
# Sourced after common.sh, not run. Needs root (or sudo) for debootstrap,
# mount and chroot.

NEWEST_ROOT="$ROOT/.newest/root"
# Written last by ensure_newest_root: a root without it is half-built.
NEWEST_READY="$NEWEST_ROOT/.openeye-root-ready"
# Debian's packages the root is built with; libturbojpeg0 is what Home
# Assistant's camera component loads through PyTurboJPEG, as on the host.
NEWEST_PACKAGES=(python3.14 python3.14-venv ca-certificates libturbojpeg0)
# Installed with apt once the root stands (debootstrap cannot configure their
# dependencies' post-install scripts in a minimal root): GStreamer's RTSP
# server, run by the root's own python3, is the tests' RTSP camera
# (tests/rtsp_camera.py), so that the newest Home Assistant's PyAV meets it too.
# mosquitto is the broker of the remote worker's tests (tests/pipeline/mosquitto.py).
NEWEST_EXTRA_PACKAGES=(
  gir1.2-gst-rtsp-server-1.0 python3-gst-1.0
  gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly
  mosquitto
)
# Paths inside the root.
NEWEST_PROJECT=/project
NEWEST_VENV=/opt/openeye-venv
NEWEST_REQUIREMENTS=requirements_test_newest.txt
# The shared test media beside the project, seen at the same place relative to
# /project inside the root (tests/media.py looks for ../shared/media).
SHARED_MEDIA="$ROOT/../shared/media"

# Runs a command as root: directly in CI and for root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  else
    sudo "$@"
  fi
}

# Runs a command inside the root with an environment of its own. The host's pip
# settings (its constraint file, local indexes and find-links, in /etc/xdg/pip and
# PIP_* variables) name files that do not exist inside the root, so none of them
# is passed in; pip there reaches the package index directly, trusting the host's
# CA bundle that mount_newest_root copies in (SSL_CERT_FILE does the same for the
# uv that Home Assistant installs requirements with). Byte code and hypothesis's
# files stay out of the bind-mounted project (run_newest_pytest keeps pytest's
# cache out too), which stays the developer's although this runs as root.
in_newest_root() {
  as_root chroot "$NEWEST_ROOT" /usr/bin/env -i \
    PATH="$NEWEST_VENV/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    HOME=/root \
    LANG=C.UTF-8 \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    PIP_DEFAULT_TIMEOUT=180 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HYPOTHESIS_STORAGE_DIRECTORY=/tmp/hypothesis \
    "$@"
}

# Builds the root with debootstrap unless a complete one is there (about a
# minute). A half-built one is removed first, never across a mount point.
ensure_newest_root() {
  [ -f "$NEWEST_READY" ] && return
  ensure_debian_packages debootstrap
  say "Building a Debian sid root with Python 3.14 in .newest/root"
  unmount_newest_root
  as_root rm -rf --one-file-system "$NEWEST_ROOT"
  mkdir -p "$NEWEST_ROOT"
  local log="$ROOT/.newest/debootstrap.log"
  if ! as_root debootstrap --variant=minbase \
    --include="$(IFS=,; echo "${NEWEST_PACKAGES[*]}")" sid "$NEWEST_ROOT" >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    echo "debootstrap failed; its whole log is $log" >&2
    return 1
  fi
  as_root touch "$NEWEST_READY"
}

# Copies a host file into the root, replacing what is there: a symbolic link
# inside the root would otherwise be followed to the host's own file.
copy_into_root() {
  as_root cp --remove-destination "$1" "$NEWEST_ROOT$1"
}

# Binds one host folder into the root unless it is mounted there already.
bind_into_root() {
  local source="$1" target="$NEWEST_ROOT$2"
  as_root mkdir -p "$target"
  mountpoint -q "$target" || as_root mount --bind "$source" "$target"
}

# Prepares the root for a run: name resolution and the CA bundle from the host,
# /proc, /dev, the project and the shared media. /dev is bound recursively for
# its /dev/shm (multiprocessing's semaphores) and /dev/pts, and made a slave so
# that unmounting it can never unmount the host's. The trap unmounts everything
# whichever way the script ends.
mount_newest_root() {
  trap unmount_newest_root EXIT
  trap 'exit 130' INT TERM HUP
  copy_into_root /etc/resolv.conf
  copy_into_root /etc/ssl/certs/ca-certificates.crt
  mountpoint -q "$NEWEST_ROOT/proc" || as_root mount -t proc proc "$NEWEST_ROOT/proc"
  if ! mountpoint -q "$NEWEST_ROOT/dev"; then
    as_root mount --rbind /dev "$NEWEST_ROOT/dev"
    as_root mount --make-rslave "$NEWEST_ROOT/dev"
  fi
  bind_into_root "$ROOT" "$NEWEST_PROJECT"
  if [ -d "$SHARED_MEDIA" ]; then
    bind_into_root "$(cd "$SHARED_MEDIA" && pwd)" /shared/media
    # The tests only read the media; a read-only bind keeps it so.
    as_root mount -o remount,bind,ro "$NEWEST_ROOT/shared/media"
  fi
}

# Unmounts whatever mount_newest_root (or an interrupted earlier run) left in the
# root, innermost first; a mount still busy is detached lazily.
unmount_newest_root() {
  local target
  for target in /shared/media "$NEWEST_PROJECT" /dev /proc; do
    target="$NEWEST_ROOT$target"
    if mountpoint -q "$target" 2>/dev/null; then
      as_root umount -R "$target" 2>/dev/null || as_root umount -R -l "$target" || true
    fi
  done
}

# Installs inside the root the Debian packages that a root built by an earlier
# version of this script lacks.
ensure_newest_root_packages() {
  local missing=()
  for package in "${NEWEST_PACKAGES[@]}" "${NEWEST_EXTRA_PACKAGES[@]}"; do
    in_newest_root dpkg-query -W -f='${Status}' "$package" 2>/dev/null \
      | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return
  say "Installing Debian packages in .newest/root: ${missing[*]}"
  # A sid root's package lists can outlive their Release file's validity by
  # this machine's clock; the packages themselves are still signed.
  in_newest_root apt-get -o Acquire::Check-Valid-Until=false update -qq >/dev/null
  in_newest_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Creates the root's virtual environment with Python 3.14 and installs the newest
# lane's requirements unless the same file was installed before.
ensure_newest_venv() {
  # pyvenv.cfg, since bin/python links to the root's /usr/bin/python3.14, which
  # the host does not have.
  if [ ! -f "$NEWEST_ROOT$NEWEST_VENV/pyvenv.cfg" ]; then
    say "Creating the virtual environment $NEWEST_VENV in .newest/root"
    in_newest_root python3.14 -m venv "$NEWEST_VENV"
  fi
  local stamp="$NEWEST_ROOT$NEWEST_VENV/.installed-$NEWEST_REQUIREMENTS" digest
  digest="$(sha256sum < "$ROOT/$NEWEST_REQUIREMENTS" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
    return
  fi
  say "Installing $NEWEST_REQUIREMENTS in .newest/root"
  in_newest_root python -m pip install --quiet -r "$NEWEST_PROJECT/$NEWEST_REQUIREMENTS"
  # The reference package, without its dependency on dlib's source distribution,
  # as install_requirements in common.sh installs it.
  in_newest_root python -m pip install --quiet --no-deps face_recognition==1.3.0
  echo "$digest" | as_root tee "$stamp" >/dev/null
}

# Builds or reuses the root and fills its virtual environment, saying how long
# each step took; the root stays mounted until the script ends.
prepare_newest_lane() {
  local start=$SECONDS
  ensure_newest_root
  mount_newest_root
  ensure_newest_root_packages
  say "Root ready in $((SECONDS - start)) s"
  start=$SECONDS
  ensure_newest_venv
  say "Newest virtual environment ready in $((SECONDS - start)) s"
}

# Runs pytest inside the root against the newest Home Assistant, with the
# arguments given; its exit status is the lane's.
run_newest_pytest() {
  in_newest_root sh -c 'cd "$0" && exec python -m pytest -p no:cacheprovider "$@"' \
    "$NEWEST_PROJECT" "$@"
}
