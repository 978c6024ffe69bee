#!/usr/bin/env bash
# Make sure a PostgreSQL server with PostGIS is there for the test suite. Idempotent; safe to rerun.
#
#   - GEOSERVICE_TEST_DATABASE_URL naming another host: that server is used as it is; nothing is done here.
#   - Otherwise, as root on Debian/Ubuntu: install PostgreSQL and PostGIS from Debian packages when missing
#     (apt-get update first), create/start the local cluster when it is down, and give the calling user a
#     superuser role so the tests can connect over the Unix socket (peer authentication).
#
# Environment: PG_MAJOR (default: the installed server's major version, else 15).
set -euo pipefail

log() { echo "ensure-postgis: $*" >&2; }

url=${GEOSERVICE_TEST_DATABASE_URL:-}
if [[ -n "$url" ]]; then
    # host part of postgresql://user:pass@host:port/db (empty or a socket path means this machine)
    rest=${url#*://}; rest=${rest%%/*}; rest=${rest##*@}; host=${rest%%:*}
    case "$host" in
        ""|localhost|127.0.0.1|"[::1]") ;;
        *) log "using the server named by GEOSERVICE_TEST_DATABASE_URL ($host); nothing to install"; exit 0 ;;
    esac
fi

installed_major() { ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1; }

apt_install() {
    if [[ $(id -u) -ne 0 ]]; then
        log "missing packages: $* — run this script as root, or: sudo apt-get install $*"
        exit 1
    fi
    log "installing $*"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

major=${PG_MAJOR:-$(installed_major)}
major=${major:-15}
if [[ ! -x /usr/lib/postgresql/$major/bin/postgres ]]; then
    apt_install "postgresql-$major" "postgresql-$major-postgis-3"
elif [[ ! -f /usr/share/postgresql/$major/extension/postgis.control ]]; then
    apt_install "postgresql-$major-postgis-3"
else
    log "PostgreSQL $major with PostGIS is installed"
fi

# the cluster: create it if the packages did not, start it if it is down
if ! pg_lsclusters -h 2>/dev/null | awk -v m="$major" '$1 == m && $2 == "main"' | grep -q .; then
    if [[ $(id -u) -ne 0 ]]; then log "no PostgreSQL $major cluster; run this script as root"; exit 1; fi
    log "creating the PostgreSQL $major cluster 'main'"
    pg_createcluster "$major" main
fi
if ! pg_lsclusters -h | awk -v m="$major" '$1 == m && $2 == "main" {print $4}' | grep -q online; then
    if [[ $(id -u) -ne 0 ]]; then log "the PostgreSQL $major cluster is down; run this script as root"; exit 1; fi
    log "starting the PostgreSQL $major cluster"
    pg_ctlcluster --skip-systemctl-redirect "$major" main start
fi

# a superuser role for the calling user (tests connect over the Unix socket with peer authentication)
me=$(id -un)
if [[ $(id -u) -eq 0 && "$me" != postgres ]]; then
    if ! runuser -u postgres -- psql -qtAX -c "SELECT 1 FROM pg_roles WHERE rolname = '$me'" | grep -q 1; then
        log "creating the PostgreSQL superuser role '$me'"
        runuser -u postgres -- createuser --superuser "$me"
    fi
fi

# wait until it accepts connections
for _ in $(seq 1 30); do
    if pg_isready -q -h /var/run/postgresql; then
        log "PostgreSQL $major with PostGIS is ready"
        exit 0
    fi
    sleep 1
done
log "PostgreSQL $major did not become ready; see /var/log/postgresql/postgresql-$major-main.log"
exit 1
