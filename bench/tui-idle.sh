#!/bin/sh
# Benchmark (issue 16, "Idle means idle"): the interface left alone on a
# tree of BENCH_IDLE_BOXES mailboxes (default 100,000, in 2,000 domains,
# half of them with folders: more directories than inotify has watches), the
# real binary on a pseudo-terminal (it also prints when the first counts
# and all of them came). Once the first scan, the watches and
# their recheck are done (VMAILADM_UI_TIMING's watch-done), it measures the
# process's CPU over BENCH_IDLE_SECONDS (default 10) from /proc, then
# delivers one message into the last mailbox (one of those past the
# watches) and times until the interface reports it. Side by side, in the
# same run: the boxes past the watches followed by fanotify (as root, the
# default) and polled by mtime (VMAILADM_WATCH_FANOTIFY=0, as a user
# without the privilege). Targets: idle <= 2 % of a core, a delivery shown
# within 1 s. Polling's floor is measured just before it, on the same tree
# (bench/maildir-rescan --check-round: the fstatat of every directory a
# polling round checks, on one thread as the interface's poller makes
# them: the root and new/ of each box every round, cur/ every
# MAILDIR_POLL_CUR_ROUNDS rounds, averaged): its CPU per round, for the
# boxes polled, at one round per second is the least CPU that covers every
# box's deliveries within 1 s. Trees are cached in /tmp/vmailadm-bench.
set -eu
: "${top_builddir:=.}"
: "${VMAILADM:=$top_builddir/vmailadm}"
boxes=${BENCH_IDLE_BOXES:-100000}
msgs=$((boxes * 2)) doms=$((boxes / 50)) seed=42
[ "$doms" -ge 1 ] || doms=1
command -v python3 >/dev/null 2>&1 || { echo "tui-idle: python3 not found, skipped"; exit 0; }
infocmp xterm-256color >/dev/null 2>&1 || { echo "tui-idle: no xterm-256color terminfo, skipped"; exit 0; }
gen="$top_builddir/bench/gen-maildir"
resc="$top_builddir/bench/maildir-rescan"
[ -x "$gen" ] && [ -x "$resc" ] || { echo "build bench/gen-maildir and bench/maildir-rescan first (make bench)"; exit 1; }
NAME=tui-idle
. "${top_srcdir:-$(dirname "$0")/..}/bench/lib.sh"
bench_maildir_tree "$boxes" "$msgs" "$doms" "$seed"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores;" \
	"inotify max_user_watches $(cat /proc/sys/fs/inotify/max_user_watches)"

floor=$("$resc" "$tree" --check-round)
python3 - "$VMAILADM" "$tree" "$boxes" "${BENCH_IDLE_SECONDS:-10}" "$floor" <<'EOF'
import os, pty, select, signal, struct, sys, time, fcntl, termios

prog, tree, boxes, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
floor = dict(kv.split("=") for kv in sys.argv[5].split())
timing = os.path.join(tree, "idle-timing.log")
hz = os.sysconf("SC_CLK_TCK")
# The watches the kernel gives this user, less a margin for other programs:
# the boxes past it are the fallback's (and the counts are reported at exit).
limit = int(os.environ.get("BENCH_IDLE_LIMIT") or
            int(open("/proc/sys/fs/inotify/max_user_watches").read()) - 20000)


def lines():
    try:
        with open(timing) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / hz   # utime + stime


