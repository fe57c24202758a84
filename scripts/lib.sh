# Shared by scripts/dev and scripts/test: installs what is missing, quickly when nothing is.
# Only crates.io, PyPI, Debian packages and npm are used.
# shellcheck shell=bash
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"

CARGO_LEPTOS_VERSION=0.3.10
BINARYEN_NPM_VERSION=132.0.0

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root for: $*" >&2; return 1; fi
}

APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" = 0 ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Reads .env (without overriding the environment) so the scripts and the server agree.
load_env() {
  if [ -f "$ROOT/.env" ]; then
    while IFS='=' read -r key value; do
      case "$key" in ''|\#*) continue ;; esac
      key="${key#export }"
      value="${value%\"}"; value="${value#\"}"
      if [ -z "${!key:-}" ]; then export "$key=$value"; fi
    done < "$ROOT/.env"
  fi
  export DATABASE_URL="${DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/watchpost}"
}

wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_rust_tools() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32 target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    say "building cargo-leptos $CARGO_LEPTOS_VERSION (no_downloads; about 12 minutes once)"
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
      cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
  fi
  local want; want="$(wasm_bindgen_version)"
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $want\$"; then
    say "building wasm-bindgen-cli $want (matches Cargo.lock; about 4 minutes once)"
    # Without --locked: its lock file wants a crate version the registry no longer has.
    cargo install wasm-bindgen-cli --version "$want" --force
  fi
}

ensure_node() {
  if ! command -v npm >/dev/null; then
    say "installing Node.js and npm from Debian"
    apt_install nodejs npm
  fi
  # end2end/ carries Playwright and binaryen's wasm-opt (Debian's wasm-opt 108 breaks the release
  # WASM, so ours must come first on PATH).
  if [ ! -x "$ROOT/end2end/node_modules/.bin/wasm-opt" ] || [ "$ROOT/end2end/package-lock.json" -nt "$ROOT/end2end/node_modules/.stamp" ]; then
    say "installing end2end npm packages"
    (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    touch "$ROOT/end2end/node_modules/.stamp"
  fi
  export PATH="$ROOT/end2end/node_modules/.bin:$PATH"
}

pg_host_port() {
  # postgres://user:pass@host:port/db → host port
  local rest="${DATABASE_URL#*://}"; rest="${rest#*@}"; rest="${rest%%/*}"
  PG_HOST="${rest%%:*}"; PG_PORT="${rest##*:}"
  [ "$PG_PORT" = "$rest" ] && PG_PORT=5432
  return 0
}

pg_reachable() {
  pg_host_port
  (exec 3<>"/dev/tcp/$PG_HOST/$PG_PORT") 2>/dev/null
}

ensure_postgres() {
  if pg_reachable; then return 0; fi
  pg_host_port
  case "$PG_HOST" in 127.0.0.1|localhost) ;; *)
    echo "Postgres at $PG_HOST:$PG_PORT is not reachable (DATABASE_URL); start it and retry." >&2; return 1 ;;
  esac
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    say "installing PostgreSQL from Debian"
    apt_install postgresql postgresql-client
  fi
  say "starting PostgreSQL"
  local ver; ver="$(ls /etc/postgresql | sort -V | tail -n 1)"
  as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start || as_root service postgresql start
  for _ in $(seq 1 30); do pg_reachable && break; sleep 1; done
  pg_reachable || { echo "PostgreSQL did not start" >&2; return 1; }
  # A fresh Debian cluster wants a password over TCP: give the postgres role the one in DATABASE_URL.
  local creds="${DATABASE_URL#*://}"; creds="${creds%%@*}"
  local pass="${creds#*:}"
  if [ "$pass" != "$creds" ] && [ -n "$pass" ]; then
    as_root su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD '$pass'\"" >/dev/null
  fi
}

ensure_psql() {
  command -v psql >/dev/null || apt_install postgresql-client
}

# DATABASE_URL with another database name.
database_url_for() {
  printf '%s/%s' "${DATABASE_URL%/*}" "$1"
}
