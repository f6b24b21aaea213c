# The reliability campaign's server tree and its checks (issue 10), shared by
# the scripts of tests/reliability/: one owner for "what a whole commit
# looks like", so that the kill, concurrency and full-disk parts cannot
# check different things. A tree is bench/gen-tables' (N mailboxes, N
# aliases, N passwd-file entries over 100 domains) with maildirs holding
# messages for some mailboxes, an archive directory, and reload commands
# that sleep as long as the test asks (slow reloads).
import hashlib
import os
import subprocess
import sys
import tempfile

TOP_SRCDIR = os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), "..", ".."))
VMAILADM = os.environ.get("VMAILADM", "./vmailadm")
HASH = "{SHA512-CRYPT}$6$reliabilityxxxx1$Bx0dZbOa7MUc7u6qkSxMzWm3p2v1Ewr3kpeVgMWwFC8nM4Ow6kJ0I1Wn0qW3cQ1c7TgIcuLSxA8a2WMiqx1ty/"
# A commit's temporary files are "TARGET.vmailadm-XXXXXX" (atomicio.c);
# nothing else in a tree may carry the mark, so the tree's own directory
# must not (mktemp prefixes below use "rel-").
TEMP_MARK = ".vmailadm-"


class Tally:
    """A script's cases: a FAIL line for each failed one as it comes, and
    the closing line "NAME: N passed, M failed" (tests/reliability.mk)."""

    def __init__(self, name):
        self.name = name
        self.passed = self.failed = 0

    def case(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL: %s" % what)
        return ok

    def close(self):
        print("%s: %d passed, %d failed" % (self.name, self.passed, self.failed))
        return 0 if self.failed == 0 else 1


def scratch(name):
    """A private directory for one script's trees, removed afterwards (its
    name must not hold TEMP_MARK)."""
    return tempfile.TemporaryDirectory(prefix="rel-%s." % name, dir=os.environ.get("TMPDIR", "/tmp"))


def sha(path):
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except FileNotFoundError:
        return None


def postmap():
    for d in ("/usr/sbin", "/usr/bin", "/sbin", "/bin"):
        p = os.path.join(d, "postmap")
        if os.access(p, os.X_OK):
            return p
    return None


class World:
    """A server tree under top with n entries per table."""

    def __init__(self, top, n, mailboxes_with_mail=0, messages=3, extra_config="", archive=None):
        self.top = top
        self.pf = os.path.join(top, "etc", "postfix")
        self.base = os.path.join(top, "mail")
        self.archive = archive or os.path.join(top, "archive")
        self.state = os.path.join(top, "state")
        self.cfg = os.path.join(top, "vmailadm.yaml")
        self.maps = {"vmailbox": os.path.join(self.pf, "vmailbox"),
                     "virtual": os.path.join(self.pf, "virtual")}
        self.files = [os.path.join(self.pf, "vmailbox"), os.path.join(self.pf, "virtual"),
                      os.path.join(self.pf, "virtual_domains"), os.path.join(self.pf, "main.cf"),
                      os.path.join(top, "etc", "dovecot", "users"), os.path.join(top, "etc", "aliases")]
        subprocess.run([sys.executable, os.path.join(TOP_SRCDIR, "bench", "gen-tables"), top, str(n)],
                       check=True)
        self.reload_delay = os.path.join(top, "reload-delay")
        reload = os.path.join(top, "reload")
        with open(reload, "w") as f:
            # A reload that takes as long as reload-delay says (slow reloads).
            f.write("#!/bin/sh\nd=$(cat '%s' 2>/dev/null)\n[ -n \"$d\" ] && sleep \"$d\"\nexit 0\n"
                    % self.reload_delay)
        os.chmod(reload, 0o755)
        self.set_reload_delay(0)
        with open(self.cfg, "a") as f:
            if os.getuid() != 0:
                f.write("vmail_uid: %d\nvmail_gid: %d\n" % (os.getuid(), os.getgid()))
            f.write("archive_dir: %s\npostmap: %s\npostfix_reload: %s postfix\n"
                    "dovecot_reload: %s dovecot\n" % (self.archive, postmap(), reload, reload))
            f.write(extra_config)
        # Postfix programs wait while main.cf is younger than 1 s.
        old = os.stat(self.files[3]).st_mtime - 10
        os.utime(self.files[3], (old, old))
        subprocess.run([postmap(), "-c", self.pf, "hash:" + self.maps["vmailbox"],
                        "hash:" + self.maps["virtual"]], check=True)
        self.targets = set()
        with open(self.maps["virtual"]) as f:
            for line in f:
                if line.startswith("#"):
                    continue
                for t in line.split(None, 1)[1].split(","):
                    self.targets.add(t.strip())
        # Mailboxes with mail: the first ones that no alias names (a mailbox
        # an alias points at cannot be removed).
        self.with_mail = []
        i = 0
        while len(self.with_mail) < mailboxes_with_mail and i < n:
            addr = "user%06d@dom%03d.example" % (i, i % 100)
            i += 1
            if addr in self.targets:
                continue
            self.with_mail.append(addr)
            d = self.maildir(addr)
            for sub in ("cur", "new", "tmp"):
                os.makedirs(os.path.join(d, sub), exist_ok=True)
            for k in range(messages):
                sub = "cur" if k % 2 else "new"
                name = "1700000000.M%dP%d.rel,S=20" % (k, i) + (":2,S" if sub == "cur" else "")
                with open(os.path.join(d, sub, name), "w") as f:
                    f.write("Subject: %d\n\nbody\n" % k)
            if os.getuid() == 0:
                for root, dirs, names in os.walk(os.path.dirname(d)):
                    for x in dirs + names:
                        os.lchown(os.path.join(root, x), 5000, 5000)
                os.lchown(os.path.dirname(d), 5000, 5000)
                os.lchown(d, 5000, 5000)

    def set_reload_delay(self, seconds):
        with open(self.reload_delay, "w") as f:
            f.write("%g\n" % seconds)

    def maildir(self, addr):
        user, dom = addr.split("@")
        return os.path.join(self.base, dom, user)

    def run(self, *args, check=False, **kw):
        return subprocess.run([VMAILADM, "--config", self.cfg] + list(args),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, **kw)

    def popen(self, *args, **kw):
        return subprocess.Popen([VMAILADM, "--config", self.cfg] + list(args),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, **kw)

    # ---- what the disk holds ---------------------------------------------

    def shas(self):
        return {p: sha(p) for p in self.files}

    def count_messages(self):
        """Messages under the mail base and under the archive."""
        counts = []
        for top in (self.base, self.archive):
            n = 0
            for root, dirs, names in os.walk(top):
                if top == self.base and self.archive in (os.path.join(root, d) for d in dirs):
                    dirs.remove(os.path.basename(self.archive))  # an archive inside the base
                if os.path.basename(root) in ("cur", "new"):
                    n += len(names)
            counts.append(n)
        return tuple(counts)

    def temps(self):
        """Temporary files a commit left, anywhere in the tree."""
        left = []
        for root, dirs, names in os.walk(self.top):
            for x in dirs + names:
                if TEMP_MARK in x:
                    left.append(os.path.join(root, x))
        return left

    def table(self, name):
        """The entries of a map's source: key -> value (one line each)."""
        out = {}
        try:
            with open(self.maps[name]) as f:
                for line in f:
                    if not line.strip() or line.startswith("#"):
                        continue
                    k, v = line.rstrip("\n").split(None, 1)
                    out[k] = v.strip()
        except FileNotFoundError:
            pass
        return out

    def lookup(self, name, keys):
        """What the built map answers for keys (postmap -q -)."""
        r = subprocess.run([postmap(), "-c", self.pf, "-q", "-", "hash:" + self.maps[name]],
                           input="".join(k + "\n" for k in keys), capture_output=True, text=True)
        got = {}
        for line in r.stdout.splitlines():
            k, _, v = line.partition("\t")
            got[k] = v
        return got

    def maps_disagree(self, keys_by_map):
        """Keys whose built map does not answer what the source says."""
        bad = []
        for name, keys in keys_by_map.items():
            if not keys:
                continue
            src = self.table(name)
            db = self.lookup(name, sorted(keys))
            for k in keys:
                if src.get(k) != db.get(k):
                    bad.append("%s: %s is %r in the source, %r in the map" % (name, k, src.get(k), db.get(k)))
        return bad

    def journal(self):
        return os.path.exists(os.path.join(self.state, "journal"))


def dry_run_new(world, args):
    """The files the commit of args would write, from its dry run's diff:
    {path: new bytes}; None when the dry run refuses."""
    r = world.run(*args, "--dry-run")
    if r.returncode != 0:
        return None
    new = {}
    lines = r.stdout.split("\n")
    i = 0
    while i < len(lines):
        if lines[i].startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            path = lines[i + 1][4:]
            i += 2
            hunks = []
            while i < len(lines) and lines[i].startswith("@@"):
                old_start = int(lines[i].split()[1][1:].split(",")[0])
                i += 1
                body = []
                while i < len(lines) and lines[i][:1] in (" ", "+", "-", "\\") and \
                        not (lines[i].startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ ")):
                    body.append(lines[i])
                    i += 1
                hunks.append((old_start, body))
            new[path] = apply_hunks(path, hunks)
        else:
            i += 1
    return new


def apply_hunks(path, hunks):
    try:
        with open(path, "rb") as f:
            old = f.read().decode().split("\n")
    except FileNotFoundError:
        old = [""]
    # old ends with "" when the file ends with a newline
    out = []
    pos = 0
    for start, body in hunks:
        start = max(start - 1, 0)
        out.extend(old[pos:start])
        pos = start
        for b in body:
            if b.startswith("\\"):
                continue
            if b[0] == " ":
                out.append(old[pos])
                pos += 1
            elif b[0] == "-":
                pos += 1
            else:
                out.append(b[1:])
    out.extend(old[pos:])
    return "\n".join(out).encode()
