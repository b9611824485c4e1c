#!/usr/bin/env bash
# Installs what conformance needs on a Debian machine with Node 20: Chromium and its
# driver, mitmproxy and pytest from apt, then the npm workspace (npm ci). Idempotent,
# and silent when nothing is missing. Run as root, or with sudo available.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 2; }

# Node 20.19 or newer (Appium 3 and the toolchain need it).
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node.js $(node --version 2>/dev/null || echo 'is missing'): install Node.js 20.19 or newer"

# System packages. python3-pytest runs the proxy addon's tests; Java runs allure-commandline,
# which turns a run's allure-results/ into HTML (conformance report), when no Java is there yet.
packages=(chromium chromium-driver mitmproxy python3-pytest)
missing=()
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then sudo=(); elif command -v sudo >/dev/null; then sudo=(sudo); else
    die "missing system packages: ${missing[*]}. As root run: apt-get update && apt-get install -y ${missing[*]}"
  fi
  say "installing ${missing[*]} with apt-get (about a minute)"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq >/dev/null || die "apt-get update failed: check the machine's access to the Debian package mirrors"
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
fi

# npm packages, installed exactly as locked. Re-run only when the lock file changed.
stamp=node_modules/.conformance-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null || die "npm ci failed (see the output above)"
  echo "$want" >"$stamp"
fi
