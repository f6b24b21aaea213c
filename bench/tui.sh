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
# <= 50 ms (issue 16).
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${VMAILADM:=./vmailadm}"
N=${BENCH_N:-10000}

command -v python3 >/dev/null 2>&1 || { echo "tui: python3 not found, skipped"; exit 0; }
infocmp xterm-256color >/dev/null 2>&1 || { echo "tui: no xterm-256color terminfo, skipped"; exit 0; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/vmailadm-tui.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
python3 "$top_srcdir/bench/gen-tables" "$dir" "$N"

python3 - "$VMAILADM" "$dir" <<'EOF'
import os, pty, select, signal, statistics, struct, sys, time, fcntl, termios

prog, top = sys.argv[1], sys.argv[2]
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


def wait_lines(fd, n, limit=5.0):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        drain(fd, 0.002)
        ls = lines()
        if len(ls) >= n:
            return ls
    sys.exit("tui: no timing line after %.0f s (have %d, want %d)" % (limit, len(lines()), n))


pid, fd, t0 = start()
outside = None
end = time.monotonic() + 10
while time.monotonic() < end and outside is None:
    drain(fd, 0.01)
    if b"Domains (" in screen:
        outside = (time.monotonic() - t0) * 1000
ls = wait_lines(fd, 1)
inside = float(ls[0].split()[1])
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
# runs it shares the CPU, and the first paint does not wait for it.
end = time.monotonic() + 30
scan = None
while scan is None and time.monotonic() < end:
    drain(fd, 0.01)
    for l in lines():
        if l.startswith("scan-done"):
            scan = float(l.split()[1])
if scan is None:
    sys.exit("tui: the first Maildir scan did not finish within 30 s")

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
# One staged removal (the world is rebuilt from the staged files: timed
# apart), then moves over the staged world, merged with the disk one.
script += [("move", b"\t"), ("stage", b"d"), ("stage", b"y")]
script += [("staged", b"j")] * 50 + [("staged", b"\x1b[Z")]
script += [("staged", b"j")] * 20 + [("staged", b"k")] * 20

times = {"move": [], "filter": [], "open": [], "esc": [], "stage": [], "staged": []}
worst = []
n = len(lines())
for cat, key in script:
    if cat == "pause":
        t = time.monotonic() + 0.06
        while time.monotonic() < t:
            drain(fd, 0.01)
        n = len(lines())
        continue
    os.write(fd, key)
    n += 1
    ls = wait_lines(fd, n)
    n = len(ls)
    last = [l for l in ls if l.startswith("key ")][-1].split()
    times[cat].append(float(last[2]))
    worst.append((float(last[2]), cat, key))

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


allk = [t for c in ("move", "filter", "open", "staged") for t in times[c]]
ok = True
print("first paint: %.1f ms inside (start to doupdate), %.1f ms outside (fork to screen)  target <= 150 ms"
      % (inside, outside if outside is not None else float("nan")))
ok &= max(inside, outside or 0) <= 150
print("first Maildir scan done after %.1f ms (in a thread; counts fill in)" % scan)
lint = [float(l.split()[2]) for l in lines() if l.startswith("lint ")]
print("first key after the first paint: %.1f ms (sent to painted, from outside); lint %s  target <= 50 ms"
      % (first_key, "still running then (%.0f ms in all)" % lint[0] if lint_later and lint
         else "had ended" if lint else "never ended"))
if lint:
    print("  ratio first key / lint: %.3f (lint no longer delays it when < 1)" % (first_key / lint[0]))
ok &= first_key <= 50
for c in ("move", "open", "filter", "staged"):
    v = times[c]
    print("%-7s %4d keys: median %6.2f ms  p99 %6.2f ms  max %6.2f ms"
          % (c, len(v), statistics.median(v), pct(v, 99), max(v)))
v = times["esc"]
print("Esc     %4d keys: median %6.2f ms (ncurses waits its 25 ms escape delay; not in 'all')"
      % (len(v), statistics.median(v)))
print("stage a removal (d, y): %.1f ms (two world loads from the staged files; not in 'all')"
      % times["stage"][-1])
med, p99 = statistics.median(allk), pct(allk, 99)
worst = sorted((w for w in worst if w[1] in ("move", "filter", "open", "staged")), reverse=True)
print("slowest: " + ", ".join("%.1f ms (%s %r)" % w for w in worst[:3]))
print("all     %4d keys: median %6.2f ms  p99 %6.2f ms   targets: median <= 5 ms, p99 <= 16 ms"
      % (len(allk), med, p99))
ok &= med <= 5 and p99 <= 16
print("tui: %s" % ("all targets met" if ok else "TARGET MISSED"))
EOF
