#!/bin/sh
# Benchmark (issues 5, 16, "Speed"): the interface on a generated tree of
# 10,000 mailboxes and 10,000 aliases (100 domains) whose maildirs are
# bench/gen-maildir's 10,000 boxes / 1,000,000 messages (made once, cached
# in /tmp/vmailadm-bench), the real binary on a pseudo-terminal (120x40),
# keys replayed one at a time. The program logs, with VMAILADM_UI_TIMING,
# the time from its start to the first doupdate, per key from reading it to
# the doupdate that shows its effect, and when the counts came; the driver
# also measures the first paint from outside (fork to "Domains (" on the
# terminal) and the first key (written to painted). Targets (issue 16):
# - first paint <= 100 ms; the first key after it <= 50 ms;
# - every key p99 <= 16 ms while the scan and lint run (keys are sent from
#   the first paint until both have ended), and median <= 5 ms, p99 <= 16
#   ms once loaded (issue 5);
# - the counts of the mailbox rows on the first screen within 300 ms (warm),
#   the whole tree's within 1.2x `vmailadm stats` on the same tree, timed
#   side by side just before;
# - staging an edit and the key after it <= 30 ms (at 100,000: each of the
#   two keys <= 50 ms, as every key there): five alias removals, then
#   three each of a password change, an alias add, a mailbox add, its
#   forwarding set and cleared, its rename, its removal, a catch-all set and cleared
#   (in the mailbox map, then in the alias map with the domain's identity
#   entries), each kind on its own line.
# BENCH_COLD=1 (root): the page cache dropped before the stats run and
# before the interface starts (system-wide: it slows whoever else measures).
# BENCH_LARGE=1: the same on 100,000 mailboxes (the tree of tui-idle.sh):
# every key p99 <= 50 ms, while loading too, the stagings' keys included;
# filter as you type <= 50 ms a key. BENCH_ONLY_LARGE=1: that run alone
# (the 10,000-mailbox one skipped).
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=.}"
: "${VMAILADM:=$top_builddir/vmailadm}"
command -v python3 >/dev/null 2>&1 || { echo "tui: python3 not found, skipped"; exit 0; }
infocmp xterm-256color >/dev/null 2>&1 || { echo "tui: no xterm-256color terminfo, skipped"; exit 0; }
gen="$top_builddir/bench/gen-maildir"
[ -x "$gen" ] || { echo "build bench/gen-maildir first (make bench)"; exit 1; }
NAME=tui
. "$top_srcdir/bench/lib.sh"
COLD=${BENCH_COLD:-0}
if [ "$COLD" = 1 ] && [ "$(id -u)" != 0 ]; then
	echo "tui: BENCH_COLD=1 needs root (the page cache is dropped): warm only"
	COLD=0
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/vmailadm-tui.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM

