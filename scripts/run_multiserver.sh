#!/usr/bin/env bash
# make run-multiserver: 2 Rasa servers, 2 action servers, the website and nginx on this machine,
# on PostgreSQL (conversations and knowledge base) and Redis (locks), started or installed
# here when they are missing. One Ctrl-C stops everything (docs/deploy.md).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export BOUSSOLE_MODEL=$(scripts/model_path.sh)

local_pg=postgresql://postgres@127.0.0.1:5432/boussole
if [ -z "${BOUSSOLE_DB_URL:-}" ] || [ -z "${BOUSSOLE_TRACKER_URL:-}" ]; then
    scripts/ensure_postgres.sh boussole
fi
if [ -z "${BOUSSOLE_LOCK_STORE:-}" ]; then
    scripts/ensure_redis.sh
fi
scripts/ensure_nginx.sh
export BOUSSOLE_DB_URL="${BOUSSOLE_DB_URL:-$local_pg}"
export BOUSSOLE_TRACKER_URL="${BOUSSOLE_TRACKER_URL:-$local_pg}"
export BOUSSOLE_LOCK_STORE="${BOUSSOLE_LOCK_STORE:-redis://127.0.0.1:6379/1}"
# Every Rasa server answers its HTTP API with the same token.
export BOUSSOLE_RASA_TOKEN="${BOUSSOLE_RASA_TOKEN:-$(.venv/bin/python -m bot rasa-token)}"

# The knowledge base the action servers read (and follow: a later « make kb-load » with
# this BOUSSOLE_DB_URL reaches them all within seconds).
.venv/bin/python -m bot kb load
exec .venv/bin/python -m bot multiserver run
