#!/bin/sh
# octo installer (POSIX sh, so `curl -fsSL …/install.sh | sh -s -- --from URL` works too).
#
#   ./install.sh                  from a checkout: Bun (from npm) if missing, system packages (as root),
#                                 bun install, build, install binaries into the prefix
#   ./install.sh --deps-only      toolchain + system packages + bun install only (for `bun run test`)
#   ./install.sh --from URL       download a release tarball (URL of the .tar.gz; its checksum is
#   OCTO_RELEASE_URL=URL sh …     read from URL.sha256), verify it, install it
#
# Options: --prefix DIR (default /usr/local as root, ~/.local otherwise), --sha256 HEX (expected
# checksum instead of URL.sha256), --skip-system (no apt-get), --help.
# Idempotent: a second run skips whatever is already right and says so.
set -eu

BUN_VERSION="${OCTO_BUN_VERSION:-1.4.5}"
# Runtime: bwrap for the sandbox, socat for the network relay into it, chromium for the agent browser,
# procps (ps) for process trees, python3 for joining the agent browser into its sandbox.
RUNTIME_PACKAGES="bubblewrap socat chromium ca-certificates procps python3"
# Tests also need systemd-analyze (verifies the generated units) and curl (the `curl | sh` path).
TEST_PACKAGES="systemd curl"

say() { printf '%s\n' "install.sh: $*"; }
die() { printf '%s\n' "install.sh: error: $*" >&2; exit 1; }
usage() {
  cat <<'EOF'
usage: install.sh [--prefix DIR] [--deps-only] [--skip-system]
       install.sh --from URL [--sha256 HEX] [--prefix DIR]     (or OCTO_RELEASE_URL=URL)

From a checkout: installs Bun from npm if missing, the Debian packages octo needs (as root),
runs bun install, builds, and installs octo, octoctl, octo-runner, octo-sandbox into
PREFIX/bin and pi into PREFIX/lib/octo (PREFIX: /usr/local as root, ~/.local otherwise).
--deps-only stops after bun install (what `bun run test` needs). --from installs a release
tarball after checking it against URL.sha256 (or --sha256), refusing on mismatch.
EOF
}

is_root() { [ "$(id -u)" = 0 ]; }

prefix="${OCTO_PREFIX:-}"
from="${OCTO_RELEASE_URL:-}"
expected_sha=""
deps_only=0
skip_system=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; prefix="$2"; shift 2 ;;
    --prefix=*) prefix="${1#*=}"; shift ;;
    --from) [ $# -ge 2 ] || die "--from needs a URL"; from="$2"; shift 2 ;;
    --from=*) from="${1#*=}"; shift ;;
    --sha256) [ $# -ge 2 ] || die "--sha256 needs a checksum"; expected_sha="$2"; shift 2 ;;
    --deps-only) deps_only=1; shift ;;
    --skip-system) skip_system=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) printf '%s\n' "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ -z "$prefix" ]; then
  if is_root; then prefix=/usr/local; else prefix="$HOME/.local"; fi
