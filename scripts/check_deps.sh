#!/usr/bin/env bash
# Checks that everything the build, the tests and the documented commands use comes from a Debian package that
# scripts/install_deps.sh installs (the listed packages, what they depend on, and the base system), so that what
# builds here also builds on a fresh machine. A header, library or program that something else brought (a package
# installed by hand, a file in /usr/local) is named, with the package it came from.
#
#   scripts/check_deps.sh [BUILD_DIR]
#
# Always: the listed packages are installed, and the programs below are there. With BUILD_DIR (a configured Ninja
# build): what CMake found (compilers, tools, libraries, package config folders), every library on a link line (all
# targets, built or not), every shared library that the built programs load, and every header that the objects
# built so far included (ninja's dependency log).
# Exit: 0 all provided, 1 something is not, 77 cannot check here (not Debian, or not a Ninja build folder).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-}

# Programs that the tests and the documented commands run (the build's own tools are among what CMake found).
programs=(
  colmap       # scenescape eval --colmap (src/app/colmap_check.cc), tests/app/eval_test
  munged       # tests/slurm/slurm_test.sh starts a one-node cluster
  slurmctld
  slurmd
  sbatch       # tests/slurm, scripts/slurm/array.sbatch
  sinfo
  python3      # scripts/paper/run_paper.sh (make_jobs.py, tabulate.py)
  clang-format # scripts/format.sh
)

command -v dpkg-query >/dev/null || { echo "check_deps: SKIP: not a Debian system (no dpkg-query)"; exit 77; }
if [ -n "$build" ] && [ ! -f "$build/build.ninja" ]; then
  echo "check_deps: SKIP: $build is not a configured Ninja build folder"
  exit 77
fi

problems=0
problem() {
  echo "check_deps: $*"
  problems=$((problems + 1))
}

# ------------------------------------------------------------------ the packages install_deps.sh brings
mapfile -t listed < <("$src/scripts/install_deps.sh" --list)
# The closure over the installed packages: the listed ones and the base system (Essential or Priority: required,
# what every Debian root has), then their Depends and Pre-Depends (install_deps.sh installs without Recommends).
# Of alternatives ("a | b") the first one installed counts, as apt would pick the first.
closure=$(dpkg-query -W -f='${db:Status-Abbrev}\t${Package}\t${Essential}\t${Priority}\t${Provides}\t${Pre-Depends}, ${Depends}\n' |
  awk -F'\t' -v roots="${listed[*]}" '
    function bare(s) { sub(/^ +/, "", s); sub(/[ (].*/, "", s); sub(/:.*/, "", s); return s }
    function resolve(name) {
      if (name in inst) return name
      if (name in prov) return prov[name]
      return ""
    }
    $1 ~ /^ii/ {
      inst[$2] = 1
      deps[$2] = $6
      if ($3 == "yes" || $4 == "required") base[$2] = 1
      n = split($5, pv, /,/)
      for (i = 1; i <= n; i++) { v = bare(pv[i]); if (v != "" && !(v in prov)) prov[v] = $2 }
    }
    END {
      n = split(roots, r, " ")
      for (i = 1; i <= n; i++) {
        if (!(r[i] in inst)) { print "MISSING\t" r[i]; continue }
        queue[++tail] = r[i]
      }
      for (b in base) queue[++tail] = b
      while (head < tail) {
        p = queue[++head]
        if (p in seen) continue
        seen[p] = 1
        print p
        n = split(deps[p], d, /,/)
        for (i = 1; i <= n; i++) {
          m = split(d[i], alt, /\|/)
          for (j = 1; j <= m; j++) {
            q = resolve(bare(alt[j]))
            if (q != "") { if (!(q in seen)) queue[++tail] = q; break }
          }
        }
      }
    }')
for p in $(printf '%s\n' "$closure" | awk -F'\t' '$1 == "MISSING" { print $2 }'); do
  problem "package $p is listed in scripts/install_deps.sh but not installed (run scripts/install_deps.sh)"
done

# ------------------------------------------------------------------ what is used, as absolute paths
# "KIND<TAB>PATH<TAB>WHAT" lines: KIND is header, library, program or cmake-found; WHAT names it for the message.
used=$(mktemp)
trap 'rm -f "$used"' EXIT
for p in "${programs[@]}"; do
  found=""
  for d in /usr/bin /usr/sbin /bin /sbin; do
    [ -e "$d/$p" ] && { found=$d/$p; break; }
  done
  if [ -z "$found" ]; then
    problem "program $p: not installed; no package that scripts/install_deps.sh lists provides it"
  else
    printf 'program\t%s\t%s\n' "$found" "$p" >>"$used"
  fi
done

n_objects=0
if [ -n "$build" ]; then
  # Headers that the objects built so far included; the project's own files (the source folder the build was
  # configured from, the build folder) are not packages'.
  project=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt")
  n_objects=$(ninja -C "$build" -t deps | grep -c '^[^ ].*: #deps' || true)
  ninja -C "$build" -t deps | awk '/^    / { print $1 }' | sort -u |
    (cd "$build" && xargs -r realpath -s -m --) | grep -v -e "^$project/" -e "^$(realpath "$build")/" |
    awk '{ printf "header\t%s\t%s\n", $0, $0 }' >>"$used" || true
  # What CMake found: compilers, tools, libraries (FILEPATH entries) and package config folders (*_DIR).
  sed -n -e 's/^\([A-Za-z0-9_.+-]*\):FILEPATH=\(\/.*\)/\2\t\1/p' -e 's/^\([A-Za-z0-9_.+-]*_DIR\):PATH=\(\/.*\)/\2\t\1/p' \
    "$build/CMakeCache.txt" | grep -v NOTFOUND | awk -F'\t' '{ printf "cmake-found\t%s\t%s\n", $1, $2 }' >>"$used"
  # Libraries on every link line (all targets, including those not built yet).
  sed -n 's/^  LINK_LIBRARIES = //p' "$build/build.ninja" | tr ' ,"' '\n\n\n' | sort -u | while read -r item; do
    case "$item" in
      /*) printf 'library\t%s\t%s\n' "$item" "$item" ;;
      -l*)
        f=$(c++ -print-file-name="lib${item#-l}.so")
        [ "$f" = "lib${item#-l}.so" ] && f=$(c++ -print-file-name="lib${item#-l}.a")
        printf 'library\t%s\t%s\n' "$f" "$item" ;;
    esac
  done >>"$used"
  # Shared libraries that the built programs load (ldd prints "name => path (address)").
  find "$build" -type f -perm -u+x ! -name '*.so*' ! -name '*.sh' -print0 2>/dev/null |
    xargs -0 -r sh -c 'for f; do [ "$(head -c4 "$f")" = "$(printf "\177ELF")" ] && ldd "$f"; done' sh |
    awk '$2 == "=>" && $3 ~ /^\// { printf "library\t%s\t%s\n", $3, $1 }' | sort -u >>"$used" || true
fi

# ------------------------------------------------------------------ which package each one comes from
# dpkg's file lists name each file as its package installed it; a path may reach it through a symlink
# (/lib -> /usr/lib, /etc/alternatives), so the resolved path and its /usr-merged twin are tried too.
owners=$(mktemp)
trap 'rm -f "$used" "$owners"' EXIT
cut -f2 "$used" | sort -u >"$owners"
paste "$owners" <(xargs -r -d '\n' realpath -m -- <"$owners") | awk -F'\t' '
  function twin(p) { return p ~ /^\/usr\// ? substr(p, 5) : "/usr" p }
  { print $1 "\t" $1; print $1 "\t" $2; print $1 "\t" twin($1); print $1 "\t" twin($2) }'  | awk -F'\t' '
  FNR == NR { want[$2] = want[$2] " " $1; next }
  ($0 in want) {
    pkg = FILENAME; sub(/.*\//, "", pkg); sub(/\.list$/, "", pkg); sub(/:.*/, "", pkg)
    n = split(want[$0], w, " ")
    for (i = 1; i <= n; i++) if (!((w[i], pkg) in done)) { done[w[i], pkg] = 1; print w[i] "\t" pkg }
  }' - /var/lib/dpkg/info/*.list >"$owners.tmp"
