#!/usr/bin/env bash
# The extension built with AddressSanitizer + UndefinedBehaviorSanitizer, and the test suite run
# against that build (issue 14): any heap overflow, use after free, misaligned access, signed
# overflow or other undefined behaviour in the C++ core stops the run with a report.
#
#   tools/sanitize.sh [pytest arguments]      e.g. tools/sanitize.sh -x -q tests/test_api.py
#
# It uses its own virtual environment (.sanitize-venv/) and build directory (build-sanitize/), so
# the usual install is untouched and a rerun rebuilds only what changed (the first build takes
# a while: the kernel files compile slowly with the sanitizers). Python itself is not
# instrumented, so libasan is preloaded. Leak checking is off: CPython keeps objects alive at exit.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .sanitize-venv/bin/python ]; then
  python3 -m venv .sanitize-venv
  .sanitize-venv/bin/python -m pip install --upgrade pip scikit-build-core pybind11 numpy >/dev/null
fi
. .sanitize-venv/bin/activate

flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g"
python -m pip install --no-build-isolation -Cbuild-dir=build-sanitize -Ccmake.build-type=RelWithDebInfo \
  -Ccmake.define.CMAKE_CXX_FLAGS="$flags" -Ccmake.define.CMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" \
  ".[test]" >/dev/null

export LD_PRELOAD="$(g++ -print-file-name=libasan.so) $(g++ -print-file-name=libubsan.so)"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:check_initialization_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
python -c "import fastact; print('sanitized build:', fastact.__file__)"
python -m pytest -p no:cacheprovider "$@"
