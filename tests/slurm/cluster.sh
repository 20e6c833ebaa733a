#!/usr/bin/env bash
# A real one-node SLURM cluster for tests, as root, without systemd or cgroups.
#   cluster.sh start DIR   write the config, start munged, slurmctld and slurmd with
#                          state, spool and logs in DIR; wait until the node is idle
#   cluster.sh stop DIR    stop the daemons started in DIR, by the PIDs they wrote there
# The config goes to /etc/slurm/slurm.conf, where jobs find it: the snakemake SLURM
# plugin deletes every SLURM_* variable (SLURM_CONF too) inside its jobs.
set -euo pipefail

conf=/etc/slurm/slurm.conf
marker="# written by mnist-ablation tests/slurm/cluster.sh"

command=${1:?usage: cluster.sh start|stop DIR}
dir=$(realpath -m "${2:?usage: cluster.sh start|stop DIR}")

stop() {
    for name in slurmd slurmctld munged; do
        pidfile="$dir/$name.pid"
        if [ -s "$pidfile" ]; then
            kill "$(cat "$pidfile")" 2>/dev/null || true
        fi
    done
    # Wait for them to go, then make sure.
    for name in slurmd slurmctld munged; do
        pidfile="$dir/$name.pid"
        [ -s "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$pidfile"
    done
    if [ "$(head -n 1 "$conf" 2>/dev/null)" = "$marker" ]; then
        rm -f "$conf"
    fi
}

start() {
    mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
    chown munge:munge "$dir/munge"
    chmod 0711 "$dir/munge"
    cpus=$(nproc)
    # RealMemory in MB, a little below the machine's, as slurmd reports it.
    memory=$(awk '/MemTotal/ {print int($2 / 1024 * 0.95)}' /proc/meminfo)
    if [ -e "$conf" ] && [ "$(head -n 1 "$conf")" != "$marker" ]; then
        echo "$conf exists and is not ours: refusing to replace a real cluster's config" >&2
        return 1
    fi
    mkdir -p "$(dirname "$conf")"
    cat > "$conf" <<CONF
$marker
ClusterName=ci
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MinJobAge=600
ReturnToService=2
MpiDefault=none
SchedulerType=sched/backfill
NodeName=localhost CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
    runuser -u munge -- /usr/sbin/munged \
        --socket="$dir/munge/munge.socket" \
        --pid-file="$dir/munge/munged.pid" \
        --log-file="$dir/munge/munged.log" \
        --seed-file="$dir/munge/munged.seed"
    cp "$dir/munge/munged.pid" "$dir/munged.pid"
    /usr/sbin/slurmctld
    /usr/sbin/slurmd -N localhost
    for _ in $(seq 100); do
        if sinfo -h -N -o "%t" 2>/dev/null | grep -qx "idle"; then
            return 0
        fi
        sleep 0.2
    done
    echo "the one-node cluster did not come up; logs in $dir" >&2
    sinfo -N >&2 || true
    tail -n 20 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
    stop
    return 1
}

case "$command" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: cluster.sh start|stop DIR" >&2; exit 2 ;;
esac