fi
case "$prefix" in /*) ;; *) prefix="$(pwd)/$prefix" ;; esac

done_list=""
did() { done_list="$done_list
  - $*"; say "$*"; }

# --- system packages (Debian) ---------------------------------------------------------------

missing_packages() {
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || printf '%s ' "$pkg"
  done
}

ensure_system_packages() {
  [ "$skip_system" = 1 ] && { say "system packages: skipped (--skip-system)"; return; }
  if ! command -v dpkg-query >/dev/null 2>&1; then
    say "system packages: not a Debian system; make sure these are installed: $*"
    return
  fi
  missing="$(missing_packages "$@")"
  if [ -z "$missing" ]; then
    say "system packages: already installed ($*)"
    return
  fi
  if ! is_root; then
    say "warning: missing system packages: $missing"
    say "         as root run: apt-get install -y --no-install-recommends $missing"
    return
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  # shellcheck disable=SC2086 # word splitting of the package list is intended
  apt-get install -y -qq --no-install-recommends $missing >/dev/null || die "apt-get install $missing failed"
  did "installed system packages: $missing"
}

# --- Bun -------------------------------------------------------------------------------------

bun_works() { command -v bun >/dev/null 2>&1 && bun --version >/dev/null 2>&1; }

ensure_bun() {
  if bun_works; then
    say "bun: $(bun --version) already installed ($(command -v bun))"
    return
  fi
  command -v npm >/dev/null 2>&1 || die "Bun is missing and so is npm: install Node.js/npm (or Bun) first"
  if is_root; then
    npm install -g --no-fund --no-audit "bun@$BUN_VERSION" >/dev/null || die "npm install -g bun failed"
  else
    npm install -g --no-fund --no-audit --prefix "$HOME/.local" "bun@$BUN_VERSION" >/dev/null \
      || die "npm install -g bun failed"
    PATH="$HOME/.local/bin:$PATH"
  fi
  npm_bin="$(npm prefix -g 2>/dev/null)/bin"
  is_root || npm_bin="$HOME/.local/bin"
  PATH="$npm_bin:$PATH"
  export PATH
  if ! bun_works; then
    # npm ran with scripts disabled: the package's postinstall never swapped in the real binary.
    root="$(npm root -g 2>/dev/null)"
    is_root || root="$HOME/.local/lib/node_modules"
    node "$root/bun/install.js" >/dev/null 2>&1 || die "bun's install.js failed in $root/bun"
  fi
  bun_works || die "bun was installed from npm but does not run"
  did "installed bun $(bun --version) from npm into $(dirname "$(command -v bun)")"
}

# --- copying into the prefix, only what differs -----------------------------------------------

changed=0
install_file() { # src dest mode
  if [ -f "$2" ] && [ ! -L "$2" ] && cmp -s "$1" "$2"; then return; fi
  mkdir -p "$(dirname "$2")"
  # Copy then rename: a running binary is replaced, never rewritten in place ("text file busy").
  cp "$1" "$2.new.$$" && chmod "$3" "$2.new.$$" && mv -f "$2.new.$$" "$2"
  did "installed $2"
  changed=1
}

install_tree() { # src-dir dest-dir (replaced whole unless its manifest is unchanged)
  if [ -f "$2/.octo-manifest" ] && cmp -s "$1/.octo-manifest" "$2/.octo-manifest"; then return; fi
  mkdir -p "$(dirname "$2")"
  rm -rf "$2.new.$$"
  cp -R "$1" "$2.new.$$"
  rm -rf "$2"
  mv "$2.new.$$" "$2"
  did "installed $2"
  changed=1
}

install_layout() { # dir holding bin/, lib/ and share/
  [ -f "$1/bin/octo" ] || die "$1/bin/octo is missing"
  install_file "$1/bin/octo" "$prefix/bin/octo" 755
  # One binary, told apart by the name it is started by; the layout's own shape is mirrored, so a
  # release that still had three files (before 0.1.0's decision 0009) installs as it was built.
  for name in octoctl octo-runner octo-sandbox; do
    if [ ! -L "$1/bin/$name" ] && [ -f "$1/bin/$name" ]; then
      install_file "$1/bin/$name" "$prefix/bin/$name" 755
    elif [ "$(readlink "$prefix/bin/$name" 2>/dev/null || true)" != octo ]; then
      rm -f "$prefix/bin/$name"
      ln -s octo "$prefix/bin/$name"
      did "linked $prefix/bin/$name -> octo"
      changed=1
    fi
  done
  install_tree "$1/lib/octo/pi" "$prefix/lib/octo/pi"
  # The agents' octo-tool (older releases had none).
  if [ -d "$1/lib/octo/tool" ]; then
    install_tree "$1/lib/octo/tool" "$prefix/lib/octo/tool"
  fi
  # The agent browser's driver (older releases had none).
  if [ -d "$1/lib/octo/browser" ]; then
    install_tree "$1/lib/octo/browser" "$prefix/lib/octo/browser"
  fi
  # The systemd units' Documentation= points here (older releases had no share/).
  if [ -f "$1/share/doc/octo/README.md" ]; then
    install_file "$1/share/doc/octo/README.md" "$prefix/share/doc/octo/README.md" 644
  fi
  [ "$changed" = 1 ] || say "binaries and lib in $prefix are already up to date"
}

# --- release tarball ------------------------------------------------------------------------

fetch() { # url file
  if command -v curl >/dev/null 2>&1; then curl -fsSL --retry 2 -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then wget -q -O "$2" "$1"
  else die "need curl or wget to download $1"; fi
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

install_release() {
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  tarball="$work/octo.tar.gz"
  say "downloading $from"
  fetch "$from" "$tarball" || die "cannot download $from"
  if [ -z "$expected_sha" ]; then
    fetch "$from.sha256" "$work/octo.sha256" || die "cannot download $from.sha256; refusing to install unverified"
    expected_sha="$(cut -d' ' -f1 < "$work/octo.sha256")"
  fi
  actual_sha="$(sha256_of "$tarball")"
  if [ "$actual_sha" != "$expected_sha" ]; then
    die "checksum mismatch for $from
  expected $expected_sha
  got      $actual_sha
refusing to install"
  fi
  did "verified sha256 $actual_sha"
  tar -xzf "$tarball" -C "$work" || die "cannot unpack $from"
  top=""
  for d in "$work"/octo-*/; do [ -d "$d/bin" ] && top="${d%/}"; done
  [ -n "$top" ] || die "$from does not hold an octo-<version>-<os>-<arch>/bin folder"
  # shellcheck disable=SC2086
  ensure_system_packages $RUNTIME_PACKAGES
  install_layout "$top"
}

