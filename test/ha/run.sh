#!/usr/bin/env bash
# npm run test:ha — the availability suite (docs/deployment.md). Installs Debian's haproxy,
# patroni and etcd-server when they are missing and this runs as root with apt-get; otherwise
# each suite that lacks them says what is missing and is not run (REQUIRE_HA=1: fail instead).
set -euo pipefail
cd "$(dirname "$0")/../.."
missing=()
for pair in haproxy:/usr/sbin/haproxy patroni:/usr/bin/patroni etcd-server:/usr/bin/etcd; do
  [ -x "${pair#*:}" ] || missing+=("${pair%%:*}")
done
if [ "${#missing[@]}" -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "test:ha: installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    || echo "test:ha: could not install ${missing[*]}" >&2
fi
exec npx vitest run --config test/ha/vitest.config.ts "$@"
