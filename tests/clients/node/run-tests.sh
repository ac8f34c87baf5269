#!/bin/sh
# Installs the locked AWS SDK packages and runs the tests with node's own
# test runner. CTest sets SATCHEL_BINARY to the satchel under test.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
exec node --test
