# Sourced by benchmarks: creates bench/.venv once and installs the given PyPI packages into it.
bench_venv() {
    local venv="${BENCH_VENV:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/.venv}"
    [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$@"
    BENCH_PYTHON="$venv/bin/python"
}
