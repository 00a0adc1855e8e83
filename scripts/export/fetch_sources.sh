#!/usr/bin/env bash
# Fills a cache folder with the model libraries' source at pinned versions, for the random-weight
# full-size check (make_models.py, full_size_check.sh). They are tools, not project code: nothing
# in scenescape's build, run or tests imports them.
#
# Usage: scripts/export/fetch_sources.sh CACHE [--from DIR]
#   CACHE       folder to fill (outside the checkout); CACHE/src/<name> per library, CACHE/stubs,
#               and CACHE/pythonpath (the PYTHONPATH to use, one line)
#   --from DIR  take each repository from a local clone or bare mirror under DIR instead of the
#               network: DIR/<owner>+<name>/repo, DIR/<owner>+<name>, DIR/<name> or DIR/<name>.git
#
# Pins: versions that run on PyTorch 1.13 (Debian 12's python3-torch) and with each other.
#   diffusers        v0.29.2   (the first release after v0.27 without huggingface_hub.cached_download)
#   huggingface_hub  v0.29.3
#   timm             v0.6.13   (the series MiDaS v3.1 was written against)
#   MiDaS            v3_1      (hubconf.py DPT_Large; DPT.forward_transformer)
# Stub: safetensors (a Rust extension Debian 12 does not package): diffusers imports it, the
# check never reads or writes .safetensors files; CACHE/stubs/safetensors raises if anything does.
# transformers is not fetched (its repository is too large to mirror here, and Debian 12 does not
# package it): make_models.py uses clip_replica.py unless transformers is importable.
# Debian packages the libraries need: python3-torch python3-torchvision python3-regex
# python3-filelock python3-fsspec python3-importlib-metadata python3-pil python3-packaging
# python3-requests python3-tqdm python3-yaml (scripts/install_deps.sh installs them).
set -euo pipefail
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }
[ $# -ge 1 ] || { usage; exit 2; }
case $1 in -h|--help) usage; exit 0 ;; -*) echo "error: the first argument is the cache folder" >&2; exit 2 ;; esac
cache=$1; shift
from=""
while [ $# -gt 0 ]; do
  case $1 in
    --from) [ $# -ge 2 ] || { echo "error: --from needs a folder" >&2; exit 2; }; from=$2; shift ;;
    *) echo "error: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done

# name owner repo ref python-path-inside
sources=(
  "diffusers huggingface diffusers v0.29.2 src"
  "huggingface_hub huggingface huggingface_hub v0.29.3 src"
  "timm huggingface pytorch-image-models v0.6.13 ."
  "MiDaS isl-org MiDaS v3_1 -"
)
mkdir -p "$cache/src" "$cache/stubs/safetensors"
cache=$(cd "$cache" && pwd)
pythonpath=()
for s in "${sources[@]}"; do
  read -r name owner repo ref inside <<< "$s"
  dest=$cache/src/$name
  if [ -f "$dest/.pinned" ] && [ "$(cat "$dest/.pinned")" = "$ref" ]; then
    echo "$name $ref: present"
  else
    rm -rf "$dest" && mkdir -p "$dest"
    gitdir=""
    if [ -n "$from" ]; then
      for c in "$from/$owner+$repo/repo" "$from/$owner+$repo" "$from/$repo" "$from/$repo.git"; do
        if git --git-dir="$c" rev-parse --verify -q "$ref^{commit}" >/dev/null 2>&1 ||
           git -C "$c" rev-parse --verify -q "$ref^{commit}" >/dev/null 2>&1; then gitdir=$c; break; fi
      done
      [ -n "$gitdir" ] || { echo "error: no clone of $owner/$repo with $ref under $from" >&2; exit 1; }
    else
      gitdir=$cache/clone-$name
      rm -rf "$gitdir"
      git clone -q --bare --depth 1 --branch "$ref" "https://github.com/$owner/$repo" "$gitdir"
    fi
    if [ -d "$gitdir/.git" ]; then gitdir=$gitdir/.git; fi
    # Source files only: some repositories keep large media that a shallow mirror lacks.
    git --git-dir="$gitdir" archive "$ref" -- $(git --git-dir="$gitdir" ls-tree --name-only "$ref" |
      grep -Ev '^(assets|figures|docs|examples|tests|input|output)$') | tar -x -C "$dest"
    [ "$gitdir" = "$cache/clone-$name" ] && rm -rf "$gitdir"
    echo "$ref" > "$dest/.pinned"
    echo "$name $ref: $(git --git-dir="${gitdir}" rev-parse "$ref^{commit}" 2>/dev/null || echo fetched)"
  fi
  [ "$inside" = "-" ] || pythonpath+=("$dest/$inside")
done
cat > "$cache/stubs/safetensors/__init__.py" <<'PY'
"""Stand-in for the safetensors wheel (a Rust extension Debian 12 does not package).

diffusers imports it; building models from their configs never reads or writes
.safetensors files, and anything that tries gets ImportError.
"""
__version__ = "0.0+stub"


def safe_open(*args, **kwargs):
    raise ImportError("safetensors is a stub here: use safe_serialization=False")
PY
cat > "$cache/stubs/safetensors/torch.py" <<'PY'
from . import safe_open as _missing

load_file = save_file = load = save = _missing
PY
pythonpath+=("$cache/stubs")
(IFS=:; echo "${pythonpath[*]}") > "$cache/pythonpath"
echo "PYTHONPATH for the model makers: $(cat "$cache/pythonpath")"
