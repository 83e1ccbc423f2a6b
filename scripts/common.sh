# Shared by scripts/develop, scripts/test and scripts/e2e: the project's virtual
# environment, created from the Python that .python-version names, and the
# system packages Home Assistant needs. Sourced, not run.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON_VERSION="$(tr -d '[:space:]' < "$ROOT/.python-version")"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Prints the interpreter to build the environment with: pyenv's when pyenv
# knows the version, otherwise pythonX.Y from PATH.
find_python() {
  local candidate
  if command -v pyenv >/dev/null 2>&1; then
    candidate="$(cd "$ROOT" && pyenv which python 2>/dev/null || true)"
    if [ -n "$candidate" ] && "$candidate" -c "import sys; sys.exit(sys.version.startswith('$PYTHON_VERSION') is False)"; then
      echo "$candidate"
      return
    fi
  fi
  if command -v "python$PYTHON_VERSION" >/dev/null 2>&1; then
    command -v "python$PYTHON_VERSION"
    return
  fi
  echo "Python $PYTHON_VERSION is needed (see .python-version) and was not found." >&2
  exit 1
}

ensure_venv() {
  if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import sys; sys.exit(not sys.version.startswith('$PYTHON_VERSION'))"; then
    return
  fi
  local python
  python="$(find_python)"
  say "Creating the virtual environment in .venv with $("$python" --version)"
  rm -rf "$VENV"
  "$python" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
}

# Installs a requirements file unless the same content was installed before.
install_requirements() {
  local file="$1" stamp
  stamp="$VENV/.installed-$(basename "$file")"
  local digest
  digest="$(cat "$ROOT/$file" "$ROOT/requirements.txt" | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
    return
  fi
  say "Installing $file"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ROOT/$file"
  if [ "$file" = "requirements_test.txt" ]; then
    # face_recognition is the reference the engine is tested against. It
    # declares a dependency on dlib's source distribution, which would be
    # compiled for many minutes; dlib-bin provides the same module prebuilt.
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps face_recognition==1.3.0
  fi
  echo "$digest" > "$stamp"
}

# Installs Debian packages that are missing, when this machine lets us.
ensure_debian_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return
  say "Installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}
