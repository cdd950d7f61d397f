#!/usr/bin/env bash
# The whole suite: lint, types, unit, integration (real Tansu + Valkey) and end-to-end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/docker-compose -f docker-compose.yml config --quiet
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
