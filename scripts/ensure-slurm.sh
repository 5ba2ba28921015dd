#!/usr/bin/env bash
# Make sure a one-node Slurm cluster runs on this host, for the Slurm sandbox's tests. Idempotent.
#   - installs slurm-wlm and munge with apt-get if missing (needs root)
#   - creates /run/munge (owned by munge) and a munge key if missing, starts munged
#   - writes /etc/slurm/slurm.conf for this host's CPUs and memory: one node, one partition "debug",
#     proctrack/linuxproc and task/none, so it works inside a container without cgroup delegation;
#     an existing file is only rewritten (and the daemons restarted) when its content would change
#   - starts slurmctld and slurmd (logs under /var/log/slurm) and waits up to 60 s for the node to be idle
set -euo pipefail

log() { echo "[ensure-slurm] $*"; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
fi

missing=()
command -v slurmctld >/dev/null 2>&1 || missing+=(slurm-wlm)
command -v munged >/dev/null 2>&1 || missing+=(munge)
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends slurm-wlm munge
else
  log "slurm-wlm and munge already installed"
fi

# munge: the daemon authenticates every Slurm message.
$SUDO mkdir -p /run/munge /var/lib/munge /var/log/munge /etc/munge
$SUDO chown munge:munge /run/munge /var/lib/munge /var/log/munge
$SUDO chmod 0755 /run/munge
if [ ! -s /etc/munge/munge.key ]; then
  log "creating a munge key"
  $SUDO dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
$SUDO chown munge:munge /etc/munge/munge.key
$SUDO chmod 0400 /etc/munge/munge.key
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  log "starting munged"
  $SUDO runuser -u munge -- /usr/sbin/munged --force
  for _ in $(seq 1 20); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.5; done
fi

host=$(hostname -s)
cpus=$(nproc)
mem_mb=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
conf=$(cat <<EOF
# Written by scripts/ensure-slurm.sh: a one-node cluster for the Slurm sandbox's tests.
ClusterName=agentgym
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=600
KillWait=10
SchedulerParameters=sched_interval=2
MessageTimeout=20
NodeName=$host CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
)

$SUDO mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
restart=0
if [ ! -f /etc/slurm/slurm.conf ] || [ "$(cat /etc/slurm/slurm.conf)" != "$conf" ]; then
  log "writing /etc/slurm/slurm.conf ($host: $cpus CPUs, $mem_mb MB)"
  printf '%s\n' "$conf" | $SUDO tee /etc/slurm/slurm.conf >/dev/null
  restart=1
fi

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
if [ "$restart" = 1 ]; then
  for pidfile in /run/slurmd.pid /run/slurmctld.pid; do
    if running "$pidfile"; then $SUDO kill "$(cat "$pidfile")"; sleep 1; fi
  done
fi
if ! running /run/slurmctld.pid; then
  log "starting slurmctld (log: /var/log/slurm/slurmctld.log)"
  $SUDO /usr/sbin/slurmctld
fi
if ! running /run/slurmd.pid; then
  log "starting slurmd (log: /var/log/slurm/slurmd.log)"
  $SUDO /usr/sbin/slurmd
fi

for _ in $(seq 1 60); do
  state=$(sinfo -h -N -n "$host" -o '%T' 2>/dev/null || true)
  case "$state" in
    idle|mixed|allocated) log "node $host is $state"; exit 0 ;;
    down*|drain*) $SUDO scontrol update NodeName="$host" State=RESUME 2>/dev/null || true ;;
  esac
  sleep 1
done
log "ERROR: node $host did not become idle within 60 s (state: ${state:-none}); see /var/log/slurm/" >&2
tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
exit 1
