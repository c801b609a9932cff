#!/usr/bin/env bash
# The rollout page's test drives Debian's chromium through playwright-core, which downloads no
# browser. Installs it when it is missing and this user may (root, or sudo without a password);
# otherwise says how, and fails, rather than letting the page test fail later with less to go on.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -n "${CHROMIUM_PATH:-}" ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  run=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  run=(sudo -n)
else
  echo "the rollout page's test needs Debian's chromium: run 'sudo apt-get install -y chromium'" \
    "(or set CHROMIUM_PATH to a Chromium binary), then npm test again" >&2
  exit 1
fi
echo "installing Debian's chromium for the rollout page's test (apt-get)" >&2
"${run[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${run[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null
