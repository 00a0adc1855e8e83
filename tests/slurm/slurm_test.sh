#!/usr/bin/env bash
# Starts a one-node Slurm cluster on this machine (munge + slurmctld + slurmd,
# all state in a temporary folder, non-default ports), submits a 2-task job
# array through scripts/slurm/array.sbatch and checks that every run of the
# batch completes. Exits 77 (skipped) where Slurm is not installed or we are
# not root.
# Usage: slurm_test.sh SCENESCAPE_BINARY SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
for tool in munged slurmctld slurmd sbatch sinfo; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool not installed (Debian packages slurm-wlm and munge)"
    exit 77
  fi
done
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: starting slurmd needs root"
  exit 77
fi

tmp=$(mktemp -d /tmp/scn-slurm.XXXXXX)
host=$(hostname -s)
cleanup() {
  [ -f "$tmp/slurmd.pid" ] && kill "$(cat "$tmp/slurmd.pid")" 2>/dev/null
  [ -f "$tmp/slurmctld.pid" ] && kill "$(cat "$tmp/slurmctld.pid")" 2>/dev/null
  [ -f "$tmp/munged.pid" ] && kill "$(cat "$tmp/munged.pid")" 2>/dev/null
  sleep 1
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$tmp"/*.log "$tmp"/out/*.out; do [ -f "$f" ] && { echo "--- $f"; tail -20 "$f"; }; done
  exit 1
}

mkdir -p "$tmp/munge" "$tmp/state" "$tmp/spool" "$tmp/out"
dd if=/dev/urandom bs=1 count=1024 of="$tmp/munge/munge.key" 2>/dev/null
chmod 700 "$tmp/munge"
chmod 400 "$tmp/munge/munge.key"
munged --force --key-file="$tmp/munge/munge.key" --socket="$tmp/munge/munge.sock" \
  --pid-file="$tmp/munged.pid" --log-file="$tmp/munged.log" --seed-file="$tmp/munge/seed" ||
  fail "munged did not start"

mem=$(awk '/MemTotal/ {print int($2/1024) - 512}' /proc/meminfo)
cpus=$(nproc)
cat >"$tmp/slurm.conf" <<CONF
ClusterName=scenescape-test
SlurmctldHost=$host
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge/munge.sock
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$tmp/slurm.conf
slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start"
slurmd -f "$SLURM_CONF" || fail "slurmd did not start"
for _ in $(seq 60); do
  state=$(sinfo -h -o %t 2>/dev/null | head -1)
  [ "$state" = "idle" ] && break
  sleep 1
done
[ "$state" = "idle" ] || fail "the node did not become idle (state: '$state')"

small='"overrides": {"camera.width": 96, "camera.height": 96, "camera.focal_length": 94, "inpaint.num_candidates": 2, "render.frustum_margin_px": 24}'
for i in 0 1 2; do
  echo "{\"name\": \"job$i\", \"frames\": 3, \"seed\": $i, $small}"
done >"$tmp/jobs.jsonl"

cd "$tmp/out"
SCENESCAPE=$bin sbatch --wait --array=0-1 --cpus-per-task=1 --output="$tmp/out/%A_%a.out" \
  "$src/scripts/slurm/array.sbatch" "$tmp/jobs.jsonl" "$tmp/runs" >"$tmp/sbatch.log" 2>&1 ||
  fail "sbatch --wait failed: $(cat "$tmp/sbatch.log")"
for i in 0 1 2; do
  grep -q '"status": "complete"' "$tmp/runs/job$i/run.json" 2>/dev/null || fail "job$i did not complete"
done
# Each array task ran its own shard: job0 and job2 in task 0, job1 in task 1.
grep -q "job1" "$tmp"/out/*_0.out && fail "task 0 ran job1"
echo "1 passed, 0 failed"
