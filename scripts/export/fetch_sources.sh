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
#   Depth-Anything-V2 a561b84  (no release tags; depth_anything_v2/dpt.py DepthAnythingV2)
#   open_clip        v2.24.0   (OpenCLIP / OpenAI CLIP models with the checkpoints' names; check_clip_names.py)
# Stub: safetensors (a Rust extension Debian 12 does not package): diffusers imports it, the
# check never reads or writes .safetensors files; CACHE/stubs/safetensors raises if anything does.
# Stub: cv2 (Depth-Anything-V2's dpt.py and util/transform.py import OpenCV's Python module for their
# own image preprocessing, which the export never calls: scenescape preprocesses in C++); it has the
# interpolation constants those files read at import, and its functions raise.
# Stub: ftfy (open_clip's tokenizer imports it; the checks build models, never tokenize with open_clip).
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

# name owner repo ref python-path-inside ("-": passed to make_models.py as a folder instead)
sources=(
  "diffusers huggingface diffusers v0.29.2 src"
  "huggingface_hub huggingface huggingface_hub v0.29.3 src"
  "timm huggingface pytorch-image-models v0.6.13 ."
  "MiDaS isl-org MiDaS v3_1 -"
  "Depth-Anything-V2 DepthAnything Depth-Anything-V2 a561b849ebae10a6f5ef49e26c83cbbcd36c71bf -"
  "open_clip mlfoundations open_clip v2.24.0 src"
)
mkdir -p "$cache/src" "$cache/stubs/safetensors" "$cache/stubs/cv2" "$cache/stubs/ftfy"
cache=$(cd "$cache" && pwd)
pythonpath=()
for s in "${sources[@]}"; do
  read -r name owner repo ref inside <<< "$s"
  dest=$cache/src/$name
  if [ -f "$dest/.pinned" ] && [ "$(cat "$dest/.pinned")" = "$ref" ]; then
    echo "$name $ref: present"
  else
    rm -rf "$dest" && mkdir -p "$dest"
    gitdir="" rev=$ref
    if [ -n "$from" ]; then
      for c in "$from/$owner+$repo/repo" "$from/$owner+$repo" "$from/$repo" "$from/$repo.git"; do
        if git --git-dir="$c" rev-parse --verify -q "$ref^{commit}" >/dev/null 2>&1 ||
           git -C "$c" rev-parse --verify -q "$ref^{commit}" >/dev/null 2>&1; then gitdir=$c; break; fi
      done
      [ -n "$gitdir" ] || { echo "error: no clone of $owner/$repo with $ref under $from" >&2; exit 1; }
    else
      # A tag or a full commit id (GitHub serves both to a shallow fetch).
      gitdir=$cache/clone-$name rev=FETCH_HEAD
      rm -rf "$gitdir"
      git init -q --bare "$gitdir"
      git --git-dir="$gitdir" fetch -q --depth 1 "https://github.com/$owner/$repo" "$ref"
    fi
    if [ -d "$gitdir/.git" ]; then gitdir=$gitdir/.git; fi
    # Source files only, and only those whose content the clone has: media folders (at any depth) are left
    # out, and a local mirror may list its largest files without holding them (a warning names them).
    mapfile -d '' listed < <(git --git-dir="$gitdir" ls-tree -r -z --name-only "$rev" |
      grep -zEv '(^|/)(assets|figures|docs|examples|tests|input|output)/')
    mapfile -t kinds < <(printf '%s\n' "${listed[@]/#/$rev:}" |
      git --git-dir="$gitdir" cat-file --batch-check='%(objecttype)')
    files=()
    for i in "${!listed[@]}"; do
      if [ "${kinds[$i]}" = blob ]; then
        files+=("${listed[$i]}")
      else
        echo "warning: $name: ${listed[$i]} absent from the clone, left out" >&2
      fi
    done
    # git archive names every absent blob of the tree as "invalid object", also those it does not write.
    git --literal-pathspecs --git-dir="$gitdir" archive "$rev" -- "${files[@]}" \
      2> >(grep -v '^error: invalid object' >&2) | tar -x -C "$dest"
    commit=$(git --git-dir="$gitdir" rev-parse "$rev^{commit}")
    [ "$gitdir" = "$cache/clone-$name" ] && rm -rf "$gitdir"
    echo "$ref" > "$dest/.pinned"
    echo "$name $ref: $commit"
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
cat > "$cache/stubs/cv2/__init__.py" <<'PY'
"""Stand-in for OpenCV's Python module (Debian: python3-opencv, not installed by scenescape).

Depth-Anything-V2's dpt.py and util/transform.py import cv2 for their own image
preprocessing and read interpolation constants at import (OpenCV's values); the
export never preprocesses (scenescape does that in C++), and any function raises.
"""
__version__ = "0.0+stub"
INTER_NEAREST, INTER_LINEAR, INTER_CUBIC, INTER_AREA = 0, 1, 2, 3


def __getattr__(name):
    raise ImportError(f"cv2 is a stub here (cv2.{name}): install python3-opencv to preprocess images")
PY
cat > "$cache/stubs/ftfy/__init__.py" <<'PY'
"""Stand-in for ftfy (not packaged by Debian 12): open_clip's tokenizer imports it; the checks never tokenize."""
__version__ = "0.0+stub"


def fix_text(text, *args, **kwargs):
    raise ImportError("ftfy is a stub here")
PY
pythonpath+=("$cache/stubs")
(IFS=:; echo "${pythonpath[*]}") > "$cache/pythonpath"
echo "PYTHONPATH for the model makers: $(cat "$cache/pythonpath")"