mv "$owners.tmp" "$owners"

# One line per package that is used but not brought, naming the first file used from it.
counts=$(awk -F'\t' -v closure="$closure" -v owners="$owners" '
  BEGIN {
    n = split(closure, c, "\n")
    for (i = 1; i <= n; i++) inclosure[c[i]] = 1
    while ((getline line < owners) > 0) { split(line, o, "\t"); own[o[1]] = own[o[1]] " " o[2] }
  }
  function name(kind, path, what) {
    return (kind == "cmake-found" ? "CMake'"'"'s" : kind) " " (what == path ? path : what " (" path ")")
  }
  !(($1, $2) in seen) {
    seen[$1, $2] = 1
    count[$1]++
    if (!($2 in own)) { print "PROBLEM\t" name($1, $2, $3) ": no Debian package provides it"; next }
    ok = 0
    n = split(own[$2], pk, " ")
    for (i = 1; i <= n; i++) if (pk[i] in inclosure) ok = 1
    if (ok) next
    if (!(own[$2] in first)) { first[own[$2]] = name($1, $2, $3); order[++npkg] = own[$2] }
    more[own[$2]]++
  }
  END {
    for (i = 1; i <= npkg; i++) {
      p = order[i]
      print "PROBLEM\t" first[p] " comes from package" (split(p, w, " ") > 1 ? "s" : "") p \
            ", which scripts/install_deps.sh does not bring: add it there" \
            (more[p] > 1 ? " (" more[p] - 1 " more files of it are used)" : "")
    }
    split("header headers library libraries program programs cmake-found files-CMake-found", k, " ")
    for (i = 1; i < 8; i += 2)
      if (count[k[i]]) { summary = summary (summary == "" ? "" : ", ") count[k[i]] " " k[i + 1]; gsub(/-/, " ", summary) }
    print "COUNTS\t" summary
  }
' "$used")
while IFS=$'\t' read -r kind text; do
  if [ "$kind" = PROBLEM ]; then problem "$text"; else summary=$text; fi
done <<<"$counts"

scope="${#listed[@]} listed packages"
[ -n "$build" ] && scope="$scope; headers of $n_objects built objects"
if [ "$problems" -gt 0 ]; then
  echo "check_deps: $problems problem(s) ($summary checked; $scope)"
  exit 1
fi
echo "check_deps: $summary, all from packages that scripts/install_deps.sh brings ($scope)"
