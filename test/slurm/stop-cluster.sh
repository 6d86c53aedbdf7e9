#!/usr/bin/env bash
# Stops the daemons start-cluster.sh started in folder $1 (by their pid files; munged stays).
dir=$(realpath "$1")
for daemon in slurmd slurmctld; do
  [ -s "$dir/$daemon.pid" ] && kill "$(cat "$dir/$daemon.pid")" 2>/dev/null
done
exit 0
