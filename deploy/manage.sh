#!/usr/bin/env bash
# Run a `doorstep` command as the app user, with the environment the units get:
#   deploy/manage.sh createsuperuser
#   DJANGO_SUPERUSER_EMAIL=… DJANGO_SUPERUSER_PASSWORD=… deploy/manage.sh createsuperuser --no-input
#   deploy/manage.sh reconcile
#   deploy/manage.sh shell
# Run as root. Settings: APP_DIR, APP_USER, ENV_FILE (as in release.sh).
set -euo pipefail

APP_DIR=${APP_DIR:-/srv/doorstep}
APP_USER=${APP_USER:-doorstep}
ENV_FILE=${ENV_FILE:-/etc/doorstep/doorstep.env}
# Ours, not the application's: kept when the environment is cleared below.
export -n APP_DIR APP_USER ENV_FILE

# NAME=value lines, taken literally, as systemd's EnvironmentFile= reads them.
app_env=()
while IFS= read -r line || [[ -n $line ]]; do
    [[ $line =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] && app_env+=("$line")
done <"$ENV_FILE"

# For `createsuperuser --no-input`: its e-mail and password from the caller.
for name in DJANGO_SUPERUSER_EMAIL DJANGO_SUPERUSER_PASSWORD; do
    [[ -n ${!name:-} ]] && app_env+=("$name=${!name}")
done

# The values go through the environment, never a command line (which every local
# user can read with ps), and nothing of the caller's environment comes along.
for name in $(compgen -e); do unset "$name"; done
export PATH=/usr/local/bin:/usr/bin:/bin HOME="$APP_DIR" "${app_env[@]}"
exec /usr/sbin/runuser -u "$APP_USER" -- \
    bash -c 'cd "$0" && umask 0027 && exec .venv/bin/doorstep "$@"' "$APP_DIR" "$@"
