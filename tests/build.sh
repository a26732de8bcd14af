#!/bin/sh
# Builds arcade from a clean tree: autoreconf, configure, make.
# Extra arguments go to configure (e.g. --enable-sanitizers).
set -eu
cd "$(dirname "$0")/.."
autoreconf -fi >/dev/null
./configure -q "$@"
make -j"$(nproc)" >/dev/null
echo "build: src/arcaded and src/arcadectl built"
