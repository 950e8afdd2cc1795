#!/usr/bin/env bash
# The example host as an adopter builds it: the module packed into a tarball, installed into a copy of the example
# (never ../src), built with the Nest CLI's defaults, both sets of migrations run, then the example's e2e suites.
# Run from the repository root after its own `npm ci`; needs PostgreSQL and Redis (DATABASE_SERVER, REDIS_URL).
set -euo pipefail
cd "$(dirname "$0")/../.."

SERVER="${DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}"
# The copy's node_modules is some 20,000 files: on a tmpfs they install and go away in seconds, where a disk mounted
# with `discard` takes minutes to delete them. TMPDIR, when set, wins.
base="${TMPDIR:-/tmp}"
if [ -z "${TMPDIR:-}" ] && [ -w /dev/shm ] && [ "$(df -Pk /dev/shm | awk 'NR == 2 { print $4 }')" -gt 2000000 ]; then base=/dev/shm; fi
work="$(mktemp -d "$base/minimal-host.XXXXXX")"
scratch="minimal_host_ci_$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
cleanup() {
  local from
  from=$(date +%s)
  psql -q "$SERVER/postgres" -c "DROP DATABASE IF EXISTS \"$scratch\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
  echo "example host: cleaned up ($(($(date +%s) - from)) s)"
}
trap cleanup EXIT

started=$(date +%s)
last=$started
step() {
  local now
  now=$(date +%s)
  echo "example host: $1 ($((now - last)) s)"
  last=$now
}

tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -1)"
# What an adopter downloads: the compiled module with its types, templates and migrations; nothing of ours besides.
contents="$(tar tzf "$tarball")"
for wanted in package/dist/src/sms/index.js package/dist/src/sms/index.d.ts package/dist/src/sms/testing/index.d.ts \
  package/dist/migrations/index.d.ts package/templates/sms/initial_problem.hbs package/LICENSE; do
  grep -qx "$wanted" <<<"$contents" || { echo "example host: the tarball lacks $wanted"; exit 1; }
done
if grep -E 'helpdesk|console|bench|/test/|\.spec\.|\.map$' <<<"$contents"; then echo "example host: the tarball holds files that are not the module's"; exit 1; fi
step "packed $(basename "$tarball"): $(wc -l <<<"$contents") files, types, templates and migrations, nothing else"

tar -C examples --exclude=node_modules --exclude=dist -cf - minimal-host | tar -C "$work" -xf -
cd "$work/minimal-host"
npm ci --no-audit --no-fund --prefer-offline --loglevel=error
npm install --no-save --no-audit --no-fund --prefer-offline --loglevel=error "$tarball"
step "installed the example, then the tarball"

npx nest build
npm run --silent typecheck
step "built with nest build; tests typecheck"

# The compiled migration command on an empty database: ours and the module's, then nothing left to run.
DATABASE_URL="$SERVER/$scratch" node dist/migrate
[ "$(DATABASE_URL="$SERVER/$scratch" node dist/migrate)" = "nothing to migrate" ]
step "migrated an empty database"

npm run --silent test:e2e
step "e2e and gateway conformance passed"
echo "example host: $(( $(date +%s) - started )) s in all"
