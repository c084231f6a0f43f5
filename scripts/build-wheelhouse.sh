#!/usr/bin/env bash
# Build a wheelhouse on a machine with internet access, for installing mamori
# on a server in a closed network (LGWAN) with `pip --no-index`.
#
#   scripts/build-wheelhouse.sh [OUT_DIR] [-- extra pip download options]
#
# By default the wheels match this machine (OS, CPU, Python version). For a
# different target, pass pip's platform options, e.g. for Windows:
#   scripts/build-wheelhouse.sh wheelhouse-win -- --platform win_amd64 --python-version 3.11 --only-binary=:all:
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-wheelhouse}"
shift || true
[ "${1:-}" = "--" ] && shift
mkdir -p "$out"
python3 -m pip wheel --no-deps --wheel-dir "$out" .
python3 -m pip download --dest "$out" --only-binary=:all: "$@" \
    $(python3 - <<'PY'
import tomllib
deps = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]
print(" ".join(d.split("#")[0].strip().replace(" ", "") for d in deps))
PY
)
python3 -m pip download --dest "$out" --only-binary=:all: "$@" pip setuptools wheel
cp scripts/install-offline.sh "$out/"
( cd "$out" && sha256sum ./*.whl > SHA256SUMS )
echo "wheelhouse ready: $out ($(ls "$out"/*.whl | wc -l) wheels). Copy it to the server and run install-offline.sh there."
