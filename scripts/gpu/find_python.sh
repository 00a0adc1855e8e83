# Sourced by prepare.sh and measure.sh: sets py to the interpreter whose torch to use: $PYTHON when set,
# else the first of python3 and /usr/bin/python3 that imports torch (the GPU machine's python3 holds
# PyTorch; here python3 may be another interpreter and Debian's /usr/bin/python3 has python3-torch).
py=${PYTHON:-}
if [ -z "$py" ]; then
  for c in python3 /usr/bin/python3; do
    if command -v "$c" >/dev/null && "$c" -c 'import torch' 2>/dev/null; then py=$c; break; fi
  done
fi
[ -n "$py" ] || fail "no python3 with torch found (set PYTHON)"
