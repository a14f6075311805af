#!/usr/bin/env bash
# `npm run bench`: raises the open-files limit (idle and storm hold thousands of sockets on both
# ends; the servers it starts inherit the limit), then runs the load generator.
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec node --conditions=@carechat/source --import tsx bench/run.ts "$@"
