# SPDX-License-Identifier: MIT
# Sourced by the tests that run a real, private PipeWire + WirePlumber: the environment
# (a fresh XDG_RUNTIME_DIR/XDG_CONFIG_HOME/HOME under $work), the daemons' configuration,
# and process helpers that never hang. Needs $work (a temporary directory) set.
export XDG_RUNTIME_DIR=$work/run PIPEWIRE_RUNTIME_DIR=$work/run XDG_CONFIG_HOME=$work/config
export DBUS_SESSION_BUS_ADDRESS=unix:path=$work/run/bus HOME=$work/home
mkdir -m 700 "$XDG_RUNTIME_DIR"
mkdir -p "$HOME" "$XDG_CONFIG_HOME/pipewire/pipewire.conf.d" "$XDG_CONFIG_HOME/wireplumber/main.lua.d" \
  "$XDG_CONFIG_HOME/wireplumber/bluetooth.lua.d"
# The daemon: no D-Bus of its own, and the test source plugin enabled.
cat >"$XDG_CONFIG_HOME/pipewire/pipewire.conf.d/hush-test.conf" <<'CONF'
context.properties = { support.dbus = false }
context.spa-libs = { audiotestsrc = audiotestsrc/libspa-audiotestsrc }
CONF
# WirePlumber without hardware monitors, device reservation or the flatpak portal (its
# 90-enable-all.lua reads these, so the file sorts before it). Without this, in a bare
# Debian chroot (no logind), WirePlumber 0.4 dropped its connection as clients joined.
cat >"$XDG_CONFIG_HOME/wireplumber/main.lua.d/60-hush-test.lua" <<'CONF'
alsa_monitor.enabled = false
alsa_monitor.properties["alsa.reserve"] = false
default_access.properties["enable-flatpak-portal"] = false
v4l2_monitor.enabled = false
libcamera_monitor.enabled = false
CONF
echo 'bluez_monitor.enabled = false' >"$XDG_CONFIG_HOME/wireplumber/bluetooth.lua.d/60-hush-test.lua"

pids=()
stop() {  # stop PID [SIGNAL]: ask, then insist after 3 s; never hangs
  kill -"${2:-TERM}" "$1" 2>/dev/null
  for _ in $(seq 30); do kill -0 "$1" 2>/dev/null || { wait "$1" 2>/dev/null; return 0; }; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null; wait "$1" 2>/dev/null
}
cleanup() {
  for pid in "${pids[@]}"; do stop "$pid"; done
  [ -n "${KEEP_WORK:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
start() {  # start NAME COMMAND...: in the background, logged to $work/NAME.log, stopped at exit
  local name=$1; shift
  "$@" >>"$work/$name.log" 2>&1 &
  pids+=($!)
  last_pid=$!
}