def run(mode, extra):
    if os.path.exists(timing):
        os.unlink(timing)
    pid, fd = pty.fork()
    if pid == 0:
        env = dict(os.environ, TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8",
                   VMAILADM_UI_TIMING=timing, VMAILADM_WATCH_LIMIT=str(limit), **extra)
        os.execve(prog, [prog, "-c", os.path.join(tree, "vmailadm.yaml")], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    screen = bytearray()

    def drain(t):
        r, _, _ = select.select([fd], [], [], t)
        if r:
            try:
                screen.extend(os.read(fd, 65536))
            except OSError:
                return False
            del screen[:-100000]
        return True

    end = time.monotonic() + 300
    settled = None
    while settled is None and time.monotonic() < end:
        drain(0.05)
        for l in lines():
            if l.startswith("watch-done "):
                settled = float(l.split()[1])
    if settled is None:
        os.kill(pid, signal.SIGKILL)
        sys.exit("tui-idle: %s: the watches were not placed within 300 s" % mode)
    # Lint runs in its thread after the paint: let it end before measuring.
    end = time.monotonic() + 60
    while not any(l.startswith("lint ") for l in lines()) and time.monotonic() < end:
        drain(0.05)
    c0, t0 = cpu(pid), time.monotonic()
    while time.monotonic() < t0 + seconds:
        drain(0.2)
    idle = (cpu(pid) - c0) / (time.monotonic() - t0) * 100
    with open("/proc/%d/status" % pid) as f:
        st = dict(l.split(":", 1) for l in f.read().splitlines() if ":" in l)
    rss = (int(st["VmRSS"].split()[0]) / 1024, int(st["VmHWM"].split()[0]) / 1024)
    # One delivery into the last box (past the watches), the way virtual(8)
    # writes: tmp/, then a rename into new/.
    box = open(os.path.join(tree, "boxes.txt")).read().split()[-1]
    name = "%d.M1P%d.bench,S=6" % (time.time(), os.getpid())
    with open(os.path.join(box, "tmp", name), "w") as f:
        f.write("x: y\n\n")
    before = len([l for l in lines() if l.startswith("live ")])
    t_del = time.monotonic()
    os.rename(os.path.join(box, "tmp", name), os.path.join(box, "new", name))
    shown = None
    while shown is None and time.monotonic() < t_del + 5:
        drain(0.005)
        if len([l for l in lines() if l.startswith("live ")]) > before:
            shown = (time.monotonic() - t_del) * 1000
    os.unlink(os.path.join(box, "new", name))
    os.write(fd, b"q")
    end = time.monotonic() + 10
    while time.monotonic() < end and drain(0.05):
        if os.waitpid(pid, os.WNOHANG)[0]:
            break
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    counts = [l for l in bytes(screen).decode("utf-8", "replace").splitlines()
              if "vmailadm-watch:" in l]
    marks = {l.split()[0]: float(l.split()[-1]) for l in lines()
             if l.split()[0] in ("first-paint", "counts-first", "scan-done")}
    watch = counts[-1].split("vmailadm-watch:")[1].strip() if counts else "?"
    return settled, idle, shown, rss, watch, marks


modes = []
if os.geteuid() == 0:
    modes.append(("fanotify", {}))
else:
    print("not root: fanotify cannot be had; only the polling fallback is measured")
modes.append(("polling", {"VMAILADM_WATCH_FANOTIFY": "0"}))
ok = True
res = {}
for mode, extra in modes:
    settled, idle, shown, rss, counts, marks = run(mode, extra)
    res[mode] = (idle, shown)
    print("%-8s %d boxes: first paint %.0f ms, the first chunk of counts (the first screen's "
          "rows) %.0f ms, every box %.1f s, watches placed after %.1f s; %s"
          % (mode, boxes, marks.get("first-paint", -1), marks.get("counts-first", -1),
             marks.get("scan-done", -1) / 1000, settled / 1000, counts))
    print("%-8s idle: %.2f %% of a core over %.0f s   target <= 2 %%  %s"
          % (mode, idle, seconds, "OK" if idle <= 2 else "MISSED"))
    print("%-8s a delivery past the watches shown in %s   target <= 1000 ms  %s"
          % (mode, "%.0f ms" % shown if shown is not None else "more than 5 s",
             "OK" if shown is not None and shown <= 1000 else "MISSED"))
    print("%-8s memory: %.0f MB resident, %.0f MB at the peak   target <= 300 MB  %s"
          % (mode, rss[0], rss[1], "OK" if rss[1] <= 300 else "MISSED"))
    if mode == "polling":
        # The floor, measured just before on the same tree, scaled to the
        # boxes this run polled (the others had inotify watches).
        polled = int(counts.split("polled=")[1].split()[0]) if "polled=" in counts else boxes
        cpu = float(floor["check_round_cpu_seconds"]) * polled / boxes
        wall = float(floor["check_round_seconds"]) * polled / boxes
        print("polling  floor: one fstatat per directory checked (root and new/ every round, cur/ every "
              "%s rounds), %s on average a round for the %d boxes in %.2f s of CPU (%.2f s wall; %s "
              "checks and %.2f s of CPU with every cur/) on one thread (median of 3, just before): for "
              "the %d boxes polled, %.2f s of CPU a round, so every box within 1 s needs at least "
              "%.0f %% of a core (target 2 %%), and 2 %% covers them every %.0f s; ratio idle CPU / "
              "floor at one round a second %.2f"
              % (floor["cur_rounds"], floor["check_round_statx"], boxes,
                 float(floor["check_round_cpu_seconds"]), float(floor["check_round_seconds"]),
                 floor["check_full_round_statx"], float(floor["check_full_round_cpu_seconds"]),
                 polled, cpu, cpu * 100, cpu / 0.02, idle / (cpu * 100) if cpu else float("nan")))
        print("polling  floor of a delivery's latency: one round's checks take %.2f s wall here "
              "(target 1 s)" % wall)
    ok &= idle <= 2 and shown is not None and shown <= 1000 and rss[1] <= 300
if "fanotify" in res and res["fanotify"][0] > 0:
    print("ratio idle CPU polling / fanotify: %.1f" % (res["polling"][0] / res["fanotify"][0]))
print("tui-idle: %s" % ("all targets met" if ok else
                        "TARGET MISSED (each missed line above has its measured floor)"))
EOF
