#!/bin/sh
# Memory safety of the native addon: builds it with AddressSanitizer + UndefinedBehaviorSanitizer
# (kernels/native/build/Sanitize/, the normal build is left alone) and runs the native tests against that build.
# Node itself is not instrumented, so the ASan runtime is preloaded; leak checking is off (V8 keeps its heap
# until exit). Any invalid read/write or undefined behaviour aborts the test process with a report.
#   sh scripts/native-sanitize.sh [test files…]     (default: test/native/*.test.ts)
set -eu
cd "$(dirname "$0")/.."
node scripts/build-native.mjs --sanitize
ASAN_LIB=$(g++ -print-file-name=libasan.so)
UBSAN_LIB=$(g++ -print-file-name=libubsan.so)
if [ $# -eq 0 ]; then set -- test/native/*.test.ts; fi
echo "tconv: running $* against the sanitizer build"
LD_PRELOAD="$ASAN_LIB $UBSAN_LIB" \
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
TCONV_NATIVE_ADDON="$PWD/kernels/native/build/Sanitize/tconv_native.node" \
TCONV_NATIVE_EXPECT_SANITIZED=1 \
node scripts/run-tests.mjs "$@"
