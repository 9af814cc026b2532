#!/usr/bin/env bash
# Release Doorstep on this machine: deploy/release.sh [GIT_REF]
#
# Run as root (it switches to the app user for everything but systemctl):
#   1. check out GIT_REF (when given) in APP_DIR,
#   2. install the locked dependencies with uv, as `make install` does,
#   3. `doorstep check --deploy` (a bad configuration stops the release here,
#      before the database is touched),
#   4. `doorstep migrate`, then `doorstep collectstatic` (when the sources changed),
#   5. restart the web units one at a time, each answering /readyz before the
#      next goes down (nginx sends requests to the others meanwhile), then the
#      workers one at a time.
# Migrations run while the previous release still serves: write them so the old
# code keeps working with the new schema (add columns nullable or with a default,
# drop them a release later).
#
# Settings: APP_DIR, APP_USER, ENV_FILE (defaults below); RESTART=no skips step 5.
set -euo pipefail

APP_DIR=${APP_DIR:-/srv/doorstep}
APP_USER=${APP_USER:-doorstep}
ENV_FILE=${ENV_FILE:-/etc/doorstep/doorstep.env}
RESTART=${RESTART:-yes}
# Ours, not the application's: kept when the environment is cleared below.
export -n APP_DIR APP_USER ENV_FILE RESTART
REF=${1:-}

say() { printf '\n==> %s\n' "$*"; }

# The environment file as systemd reads it: NAME=value lines, taken literally
# (no shell expansion, so values may hold spaces, "<", "$"...).
app_env=()
while IFS= read -r line || [[ -n $line ]]; do
    [[ $line =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] && app_env+=("$line")
done <"$ENV_FILE"

# Behind a proxy or a private certificate authority, uv needs these from the caller.
for name in SSL_CERT_FILE SSL_CERT_DIR HTTPS_PROXY HTTP_PROXY NO_PROXY UV_INDEX_URL \
    UV_NATIVE_TLS; do
    [[ -n ${!name:-} ]] && app_env+=("$name=${!name}")
done

# Run a command as the app user in APP_DIR with the application's environment.
# The values go through the environment, never a command line (which every local
# user can read with ps), and nothing of the caller's environment comes along.
as_app() {
    (
        for name in $(compgen -e); do unset "$name"; done
        export PATH=/usr/local/bin:/usr/bin:/bin HOME="$APP_DIR" \
            UV_CACHE_DIR="$APP_DIR/.cache/uv" "${app_env[@]}"
        exec /usr/sbin/runuser -u "$APP_USER" -- \
            bash -c 'cd "$0" && umask 0027 && exec "$@"' "$APP_DIR" "$@"
    )
}

if [[ -n $REF ]]; then
    say "Checking out $REF"
    as_app git fetch --quiet --tags origin
    as_app git checkout --quiet --detach "$REF"
fi
say "Release $(as_app git rev-parse --short HEAD)"

say "Installing the locked dependencies (uv sync --locked --no-dev)"
as_app make install

DOORSTEP=("$APP_DIR/.venv/bin/doorstep")
say "Checking the configuration (check --deploy)"
as_app "${DOORSTEP[@]}" check --deploy --fail-level WARNING

say "Migrating the database"
as_app "${DOORSTEP[@]}" migrate --no-input

# collectstatic, through the function `doorstep serve` calls at start-up: it also
# stamps the sources' fingerprint, so the web units restarted below find the files
# current instead of each collecting them again at the same time.
say "Collecting static files"
as_app "${DOORSTEP[@]}" shell --no-imports -c \
    "from doorstep.web.static_files import collect_static_if_stale as c; c()"

if [[ $RESTART != yes ]]; then
    say "Not restarting (RESTART=$RESTART)"
    exit 0
fi

# Django answers only the hosts in ALLOWED_HOSTS: ask as the first of them.
public_host=$(printf '%s\n' "${app_env[@]}" | sed -n 's/^ALLOWED_HOSTS=//p' | cut -d, -f1)

wait_ready() {
    local port=$1
    for _ in $(seq 1 60); do
        if curl --silent --fail --max-time 2 -o /dev/null -H "Host: $public_host" \
            "http://127.0.0.1:$port/readyz"; then
            return 0
        fi
        sleep 1
    done
    echo "doorstep-web@$port is not ready after 60 s: stopping the release here" >&2
    echo "(journalctl -u doorstep-web@$port; the units not restarted yet still run" \
        "the previous release)" >&2
    return 1
}

units() {
    systemctl list-units --type=service --state=active --no-legend --plain "$1" |
        awk '{print $1}'
}

for unit in $(units 'doorstep-web@*.service'); do
    port=${unit#doorstep-web@}
    port=${port%.service}
    say "Restarting $unit"
    systemctl restart "$unit"
    wait_ready "$port"
done
for unit in $(units 'doorstep-worker@*.service'); do
    say "Restarting $unit"
    systemctl restart "$unit"
done
say "Released $(as_app git rev-parse --short HEAD)"
