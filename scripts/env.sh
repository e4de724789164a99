# Shared paths for the scripts: source this file. Everything lives inside the checkout (git-ignored).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${AUTOC_VENV:-$ROOT/.venv}"
ORACLE_VENV="${AUTOC_ORACLE_VENV:-$ROOT/.oracle-venv}"
PLUGINS_VENV="${AUTOC_PLUGINS_VENV:-$ROOT/.plugins-venv}"
PYTHON="${PYTHON:-python3}"
FLYTEKIT_VERSION="1.16.31"
export AUTOC_ORACLE_VENV="$ORACLE_VENV"
export AUTOC_PLUGINS_VENV="$PLUGINS_VENV"
# flytekit plugins from PyPI that install without heavy frameworks: the flytekit engine's tests run them
PLUGINS="flytekitplugins-kfpytorch flytekitplugins-dask flytekitplugins-bigquery flytekitplugins-pandera"