# --- from a checkout --------------------------------------------------------------------------

install_checkout() {
  ensure_bun
  # shellcheck disable=SC2086
  if [ "$deps_only" = 1 ]; then ensure_system_packages $RUNTIME_PACKAGES $TEST_PACKAGES
  else ensure_system_packages $RUNTIME_PACKAGES; fi
  registry="$(npm config get registry 2>/dev/null || true)"
  say "bun install (registry ${registry:-default})"
  (cd "$checkout" && BUN_CONFIG_REGISTRY="$registry" bun install --frozen-lockfile >/dev/null) \
    || die "bun install failed in $checkout"
  [ "$deps_only" = 1 ] && return
  (cd "$checkout" && bun run build.ts) || die "build failed"
  install_layout "$checkout/dist"
}

checkout=""
script_dir="$(cd "$(dirname "$0")" 2>/dev/null && pwd || true)"
if [ -n "$script_dir" ] && [ -f "$script_dir/build.ts" ] && [ -f "$script_dir/package.json" ]; then
  checkout="$script_dir"
fi

if [ -n "$from" ]; then
  [ "$deps_only" = 1 ] && die "--deps-only works from a checkout, not with --from"
  install_release
elif [ -n "$checkout" ]; then
  install_checkout
else
  die "not run from an octo checkout: pass --from URL (or set OCTO_RELEASE_URL) to install a release"
fi

if [ -z "$done_list" ]; then say "nothing to do: everything was already in place"; fi
if [ "$deps_only" = 1 ]; then
  say "dependencies ready. Next: bun run test"
  exit 0
fi
octo="$prefix/bin/octo"
case ":$PATH:" in
  *":$prefix/bin:"*) next="octo serve" ;;
  *) next="$octo serve"; say "note: $prefix/bin is not on your PATH; add it, e.g. export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
say "octo $("$octo" version) is installed in $prefix/bin (octo, octoctl, octo-runner, octo-sandbox)."
say "Next: $next    (as a system service: $octo install)"
