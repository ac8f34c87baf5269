#!/bin/sh
# Installs the locked playwright-core and runs the browser tests with node's own test runner.
# CTest sets SATCHEL_BINARY (the satchel under test) and SATCHEL_TEST_OUTPUT (screenshots).
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
exec node --test --test-reporter=spec