# run N MOVES STAGINGS MAILDIRS: the tables of N mailboxes over the maildirs
# of the tree MAILDIRS, the whole key script (MOVES=1) or only the stagings.
run() {
rm -rf "$dir"/*
python3 "$top_srcdir/bench/gen-tables" "$dir" "$1" "$4"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
python3 - "$VMAILADM" "$dir" "$1" "$2" "$3" "$COLD" <<'EOF'
import os, pty, select, signal, statistics, subprocess, struct, sys, time, fcntl, termios

prog, top = sys.argv[1], sys.argv[2]
N, MOVES, STAGINGS, COLD = int(sys.argv[3]), sys.argv[4] == "1", int(sys.argv[5]), sys.argv[6] == "1"
LARGE = N > 50000
# Targets (issue 16): 10,000 mailboxes, and 100,000 (keys and filter only).
P99_LOADING = 50 if LARGE else 16
timing = os.path.join(top, "timing.log")
ROWS, COLS = 40, 120
cfg = os.path.join(top, "vmailadm.yaml")


def drop_caches():
    subprocess.run(["sync"])
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


# vmailadm stats on the same tree: the whole tree's counts, side by side.
def stats_ms():
    if COLD:
        drop_caches()
    t = time.monotonic()
    subprocess.run([prog, "-c", cfg, "stats"], stdout=subprocess.DEVNULL, check=False)
    return (time.monotonic() - t) * 1000


stats = statistics.median([stats_ms() for _ in range(1 if COLD else 3)])


# The first paint's floor: vmailadm list domains on the same tables (the
# process started, the world loaded, 100 lines printed), side by side.
def floor_ms():
    if COLD:
        drop_caches()
    t = time.monotonic()
    subprocess.run([prog, "-c", cfg, "list", "domains"], stdout=subprocess.DEVNULL, check=False)
    return (time.monotonic() - t) * 1000


floor = statistics.median([floor_ms() for _ in range(1 if COLD else 5)])


# The memory target's floor (issue 16), side by side: the peak of one world
# loaded (list domains), of lint on it (the world and lint's report, which
# the interface keeps for its marks), and of the same edits as the key
# script's staged on it (apply --dry-run: the world, and the staged world
# that borrows its unchanged files, with the edited files' copies).
def peak_mb(*args, ok=(0,)):
    p = subprocess.Popen([prog, "-c", cfg] + list(args), stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    _, status, use = os.wait4(p.pid, 0)
    return use.ru_maxrss / 1024.0 if os.waitstatus_to_exitcode(status) in ok else float("nan")


def edits_batch():
    """The key script's stagings as a batch: an alias removed, then three
    rounds of a password change, an alias added, a mailbox added and
    removed (its hash: the first passwd-file line's)."""
    with open(os.path.join(top, "etc/postfix/virtual")) as f:
        last = [l.split()[0] for l in f if "@" in l.split("#")[0]][-1]
    with open(os.path.join(top, "etc/dovecot/users")) as f:
        first = f.readline().split(":")
    user, pw = first[0], first[1]
    dom = user.split("@")[1]
    ops = ["alias del %s" % last]
    for rnd in range(3):
        ops += ["mailbox passwd %s --password-hash %s" % (user, pw),
                "alias add bencha%d@%s %s" % (rnd, dom, user),
                "mailbox add benchm%d@%s --password-hash %s" % (rnd, dom, pw),
                "mailbox del benchm%d@%s" % (rnd, dom)]
    path = os.path.join(top, "edits.batch")
    with open(path, "w") as f:
        f.write("\n".join(ops) + "\n")
    return path


mem_world, mem_lint = peak_mb("list", "domains"), peak_mb("lint", ok=(0, 1))
mem_stage = peak_mb("apply", "--dry-run", edits_batch())
if COLD:
    drop_caches()


def start():
    if os.path.exists(timing):
        os.unlink(timing)
    t0 = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:
        env = dict(os.environ, TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8",
                   VMAILADM_UI_TIMING=timing)
        env.pop("NO_COLOR", None)
        os.execve(prog, [prog, "-c", cfg], env)
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
def wait_for(tag, what, limit=60):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        drain(fd, 0.01)
        for l in lines():
            if l.startswith(tag + " "):
                return float(l.split()[1])
    sys.exit("tui: %s did not happen within %d s" % (what, limit))


def mark(tag):
    """The time (ms from start) VMAILADM_UI_TIMING gave tag, or None."""
    for l in lines():
        if l.startswith(tag + " "):
            return float(l.split()[-1]) if tag == "lint" else float(l.split()[1])
    return None


def rss():
    """Resident memory (MB) of the interface now."""
    with open("/proc/%d/status" % pid) as f:
        for l in f:
            if l.startswith("VmRSS:"):
                return int(l.split()[1]) / 1024.0
    return float("nan")


# Keys while the first scan and lint run (issue 16): from the first key on,
# one key at a time (the next one 10 ms after the last was painted), in the
# domains pane (each move opens the next domain) and in the entries, until
# both have ended. Lint logs its own duration, from its start.
loading = []
cycle = [b"j"] * 8 + [b"\t"] + [b"j"] * 8 + [b"\x1b[Z"] + [b"k"] * 8 + [b"\t"] + [b"k"] * 8 + [b"\x1b[Z"]
n = len(keylines(lines()))
i = 0
end = time.monotonic() + 120
while time.monotonic() < end and not (mark("scan-done") is not None and mark("lint") is not None):
    key = cycle[i % len(cycle)]
    i += 1
    os.write(fd, key)
    n += 1
    ls = wait_keys(fd, n, 30)
    n = len(keylines(ls))
    loading.append(float(keylines(ls)[-1].split()[2]))
    t = time.monotonic() + 0.01
    while time.monotonic() < t:
        drain(fd, 0.002)
if i % len(cycle) and cycle[:i % len(cycle)].count(b"\t") > cycle[:i % len(cycle)].count(b"\x1b[Z"):
    os.write(fd, b"\x1b[Z")      # back to the domains pane
    n += 1
    n = len(keylines(wait_keys(fd, n)))
scan = wait_for("scan-done", "the first Maildir scan")
wait_for("lint", "lint")
lint_ms = mark("lint")
shown, domains = mark("counts-shown"), mark("counts-domains")
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
# The other common edits (issue 16: every kind of edit, not only the
# removals above), EDIT_ROUNDS times each, typed in the interface's forms
# in the entries of the domain selected: a password changed (the domain's
# first mailbox, g), an alias added (to an existing mailbox), a mailbox
# added (password typed, no quota) and that new mailbox removed (the only
# mailbox no alias names that the script can find without reading the
# files: the cursor is on it once it is staged). Each Enter or y that
# stages is "stage:KIND", the key after it "next:KIND".
EDIT_ROUNDS = 3
PW = "Bench-Passw0rd-2026x"


def typed(cat, text):
    return [(cat, c.encode()) for c in text]


script += [("nav", b"\t")] if MOVES else []
for rnd in range(EDIT_ROUNDS):
    script += [("nav", b"g"), ("nav", b"p"), ("nav", b"t")] + typed("nav", PW) + [("nav", b"\r")]
    script += typed("nav", PW) + [("stage:password change", b"\r"), ("next:password change", b"j")]
    script += [("nav", b"a"), ("nav", b"a")] + typed("nav", "bencha%d" % rnd) + [("nav", b"\r")]
    script += typed("nav", "user000000@dom000.example")
    script += [("stage:alias add", b"\r"), ("next:alias add", b"k")]
    script += [("nav", b"a"), ("nav", b"m")] + typed("nav", "benchm%d" % rnd) + [("nav", b"\r")]
    script += typed("nav", PW) + [("nav", b"\r")] + typed("nav", PW) + [("nav", b"\r")]
    script += [("stage:mailbox add", b"\r"), ("next:mailbox add", b"f")]
    # its forwarding set (a new alias entry of its own, a copy kept), then
    # cleared (the entry removed: Ctrl-U empties the field)
    script += typed("nav", "user000000@dom000.example") + [("nav", b"\r")]
    script += [("stage:forward set", b"\r"), ("next:forward set", b"f")]
    script += [("nav", b"\x15"), ("nav", b"\r")]
    script += [("stage:forward clear", b"\r"), ("next:forward clear", b"M")]
    # renamed (the old address not kept: worldpatch_rename.c), then removed
    script += typed("nav", "benchr%d" % rnd) + [("nav", b"\r")]
    script += [("stage:mailbox rename", b"\r"), ("next:mailbox rename", b"d")]
    script += [("stage:mailbox removal", b"y"), ("next:mailbox removal", b"k")]
    # a catch-all of the domain to a mailbox (in the mailbox map), then
    # removed (the cursor is on its row once it is staged)
    script += [("nav", b"a"), ("nav", b"c")] + typed("nav", "user000000@dom000.example")
    script += [("stage:catch-all set", b"\r"), ("next:catch-all set", b"d")]
    script += [("stage:catch-all clear", b"y"), ("next:catch-all clear", b"k")]
    # a catch-all to an address elsewhere (in the alias map: every mailbox
    # of the domain without an alias entry gets an identity entry with it,
    # worldpatch_identity.c), then removed with them
    script += [("nav", b"a"), ("nav", b"c")] + typed("nav", "catch%d@elsewhere.example" % rnd)
    script += [("stage:catch-all set, identities", b"\r"), ("next:catch-all set, identities", b"d")]
    script += [("stage:catch-all clear, identities", b"y"), ("next:catch-all clear, identities", b"k")]
EDITS = ("alias add", "mailbox add", "password change", "mailbox removal", "forward set",
         "forward clear", "mailbox rename", "catch-all set", "catch-all clear",
         "catch-all set, identities", "catch-all clear, identities")

times = {"move": [], "filter": [], "open": [], "esc": [], "nav": [], "ask": [], "stage": [],
         "next": [], "staged": []}
for e in EDITS:
    times["stage:" + e], times["next:" + e] = [], []
edit_parts = {e: [] for e in EDITS}      # each staging's stage-parts line
edit_refused = {e: 0 for e in EDITS}
removal_parts = []
rss_kind = {}
worst = []
refused = 0
lint_runs_staged = 0   # "lint " lines logged when the last staging was made
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
    if cat == "stage":
        removal_parts += [l.split() for l in ls[before:] if l.startswith("stage-parts ")]
    if cat == "next" or cat.startswith("next:"):
        # resident memory after each staging (issue 16: what each kind adds)
        rss_kind.setdefault(cat[5:] or "alias removal", []).append(rss())
    if cat == "stage" or cat.startswith("stage:"):
        lint_runs_staged = len([l for l in lines() if l.startswith("lint ")])
    if cat.startswith("stage:"):
        kind = cat[6:]
        if "stage 0" not in ls[before:]:
            edit_refused[kind] += 1
        edit_parts[kind] += [l.split() for l in ls[before:] if l.startswith("stage-parts ")]

rss_end = rss()
# The lint run after the last staging holds its working memory beside the
# report whose marks are shown (332 MB at 100,000 while the three readings
# said 269): wait for it to end, then take the peak the kernel kept
# (VmHWM, the whole session's), not only the readings.
end = time.monotonic() + 60
while time.monotonic() < end and \
        len([l for l in lines() if l.startswith("lint ")]) <= lint_runs_staged:
    drain(fd, 0.25)


def hwm():
    """Peak resident memory (MB) of the interface so far."""
    with open("/proc/%d/status" % pid) as f:
        for l in f:
            if l.startswith("VmHWM:"):
                return int(l.split()[1]) / 1024.0
    return float("nan")


rss_peak = hwm()
# Issue 16's memory targets: resident <= 64 MB editing on 10,000 mailboxes,
# <= 300 MB on 100,000 (BENCH_LARGE=1): the peak (VmHWM, up to the end of
# the lint after the last staging) and the highest of the three readings;
# counted in the final verdict, its floor printed beside it.
rss_target = 64 if N <= 10000 else 300
rss_top = max(rss_start, rss_ready, rss_end, rss_peak)
print("[%d mailboxes] resident memory, most while editing: %.0f MB (the peak, VmHWM, up to the end of the lint"
      " after the last staging: %.0f MB; readings %.0f/%.0f/%.0f MB)  target <= %d MB  %s"
      % (N, rss_top, rss_peak, rss_start, rss_ready, rss_end, rss_target,
         "OK" if rss_top <= rss_target else "MISSED"))
# lint's report as the interface holds it (VMAILADM_UI_TIMING's lint-bytes,
# the largest of this run's), beside lint's whole peak less the world.
held = max([float(l.split()[1]) / 1048576.0 for l in lines() if l.startswith("lint-bytes ")] or [float("nan")])
# What editing holds at once, whatever the interface: the world, the staged
# world with these edits (apply --dry-run's peak, which holds both) and the
# report whose marks are shown. The rest is the interface's own: the live
# counts, the panes, the lint run after each staging, freed memory the
# allocator kept.
floor = mem_stage + held
print("  floor (what it holds, each measured just before): one world %.0f MB (list domains' peak); the world and the"
      " staged world with the same edits %.0f MB (apply --dry-run's peak); lint's report %.0f MB held (lint's peak"
      " %.0f MB less the world: %.0f MB while it runs): the world, the staged world and the report %.0f MB;"
      " ratio most / floor %.2f, the interface's own (live counts, panes, lint's runs, freed memory kept) %.0f MB"
      % (mem_world, mem_stage, held, mem_lint, mem_lint - mem_world, floor, rss_top / floor, rss_top - floor))
rss_ok = rss_top <= rss_target
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


ok = rss_ok   # the memory line printed above counts too
warmth = "cold cache" if COLD else "warm cache"
good = LARGE or max(inside, outside or 0) <= 100
print("[%d mailboxes, %s] first paint: %.1f ms inside (start to doupdate), %.1f ms outside (fork to screen)  target <= 100 ms  %s"
      % (N, warmth, inside, outside if outside is not None else float("nan"),
         "not a target at 100,000" if LARGE else verdict(good)))
ok &= good
print("  floor: vmailadm list domains (start, the world loaded, printed) %.1f ms (median of %d, just before); ratio first paint (outside) / floor %.2f"
      % (floor, 1 if COLD else 5, (outside or inside) / floor))
print("first key after the first paint: %.1f ms (sent to painted, from outside)  target <= 50 ms  %s"
      % (first_key, verdict(first_key <= 50)))
ok &= first_key <= 50
good = bool(loading) and pct(loading, 99) <= P99_LOADING
print("keys while the scan and lint run: %d keys, median %.2f ms, p99 %.2f ms, max %.2f ms  target p99 <= %d ms  %s"
      % (len(loading), statistics.median(loading) if loading else float("nan"),
         pct(loading, 99) if loading else float("nan"), max(loading) if loading else float("nan"),
         P99_LOADING, verdict(good)))
loaded = [t for c in ("move", "filter", "open", "staged") for t in times[c]]
if not good and loaded:
    # The same program's keys with nothing loading beside them (the key
    # script below, this run): what the scan and lint add is the rest.
    print("  floor: the keys once the scan and lint have ended, p99 %.2f ms over %d keys (this run); ratio %.2f"
          % (pct(loaded, 99), len(loaded), pct(loading, 99) / pct(loaded, 99)))
ok &= good
if not LARGE:
    good = shown is not None and (COLD or shown <= 300)
    print("counts of the mailbox rows shown (keys moving them from the first paint on): %s ms after the start  target <= 300 ms (warm)  %s"
          % ("%.0f" % shown if shown is not None else "never", "not a target when cold" if COLD and shown is not None else verdict(good)))
    first = mark("counts-first")
    # Every time a key moved the rows to boxes not read yet: how long
    # until all the rows shown had their counts (VMAILADM_UI_TIMING's
    # want-shown, from the paint of that key), the issue's "visible rows'
    # counts within 0.3 s" measured each time rather than once.
    wants = [float(l.split()[1]) for l in lines() if l.startswith("want-shown ")]
    if wants:
        wgood = COLD or max(wants) <= 300
        print("counts of the rows a key moved to (not read yet), all painted: %d times, median %.0f ms, p90 %.0f ms, max %.0f ms  target max <= 300 ms (warm)  %s"
              % (len(wants), statistics.median(wants), pct(wants, 90), max(wants),
                 "not a target when cold" if COLD else verdict(wgood)))
        if not wgood and first is not None:
            print("  floor: the first screen's counts, read first with no key, shown %.0f ms after the start (this run)"
                  % first)
        ok &= wgood
    if not good and first is not None:
        # The first screen's boxes read and shown with no key moving the
        # rows: the start, the world's load and one read of some 40 boxes.
        print("  floor: the first screen's counts, read first, shown %.0f ms after the start (this run); ratio %.2f"
              % (first, shown / first if shown is not None else float("nan")))
    ok &= good
print("counts of the domains on the first screen (every box of 38 domains): %s ms"
      % ("%.0f" % domains if domains is not None else "never"))
good = LARGE or scan <= 1.2 * stats
print("whole tree counted: %.0f ms after the start, vmailadm stats %.0f ms (median of %d, run just before): ratio %.2f  target <= 1.2  %s"
      % (scan, stats, 1 if COLD else 3, scan / stats, "not a target at 100,000" if LARGE else verdict(good)))
ok &= good
print("lint: %.0f ms, started once the scan had ended (its quota rule takes the scan's sizes)" % lint_ms)
print("stage of the first edit made %.1f ms after its question opened (in a thread, while it is read)"
      % ready_wait)
# Staging an edit and the key after it (issue 16): the staged world is
# updated in place, the preview's files spliced, lint restarted in its thread.
# At 10,000 the two keys together <= 30 ms; at 100,000 each of them <= 50
# ms, the target of every key there (issue 16: "every key p99 <= 50 ms":
# a staging is a key; the few of each kind, p99 is their largest).
pairs = [a + b for a, b in zip(times["stage"], times["next"])]
STAGE = P99_LOADING if LARGE else 30
STAGE_WHAT = "each key <= %d ms" % STAGE if LARGE else "<= %d ms" % STAGE


def stage_good(st, nx):
    if LARGE:
        return max(st) <= STAGE and max(nx) <= STAGE
    return max(a + b for a, b in zip(st, nx)) <= STAGE


good = stage_good(times["stage"], times["next"]) and not refused
print("stage an edit + next key: median %.1f ms, max %.1f ms over %d (stage %s ms, next %s ms)  target %s  %s"
      % (statistics.median(pairs), max(pairs), len(pairs),
         "/".join("%.1f" % t for t in times["stage"]), "/".join("%.1f" % t for t in times["next"]),
         STAGE_WHAT, verdict(good)))
if refused:
    print("  %d of the removals were refused: the figure is not the one staged" % refused)
# Where a staging's time goes (VMAILADM_UI_TIMING's stage-parts, the same
# stagings): the running lint stopped, the operation applied to the staged
# files (the edited map's entries updated in place, tablepatch.c), the
# staged world made (followed in place for an alias removal, worldpatch.c;
# rebuilt from its documents for the edits it cannot follow), the panes
# refreshed. On a miss the floor is the largest of these parts.
parts = removal_parts
if parts:
    med = {parts[0][k]: statistics.median(float(p[k + 1]) for p in parts)
           for k in range(1, len(parts[0]) - 1, 2)}
    print("  where it goes: stop lint %.1f ms, apply %.1f ms, staged world made %.1f ms, panes %.1f ms (medians of %d)"
          % (med["lint-stop"], med["push"], med["world"], med["view"],
             len(parts)))
    if not good:
        what, part = max([("the staged world made (rebuilt from its documents where it cannot follow the edit in place)", med["world"]),
                          ("stopping the running lint", med["lint-stop"]),
                          ("applying the operation to the staged files", med["push"]),
                          ("refreshing the panes", med["view"])], key=lambda x: x[1])
        print("  floor: %s %.1f ms median, measured in the same stagings; ratio pair / it %.2f"
              % (what, part, statistics.median(pairs) / part if part else float("nan")))
# The other edits, each kind on its line (its own stagings' parts beside it).
for e in EDITS:
    pe = [a + b for a, b in zip(times["stage:" + e], times["next:" + e])]
    if not pe:
        continue
    egood = stage_good(times["stage:" + e], times["next:" + e]) and not edit_refused[e]
    line = ("stage %s + next key: median %.1f ms, max %.1f ms over %d (stage %s ms, next %s ms)  target %s  %s"
            % (e, statistics.median(pe), max(pe), len(pe),
               "/".join("%.1f" % t for t in times["stage:" + e]),
               "/".join("%.1f" % t for t in times["next:" + e]), STAGE_WHAT, verdict(egood)))
    print(line)
    if edit_refused[e]:
        print("  %d of them were refused: the figure is not the one staged" % edit_refused[e])
    ep = edit_parts[e]
    if ep:
        em = {ep[0][k]: statistics.median(float(p[k + 1]) for p in ep) for k in range(1, len(ep[0]) - 1, 2)}
        # the rest of the staging key: the form (a password hashed) and the paint
        print("  where it goes: stop lint %.1f ms, apply %.1f ms, staged world made %.1f ms, panes %.1f ms,"
              " the rest of the key (form, hash, paint) %.1f ms (medians of %d)"
              % (em["lint-stop"], em["push"], em["world"], em["view"],
                 statistics.median(times["stage:" + e]) - sum(em.values()), len(ep)))
    ok &= egood
print("resident memory: %.0f MB once scanned, %.0f MB with the staged world made, %.0f MB after the stagings (ratio %.2f)"
      % (rss_start, rss_ready, rss_end, rss_end / rss_start))
print("  after each staging, by kind (MB, in the order staged): "
      + "; ".join("%s %s" % (k, "/".join("%.0f" % r for r in v)) for k, v in rss_kind.items()))
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
    if LARGE:
        # Filter as you type (issue 16): every key of the filter <= 50 ms.
        good = max(times["filter"]) <= 50
        print("filter as you type: %d keys, max %.2f ms  target <= 50 ms a key  %s"
              % (len(times["filter"]), max(times["filter"]), verdict(good)))
        ok &= good
        good = p99 <= P99_LOADING
        print("all     %4d keys: median %6.2f ms  p99 %6.2f ms   target: p99 <= %d ms  %s"
              % (len(allk), med, p99, P99_LOADING, verdict(good)))
        ok &= good
        # Every key means the stagings too (issue 16): each staging's key
        # and the key after it, with the others.
        ek = [t for c in times if c.split(":")[0] in ("stage", "next") for t in times[c]]
        every = allk + ek
        good = pct(every, 99) <= P99_LOADING
        print("every   %4d keys, the %d of the stagings included: median %6.2f ms  p99 %6.2f ms  max %6.2f ms"
              "   target: p99 <= %d ms  %s"
              % (len(every), len(ek), statistics.median(every), pct(every, 99), max(every),
                 P99_LOADING, verdict(good)))
    else:
        good = med <= 5 and p99 <= 16
        print("all     %4d keys: median %6.2f ms  p99 %6.2f ms   targets: median <= 5 ms, p99 <= 16 ms  %s"
              % (len(allk), med, p99, verdict(good)))
    ok &= good
print("tui: %s" % ("all targets met" if ok else "TARGET MISSED"))
EOF
}

if [ "${BENCH_ONLY_LARGE:-0}" != 1 ]; then
	bench_maildir_tree 10000 1000000 100 42
	run 10000 1 5 "$tree"
fi
# BENCH_LARGE=1: 100,000 mailboxes, tui-idle.sh's tree (staging one removal
# took 3.0 s when the staged world was loaded again after each edit).
if [ "${BENCH_LARGE:-0}" = 1 ] || [ "${BENCH_ONLY_LARGE:-0}" = 1 ]; then
	bench_maildir_tree 100000 200000 2000 42
	run 100000 1 1 "$tree"
fi
