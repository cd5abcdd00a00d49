#!/usr/bin/env bash
# The extension built with AddressSanitizer + UndefinedBehaviorSanitizer, and the test suite run
# against that build (issue 14): any heap overflow, use after free, misaligned access, signed
# overflow or other undefined behaviour in the C++ core stops the run with a report.
#
#   tools/sanitize.sh [pytest arguments]      e.g. tools/sanitize.sh -x -q tests/test_api.py
#
# The build goes to build-sanitize/ and is installed into .sanitize-site/ (the usual install is
# untouched); Python itself is not instrumented, so libasan is preloaded. Leak checking is off:
# CPython keeps interned objects alive at exit by design.
set -euo pipefail
cd "$(dirname "$0")/.."

flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g"
python -m pip install --no-build-isolation --no-deps --upgrade --target .sanitize-site \
  -Cbuild-dir=build-sanitize -Ccmake.build-type=RelWithDebInfo \
  -Ccmake.define.CMAKE_CXX_FLAGS="$flags" -Ccmake.define.CMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" \
  . >/dev/null

export LD_PRELOAD="$(g++ -print-file-name=libasan.so) $(g++ -print-file-name=libubsan.so)"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:check_initialization_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# The sanitized package first on the path; tests that start a Python subprocess inherit all this.
export PYTHONPATH="$PWD/.sanitize-site${PYTHONPATH:+:$PYTHONPATH}"
python -c "import fastact, sys; assert '.sanitize-site' in fastact.__file__, fastact.__file__; print('sanitized build:', fastact.__file__)"
python -m pytest -p no:cacheprovider "$@"
