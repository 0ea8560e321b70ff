#!/usr/bin/env bash
# Writes requirements/lock.txt again: every package fmp-elt and its dev tools need, pinned, with the sha256 of
# every file PyPI has for that version. One file for every Python and platform we support (--universal: a
# requirement that only some need carries its environment marker), so pip alone installs it, hash-checked:
#
#   pip install --no-deps --require-hashes -r requirements/lock.txt && pip install --no-deps -e .
#
#   bash requirements/update.sh                    newest versions pyproject.toml's ranges and constraints.txt allow
#   bash requirements/update.sh -P dbt-core        only these packages move; everything else keeps its pin
#
# It also writes requirements/lock-dbt-1.12.txt, the same with dbt-core 1.12 (tests/run.sh --dbt 1.12).
#
# uv writes the lock (pip-tools' format, read by pip): it resolves for all markers at once, where pip-compile
# resolves for the Python running it. It comes from the lock itself (requirements/tools.in).
set -euo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-.venv/bin/uv}
args=(--upgrade)
if [ "${1:-}" = "-P" ]; then
    [ $# -ge 2 ] || { echo "requirements/update.sh: -P needs package names" >&2; exit 2; }
    shift
    args=()
    for package in "$@"; do args+=(--upgrade-package "$package"); done
fi
# lock OUTPUT [uv options]
lock() {
    local output=$1
    shift
    "$UV" pip compile pyproject.toml requirements/tools.in --extra dev \
        --universal --python-version 3.11 --generate-hashes \
        --custom-compile-command "bash requirements/update.sh" \
        --quiet --output-file "$output" "${args[@]}" "$@"
}
lock requirements/lock.txt --constraint requirements/constraints.txt
# dbt-core 1.12 beside it, for tests/run.sh --dbt 1.12: installed with --no-deps (see dbt-1.12-excludes.txt)
lock requirements/lock-dbt-1.12.txt --constraint requirements/dbt-1.12-constraints.txt \
    --excludes requirements/dbt-1.12-excludes.txt
