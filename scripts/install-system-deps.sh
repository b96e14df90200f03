#!/usr/bin/env bash
# System packages the local hub (`hub`) or the tests (`test`, the default) need, installed only when missing
# (idempotent, safe to rerun; apt-get only as root, otherwise it says what to install).
#   g++: compiles the datafree Geant4 physics library on first use (hub and test)
#   node, npm: to run and install JupyterHub's proxy (hub and test)
#   configurable-http-proxy: JupyterHub's real proxy, pinned, from npm into .tools/ (no global install)
#   chromium: the real browser that Playwright drives in the UI tests (test only; Playwright's own browser
#             download is not used: the tests pass executable_path=/usr/bin/chromium)
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=${1:-test}
case "$MODE" in
  hub|test) ;;
  *) echo "install-system-deps: unknown mode '$MODE'; expected hub or test" >&2; exit 2 ;;
esac
CHP_VERSION=5.3.0

need_apt=()
command -v g++ >/dev/null 2>&1 || need_apt+=(g++)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if [ "$MODE" = test ]; then
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "install-system-deps: apt-get install ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "install-system-deps: please install ${need_apt[*]} (apt-get needs root)" >&2
  fi
fi

installed_chp() {
  local manifest=.tools/node_modules/configurable-http-proxy/package.json
  [ -f "$manifest" ] && node -p "require('./$manifest').version" 2>/dev/null || true
}

if [ ! -x .tools/node_modules/.bin/configurable-http-proxy ] || [ "$(installed_chp)" != "$CHP_VERSION" ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "install-system-deps: npm install configurable-http-proxy@$CHP_VERSION into .tools/"
    mkdir -p .tools
    npm install --silent --no-audit --no-fund --prefix .tools "configurable-http-proxy@$CHP_VERSION" >/dev/null
  else
    echo "install-system-deps: npm is missing; cannot install configurable-http-proxy" >&2
    exit 1
  fi
fi
