#!/usr/bin/env bash
# Install mamori from a wheelhouse, without any network access.
#
#   ./install-offline.sh [VENV_DIR]      (run inside the wheelhouse directory)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${1:-/opt/mamori/venv}"
if [ -f "$here/SHA256SUMS" ]; then
    ( cd "$here" && sha256sum --check --quiet SHA256SUMS )
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --no-index --find-links "$here" --upgrade pip
"$venv/bin/pip" install --no-index --find-links "$here" mamori
echo "installed: $("$venv/bin/mamori" --version 2>/dev/null || true) in $venv"
echo "next: see docs/deployment.md (environment, migrate, collectstatic, serve)"
