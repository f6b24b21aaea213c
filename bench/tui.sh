#!/bin/sh
# Benchmark (issue 5, "Speed"): the interface on a generated tree of 10,000
# mailboxes and 10,000 aliases (100 domains), the real binary on a
# pseudo-terminal (120x40), keys replayed one at a time. The program logs,
# with VMAILADM_UI_TIMING, the time from its start to the first doupdate and,
# per key, from reading it to the doupdate that shows its effect; the driver
# also measures the first paint from outside (fork to "Domains (" on the
# terminal). Targets: first paint <= 150 ms, median key <= 5 ms, p99 <= 16 ms;
# the first key sent right after the first paint, while lint and the scan
# run in their threads, answered (sent to its paint, seen from outside) in
# <= 50 ms; staging an edit (a removal) and the key after it <= 30 ms, five
# times (issue 16). BENCH_LARGE=1: staging one removal on 100,000 mailboxes.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${VMAILADM:=./vmailadm}"
N=${BENCH_N:-10000}

command -v python3 >/dev/null 2>&1 || { echo "tui: python3 not found, skipped"; exit 0; }
infocmp xterm-256color >/dev/null 2>&1 || { echo "tui: no xterm-256color terminfo, skipped"; exit 0; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/vmailadm-tui.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM

# run N MOVES STAGINGS: the tree of N mailboxes, the whole key script
# (MOVES=1) or only the stagings.
run() {
rm -rf "$dir"/*
python3 "$top_srcdir/bench/gen-tables" "$dir" "$1"
python3 - "$VMAILADM" "$dir" "$@" <<'EOF'
import os, pty, select, signal, statistics, struct, sys, time, fcntl, termios

prog, top = sys.argv[1], sys.argv[2]
N, MOVES, STAGINGS = int(sys.argv[3]), sys.argv[4] == "1", int(sys.argv[5])
timing = os.path.join(top, "timing.log")
ROWS, COLS = 40, 120


def start():
    if os.path.exists(timing):
        os.unlink(timing)
    t0 = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:
        env = dict(os.environ, TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8",
                   VMAILADM_UI_TIMING=timing)
        env.pop("NO_COLOR", None)
        os.execve(prog, [prog, "-c", os.path.join(top, "vmailadm.yaml")], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    return pid, fd, t0


screen = bytearray()


def drain(fd, timeout):
    r, _, _ = select.select([fd], [], [], timeout)
    if r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            return False
        screen.extend(data)
        del screen[:-200000]
    return True


def lines():
    try:
        with open(timing) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def keylines(ls):
    return [l for l in ls if l.startswith("key ")]


def wait_keys(fd, n, limit=5.0):
    """The timing lines once n keys are logged (the threads log too)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        drain(fd, 0.002)
        ls = lines()
        if len(keylines(ls)) >= n:
            return ls
    sys.exit("tui: no timing line after %.0f s (have %d keys, want %d)"
             % (limit, len(keylines(lines())), n))


pid, fd, t0 = start()
outside = None
end = time.monotonic() + 10
while time.monotonic() < end and outside is None:
    drain(fd, 0.01)
    if b"Domains (" in screen:
        outside = (time.monotonic() - t0) * 1000
end = time.monotonic() + 5
while not any(l.startswith("first-paint ") for l in lines()) and time.monotonic() < end:
    drain(fd, 0.002)
inside = float([l for l in lines() if l.startswith("first-paint ")][0].split()[1])
# The first key, sent as soon as the first paint is logged: from outside,
# from the write to its timing line (written once its effect is painted),
# so that time spent before the key is read (lint, formerly) counts.
os.write(fd, b"j")
t_key = time.monotonic()
first_key = None
while first_key is None and time.monotonic() < t_key + 30:
    drain(fd, 0.001)
    ls = lines()
    if any(l.startswith("key ") for l in ls):
        first_key = (time.monotonic() - t_key) * 1000
        lint_later = not any(l.startswith("lint ") for l in ls)
if first_key is None:
    sys.exit("tui: the first key was not answered within 30 s")
# Keys are timed once the first Maildir scan (a thread) is over: while it
# runs it shares the CPU, and the first paint does not wait for it; and
# once the stage of the first edit is made (a thread, after lint).
def wait_for(tag, what, limit=60):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        drain(fd, 0.01)
        for l in lines():
            if l.startswith(tag + " "):
                return float(l.split()[1])
    sys.exit("tui: %s did not happen within %d s" % (what, limit))


def rss():
    """Resident memory (MB) of the interface now."""
    with open("/proc/%d/status" % pid) as f:
        for l in f:
            if l.startswith("VmRSS:"):
                return int(l.split()[1]) / 1024.0
    return float("nan")


scan = wait_for("scan-done", "the first Maildir scan")
rss_start = rss()

# Key script: (category, key bytes)
script = []
# In the domains pane every move opens the next domain (its entries built).
script += [("open", b"j")] * 60 + [("open", b"k")] * 20
script += [("move", b"\t"), ("move", b"\x1b[Z")] * 10             # into the entries and back
script += [("move", b"\t")]
script += [("move", b"j")] * 150 + [("move", b"\x1b[6~")] * 5 + [("move", b"k")] * 50
script += [("move", b"\x1b[Z")]
for rnd in range(3):
    script += [("filter", b"/")]
    script += [("filter", c.encode()) for c in "user0042"]
    script += [("filter", b"\x7f")] * 4
    script += [("filter", b"\r"), ("esc", b"\x1b")]
    # let the escape delay pass so that Esc is not read as Alt-j
    script += [("pause", b"")]
# Staged removals (issue 16: the staged world updated in place, not loaded
# again) of the last aliases of the domain (G: the end, past its
# mailboxes, which aliases name: their removal is refused): each "y" stages one, the "k" after it is the next key;
# then moves over the staged world, merged with the disk one.
script += ([] if MOVES else [("nav", b"\t")]) + [("nav", b"G")]
script += [("ask", b"d"), ("stage", b"y"), ("next", b"k")] * STAGINGS
script += [("staged", b"j")] * 50 + [("staged", b"\x1b[Z")]
script += [("staged", b"j")] * 20 + [("staged", b"k")] * 20

times = {"move": [], "filter": [], "open": [], "esc": [], "nav": [], "ask": [], "stage": [],
         "next": [], "staged": []}
worst = []
refused = 0
ready = None
n = len(keylines(lines()))
for cat, key in script:
    if not MOVES and cat in ("open", "move", "filter", "esc", "pause", "staged"):
        continue
    if cat == "pause":
        t = time.monotonic() + 0.06
        while time.monotonic() < t:
            drain(fd, 0.01)
        n = len(keylines(lines()))
        continue
    before = len(lines())
    os.write(fd, key)
    n += 1
    ls = wait_keys(fd, n)
    n = len(keylines(ls))
    last = keylines(ls)[-1].split()
    times[cat].append(float(last[2]))
    worst.append((float(last[2]), cat, key))
    if cat == "ask" and ready is None:
        # The first edit's question makes the stage in a thread while it
        # is read: "y" comes once it is made, as a reader's would.
        t_ask = time.monotonic()
        ready = wait_for("stage-ready", "the stage of the first edit")
        ready_wait = (time.monotonic() - t_ask) * 1000
        rss_ready = rss()
    if cat == "stage" and "stage 0" not in ls[before:]:
        refused += 1

rss_end = rss()
os.write(fd, b"q")
end = time.monotonic() + 5
while time.monotonic() < end:
    if not drain(fd, 0.05):
        break
    wpid, _ = os.waitpid(pid, os.WNOHANG)
    if wpid:
        break
else:
    os.kill(pid, signal.SIGTERM)


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def verdict(good):
    return "OK" if good else "MISSED"


ok = True
print("[%d mailboxes] first paint: %.1f ms inside (start to doupdate), %.1f ms outside (fork to screen)  target <= 150 ms"
      % (N, inside, outside if outside is not None else float("nan")))
ok &= max(inside, outside or 0) <= 150
print("first Maildir scan done after %.1f ms (in a thread; counts fill in)" % scan)
lint = [float(l.split()[2]) for l in lines() if l.startswith("lint ")]
print("first key after the first paint: %.1f ms (sent to painted, from outside); lint %s  target <= 50 ms"
      % (first_key, "still running then (%.0f ms in all)" % lint[0] if lint_later and lint
         else "had ended" if lint else "never ended"))
if lint:
    print("  ratio first key / lint: %.3f (lint no longer delays it when < 1)" % (first_key / lint[0]))
ok &= first_key <= 50
print("stage of the first edit made %.1f ms after its question opened (in a thread, while it is read)"
      % ready_wait)
# Staging an edit and the key after it (issue 16): the staged world is
# updated in place, the preview's files spliced, lint restarted in its thread.
pairs = [a + b for a, b in zip(times["stage"], times["next"])]
good = max(pairs) <= 30 and not refused
print("stage an edit + next key: median %.1f ms, max %.1f ms over %d (stage %s ms, next %s ms)  target <= 30 ms  %s"
      % (statistics.median(pairs), max(pairs), len(pairs),
         "/".join("%.1f" % t for t in times["stage"]), "/".join("%.1f" % t for t in times["next"]),
         verdict(good)))
if refused:
    print("  %d of the removals were refused: the figure is not the one staged" % refused)
print("resident memory: %.0f MB once scanned, %.0f MB with the staged world made, %.0f MB after the stagings (ratio %.2f)"
      % (rss_start, rss_ready, rss_end, rss_end / rss_start))
ok &= good
if MOVES:
    allk = [t for c in ("move", "filter", "open", "staged") for t in times[c]]
    for c in ("move", "open", "filter", "staged"):
        v = times[c]
        print("%-7s %4d keys: median %6.2f ms  p99 %6.2f ms  max %6.2f ms"
              % (c, len(v), statistics.median(v), pct(v, 99), max(v)))
    v = times["esc"]
    print("Esc     %4d keys: median %6.2f ms (ncurses waits its 25 ms escape delay; not in 'all')"
          % (len(v), statistics.median(v)))
    med, p99 = statistics.median(allk), pct(allk, 99)
    print("  ratio stage + next key / median move key: %.1f, / p99 of all keys: %.2f"
          % (statistics.median(pairs) / statistics.median(times["move"]), statistics.median(pairs) / p99))
    worst = sorted((w for w in worst if w[1] in ("move", "filter", "open", "staged")), reverse=True)
    print("slowest: " + ", ".join("%.1f ms (%s %r)" % w for w in worst[:3]))
    print("all     %4d keys: median %6.2f ms  p99 %6.2f ms   targets: median <= 5 ms, p99 <= 16 ms  %s"
          % (len(allk), med, p99, verdict(med <= 5 and p99 <= 16)))
    ok &= med <= 5 and p99 <= 16
print("tui: %s" % ("all targets met" if ok else "TARGET MISSED"))
EOF
}

run "$N" 1 5
# BENCH_LARGE=1: staging one removal on 100,000 mailboxes (3.0 s when the
# staged world was loaded again after each edit).
if [ "${BENCH_LARGE:-0}" = 1 ]; then
	run 100000 0 1
fi
