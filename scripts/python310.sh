#!/usr/bin/env bash
# Prints the path of a CPython 3.10 interpreter (Rasa 3.6 does not run on 3.11+).
set -euo pipefail
want=$(cat "$(dirname "$0")/../.python-version" 2>/dev/null || echo 3.10)
for candidate in \
    "${PYENV_ROOT:-$HOME/.pyenv}/versions/$want/bin/python3.10" \
    "$(command -v pyenv >/dev/null 2>&1 && pyenv root 2>/dev/null)/versions/$want/bin/python3.10" \
    "$(command -v python3.10 || true)" \
    /usr/bin/python3.10 /usr/local/bin/python3.10; do
  if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
    echo "$candidate"; exit 0
  fi
done
echo "error: Python 3.10 not found. Rasa 3.6 needs it: run 'pyenv install $want' (or install python3.10) and try again." >&2
exit 1
