#!/usr/bin/env bash
# The whole test suite from nothing but Python 3.11+: virtualenv, dependencies, Chromium and faketime, lint, tests.
#
#   bash tests/run.sh [pytest args]              the suite on today's clock, then the clock-reading tests
#                                                (marker `clock`) again a year ahead and on a market holiday
#   bash tests/run.sh --fast [pytest args]       lint and the suite without the end-to-end tests (tests/e2e), on
#                                                today's clock only: the loop for daily work
#   bash tests/run.sh --clock SPEC [pytest args] the suite once, under `faketime`: SPEC is an offset (+400d) or a
#                                                date ('2027-12-25 12:00:00')
#   bash tests/run.sh --dbt 1.12 [pytest args]   pytest alone on dbt-core 1.12, in .venv-dbt-1.12
#                                                (e.g. `--dbt 1.12 tests/integration`: what runs dbt)
# The tests run on TEST_WORKERS pytest-xdist workers (default: one per core; 0 runs them in this process).
set -euo pipefail
cd "$(dirname "$0")/.."

export DO_NOT_TRACK=1 GX_ANALYTICS_ENABLED=false DBT_SEND_ANONYMOUS_USAGE_STATS=false PIP_DISABLE_PIP_VERSION_CHECK=1

clock=""
selection=()
reruns=1
while [ $# -gt 0 ]; do
    case "$1" in
        --clock)
            [ $# -ge 2 ] || { echo "tests/run.sh: --clock needs a faketime offset or date" >&2; exit 2; }
            clock=$2
            shift 2
            ;;
        --fast)
            selection=(--ignore=tests/e2e)
            reruns=0
            shift
            ;;
        *) break ;;
    esac
done
# A module runs on one worker, and so do the modules reading the demo (tests/conftest.py).
workers=(-n "${TEST_WORKERS:-auto}" --dist loadscope)

PYTHON=${PYTHON:-python3}
# Dependencies come from the lock, hash-checked (requirements/update.sh writes it), fmp-elt itself goes on top,
# built by the locked hatchling. --no-deps: the lock is complete, and pip then installs exactly it (a fresh
# virtualenv's pip 23 cannot check the hashes of a requirement with extras it reaches through another).
# --dbt 1.12: the lock with dbt-core 1.12, without its experimental parser (requirements/dbt-1.12-excludes.txt),
# in a virtualenv of its own.
if [ "${1:-}" = "--dbt" ]; then
    [ "${2:-}" = 1.12 ] || { echo "tests/run.sh: --dbt takes 1.12 (the lock holds 1.11)" >&2; exit 2; }
    shift 2
    [ -x .venv-dbt-1.12/bin/python ] || "$PYTHON" -m venv .venv-dbt-1.12
    .venv-dbt-1.12/bin/pip install --quiet --no-deps --require-hashes -r requirements/lock-dbt-1.12.txt --no-compile
    .venv-dbt-1.12/bin/pip install --quiet --no-deps --no-build-isolation -e .
    exec .venv-dbt-1.12/bin/pytest "$@"
fi
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
# --no-compile: Python compiles a module when it is first imported; compiling every file of every package up front
# took 63 of the install's CPU seconds, against 35 without (measured side by side at load 13).
.venv/bin/pip install --quiet --no-deps --require-hashes -r requirements/lock.txt --no-compile
.venv/bin/pip install --quiet --no-deps --no-build-isolation -e .

# Debian packages the tests drive: Chromium for the dashboard (Playwright's own download is not used) and
# faketime, which moves the clock of a whole process tree (Python, dbt and the embedded PostgreSQL alike).
apt_install() {
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    elif command -v sudo >/dev/null 2>&1; then
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    fi
}
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v faketime >/dev/null 2>&1 || missing+=(faketime)
if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
fi

# pytest under a moved clock; packages are installed before, as TLS certificates have validity dates.
pytest_at() {
    local spec=$1
    shift
    case "$spec" in
        "") .venv/bin/pytest "${workers[@]}" "${selection[@]}" "$@" ;;
        [+-]*) faketime -f "$spec" .venv/bin/pytest "${workers[@]}" "${selection[@]}" "$@" ;;
        *) faketime "$spec" .venv/bin/pytest "${workers[@]}" "${selection[@]}" "$@" ;;
    esac
}

# Temporary folders under a root of this run's own: pytest keeps only the three newest sessions' folders under
# its shared /tmp/pytest-of-USER and deletes older ones when a session starts, so another suite starting on the
# machine removed a running session's folders, the demo's PostgreSQL data folder among them (PANIC, then every
# demo test failed). The root is removed when the run passes, kept (and named) when it fails.
temproot=$(mktemp -d "${TMPDIR:-/tmp}/fmp-elt-tests-XXXXXX")
export PYTEST_DEBUG_TEMPROOT=$temproot
finish() {
    local code=$?
    if [ "$code" -eq 0 ]; then
        rm -rf "$temproot"
    else
        echo "tests/run.sh: the run's temporary folders are kept in $temproot" >&2
    fi
    [ -z "${reports:-}" ] || rm -rf "$reports"
    return "$code"
}
trap finish EXIT

if [ -n "$clock" ]; then
    pytest_at "$clock" "$@"
    exit
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
pytest_at "" "$@"
[ "$reruns" = 1 ] || exit 0
# The suite must not depend on its date: what reads the clock runs again 400 days ahead and on Christmas 2027.
# The two reruns run side by side, each on port ranges of its own (TEST_PORT_SLOT, tests/fixtures/ports.py): one
# rerun alone leaves a core idle while its longest module (the demo's replay) runs on. Their reports follow one
# another. (Exit code 5: the arguments selected no such test.)
reports=$(mktemp -d)
pids=()
slot=0
for spec in "+400d" "2027-12-25 12:00:00"; do
    TEST_PORT_SLOT=$slot pytest_at "$spec" -m clock "$@" >"$reports/$slot.log" 2>&1 &
    pids+=("$!")
    slot=$((slot + 6))
done
status=0
slot=0
for pid in "${pids[@]}"; do
    code=0
    wait "$pid" || code=$?
    cat "$reports/$slot.log"
    [ "$code" -eq 0 ] || [ "$code" -eq 5 ] || status=$code
    slot=$((slot + 6))
done
exit "$status"
