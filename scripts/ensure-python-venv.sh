#!/bin/sh
# The interoperability suite's Python readers in a project-local virtual environment (.venv):
# pyarrow, pandas, polars, DuckDB and fastparquet from interop/requirements.txt, from pip's
# configured index. Spark (pyspark, with Debian's headless JRE) is tried too; when it cannot be
# installed, pip's own words are kept in .venv/spark-unavailable.txt and the suite says so.
set -eu
cd "$(dirname "$0")/.."
command -v python3 >/dev/null || { echo "python3 is needed for npm run interop (apt-get install -y python3 python3-venv)" >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv 2>/dev/null || {
    [ "$(id -u)" -eq 0 ] || { echo "python3 -m venv failed; install python3-venv: sudo apt-get install -y python3-venv" >&2; exit 1; }
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv .venv
  }
fi
# No retries: an index that does not answer (no internet, a local mirror) is skipped at once.
pip() { .venv/bin/python -m pip --disable-pip-version-check -q --retries 0 --timeout 20 "$@"; }
if ! cmp -s interop/requirements.txt .venv/requirements.installed 2>/dev/null; then
  echo "installing the interop readers into .venv (interop/requirements.txt)" >&2
  pip install -r interop/requirements.txt >.venv/install.log 2>&1 || { cat .venv/install.log >&2; exit 1; }
  cp interop/requirements.txt .venv/requirements.installed
fi
if [ ! -f .venv/spark-tried ]; then
  rm -f .venv/spark-unavailable.txt
  if pip install pyspark >.venv/spark-install.log 2>&1; then
    if ! command -v java >/dev/null; then
      if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null
      else
        echo "java is missing: sudo apt-get install -y default-jre-headless" > .venv/spark-unavailable.txt
      fi
    fi
  else
    grep -E "ERROR" .venv/spark-install.log | head -3 > .venv/spark-unavailable.txt
  fi
  touch .venv/spark-tried
fi
