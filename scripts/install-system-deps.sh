#!/usr/bin/env bash
# System packages the tests and the local hub need, installed only when missing (idempotent).
#   chromium: the real browser driven by Playwright in the UI tests
#   configurable-http-proxy: JupyterHub's real proxy, from npm, into .tools/ (no global install)
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "install-system-deps: please install ${need_apt[*]} (apt-get needs root)" >&2
  fi
fi

if [ ! -x .tools/node_modules/.bin/configurable-http-proxy ]; then
  mkdir -p .tools
  npm install --silent --prefix .tools configurable-http-proxy@5.3.0 >/dev/null
fi
