#!/usr/bin/env bash
# Installs what the end-to-end tests need and npm does not bring: Debian's Chromium and a
# code-server (a real VS Code that runs without a desktop). Idempotent: a second run is a no-op.
# Usage: ensure-test-tools.sh [--no-browser]   (--no-browser: code-server only, for npm start)
# Why code-server 4.100.3: it is VS Code 1.100.3, the newest that runs on Node 20.
# Why the ripgrep cache: @vscode/ripgrep downloads its binary from a code host that this kind of
# machine cannot reach; it accepts a tarball from its cache folder instead, which we make from
# Debian's ripgrep.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cs_version="4.100.3"
cs_dir="$root/.vscode-test/code-server"
cs_bin="$cs_dir/node_modules/.bin/code-server"

missing=()
if [ "${1:-}" != "--no-browser" ]; then
  command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
fi
command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
[ -f /usr/include/krb5.h ] || [ -f /usr/include/krb5/krb5.h ] || missing+=(libkrb5-dev)

if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "[test-tools] installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "[test-tools] missing system packages: ${missing[*]}" >&2
    echo "[test-tools] install them (Debian/Ubuntu: sudo apt-get install -y ${missing[*]}) and run again." >&2
    exit 2
  fi
fi

marker="$cs_dir/.installed-$cs_version" # written only after every install step succeeded
[ -f "$marker" ] && exit 0

echo "[test-tools] installing code-server $cs_version into .vscode-test/code-server (1-2 minutes, once)"
mkdir -p "$cs_dir"
tmp="${TMPDIR:-/tmp}"
rg_cache="$tmp/vscode-ripgrep-cache-1.15.11"
rg_tar="$rg_cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -f "$rg_tar" ]; then
  mkdir -p "$rg_cache" "$tmp/rg-pack"
  cp "$(command -v rg)" "$tmp/rg-pack/rg"
  tar -C "$tmp/rg-pack" -czf "$rg_tar" rg
fi
cd "$cs_dir"
# code-server's postinstall refuses to run as root unless npm_config_unsafe_perm is set, and runs
# npx node-gyp (npm_config_yes answers its prompt).
# npm 11 runs no dependency install scripts unless package.json's allowScripts lists them, and
# code-server's own postinstall (and its native modules' builds) must run: fetch without scripts,
# approve what was fetched (this private folder holds nothing else), then run the scripts.
rm -rf node_modules package-lock.json
echo '{"name":"test-code-server","private":true}' > package.json
{ npm install --no-audit --no-fund --ignore-scripts "code-server@$cs_version" &&
  npm install-scripts approve --all &&
  npm_config_unsafe_perm=true npm_config_yes=true npm rebuild; } >install.log 2>&1 || {
    echo "[test-tools] code-server install failed; see $cs_dir/install.log" >&2
    tail -20 install.log >&2
    exit 1
  }
"$cs_bin" --version | head -1
touch "$marker"
