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

echo "+ python -m pytest $*"
# -ra (pyproject.toml) ends the run with every skipped test and its reason.
exec python -m pytest "$@"
