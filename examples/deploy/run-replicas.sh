#!/usr/bin/env bash
# One `chroma run`, two msra replicas and nginx on one machine (docs/deploy.md). Ctrl-C stops them all.
set -euo pipefail
DATA=${DATA:-$PWD/msra-deploy}
mkdir -p "$DATA/chroma" "$DATA/replica-1" "$DATA/replica-2" "$DATA/nginx"
export MSRA_CHROMA_URL=http://127.0.0.1:8000

chroma run --path "$DATA/chroma" --host 127.0.0.1 --port 8000 & pids=($!)
until curl -fs "$MSRA_CHROMA_URL/api/v2/heartbeat" >/dev/null; do sleep 0.5; done

# Ingest once, from any replica's settings: the chunks and the document records land in the Chroma server.
MSRA_HOME="$DATA/replica-1" msra ingest "${CORPUS:-corpus}"

for n in 1 2; do
  MSRA_HOME="$DATA/replica-$n" msra serve --host 127.0.0.1 --port "786$n" ${AUTH_FILE:+--auth-file "$AUTH_FILE"} &
  pids+=($!)
done
nginx -c "$(cd "$(dirname "$0")" && pwd)/nginx.conf" -p "$DATA/nginx/" -g "daemon off;" & pids+=($!)
trap 'kill "${pids[@]}" 2>/dev/null' EXIT INT TERM
echo "msra on http://127.0.0.1:8080 (replicas 7861, 7862; chroma 8000)"
wait
