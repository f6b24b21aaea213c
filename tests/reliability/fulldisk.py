# Full disk (issue 10): the Postfix directory, the state directory and the
# mail base in turn on a small tmpfs filled to a few levels of free space
# (none, a few KiB, some tens of KiB, enough), then edits committed on it.
# Usage: fulldisk.py [LEVELS [ENTRIES]]   (root only: it mounts; 77 otherwise)
# LEVELS: how many of the free-space levels 0, 4 KiB, 64 KiB, 256 KiB (3).
# After every edit: the files wholly old or wholly new (old whenever the
# edit failed), the maps answering what their sources say, no message
# lost, no temporary file and no journal left; a failed edit exits
# non-zero with a line naming a path on the full filesystem and saying it
# is full ("No space left on device" or vmailadm's own "no space left");
# once space is back, the same edit commits.
# Ends with "fulldisk: N passed, M failed" (one case per edit and level).
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import world  # noqa: E402

tally = world.Tally("fulldisk")
case = tally.case


def fill(mnt, leave):
    """Fill the filesystem at mnt until `leave` bytes (and a few inodes)
    are free: one big file for the blocks, empty files for the inodes."""
    filler = os.path.join(mnt, ".filler")
    os.makedirs(filler, exist_ok=True)
    with open(os.path.join(filler, "blocks"), "wb") as f:
        chunk = b"\0" * 65536
        try:
            while True:
                f.write(chunk)
                f.flush()
        except OSError:
            pass
    with open(os.path.join(filler, "blocks"), "rb+") as f:
        size = os.fstat(f.fileno()).st_size
        f.truncate(max(0, size - leave))
    if leave == 0:
        i = 0
        try:
            while True:
                open(os.path.join(filler, "i%d" % i), "w").close()
                i += 1
        except OSError:
            pass
    return filler


said = {}


def names_full(err, mnt):
    """The line of err that names a path on the full filesystem and says it
    is full, or None."""
    for line in err.splitlines():
        low = line.lower()
        if mnt in line and ("no space left" in low or "disk quota" in low):
            return line
    return None


def edits(w, k):
    victim = w.with_mail[k]
    return [("mailbox add", ["mailbox", "add", "full%d@dom001.example" % k, "--password-hash", world.HASH],
             {"vmailbox": ["full%d@dom001.example" % k]}, None),
            ("alias add", ["alias", "add", "fulla%d@dom001.example" % k, "user000001@dom001.example"],
             {"virtual": ["fulla%d@dom001.example" % k]}, None),
            ("mailbox del", ["mailbox", "del", victim], {"vmailbox": [victim]}, victim)]


def one(w, mnt, what, label, args, keys, victim, total):
    """One edit on the full filesystem; returns True when it committed."""
    new = world.dry_run_new(w, args)
    old = w.shas()
    r = w.run(*args)
    # The next command (an edit's dry run: it recovers first) finds nothing
    # to finish: a full disk is an error, not a crash.
    after = w.run("domain", "add", "next.example", "--dry-run")
    fails = []
    now = w.shas()
    newsha = {p: world.hashlib.sha256(b).hexdigest() for p, b in (new or {}).items()}
    committed = r.returncode == 0
    for p in w.files:
        want = newsha.get(p, old[p]) if committed else old[p]
        if now[p] != want:
            fails.append("%s is %s" % (p, "not the new version" if committed else "changed"))
    if not committed:
        line = names_full(r.stderr, mnt)
        said.setdefault(what, line)
        if not line:
            fails.append("no line names the full %s: %r" % (what, r.stderr.strip()[-400:]))
        if "committed (" in r.stdout + r.stderr and "not committed" not in r.stdout + r.stderr:
            fails.append("says committed")
    if "interrupted" in after.stderr or "rolled back the" in after.stderr:
        fails.append("the next command found an interrupted commit: %r" % after.stderr.strip()[-200:])
    fails += w.maps_disagree(keys)
    if sum(w.count_messages()) != total:
        fails.append("messages: %d, %d before" % (sum(w.count_messages()), total))
    if victim:
        if committed == os.path.isdir(w.maildir(victim)):
            fails.append("%s: maildir %s though the mailbox is %s" % (
                victim, "in the base" if not committed else "gone", "removed" if committed else "kept"))
    t = w.temps()
    if t or w.journal():
        fails.append("left behind: %s" % (" ".join(t) or "a journal"))
    case(not fails, "%s full, %s: %s" % (what, label, "; ".join(fails)))
    return committed


LEVELS = (0, 4096, 65536, 262144)


def campaign(tmp, what, entries, levels):
    top = os.path.join(tmp, what.replace(" ", "-"))
    # The mail base's archive beside the maildirs, on their filesystem (an
    # archive is a rename away from the base).
    w = world.World(top, entries, mailboxes_with_mail=40,
                    archive=os.path.join(top, "mail", ".archive") if what == "mail base" else None)
    # The directory to put on the tmpfs.
    target = {"Postfix directory": w.pf, "state directory": w.state, "mail base": w.base}[what]
    os.makedirs(target, exist_ok=True)
    if what == "state directory":
        # A first commit makes the state directory's layout (lock, backups).
        w.run("domain", "add", "first.example")
    used = int(subprocess.run(["du", "-sb", target], capture_output=True, text=True).stdout.split()[0])
    keep = target + ".orig"
    shutil.copytree(target, keep, symlinks=True)
    # Room for the tree and some commits' backups once the filler is gone.
    size = used + 16 * 1024 * 1024
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%d,nr_inodes=%d,mode=755" % (size, 4096), "tmpfs", target],
                   check=True)
    try:
        subprocess.run(["cp", "-a", keep + "/.", target], check=True)
        total = sum(w.count_messages())
        k = 0
        counts = {"committed": 0, "refused": 0}
        for leave in LEVELS[:levels]:
            filler = fill(target, leave)
            for label, args, keys, victim in edits(w, k):
                if one(w, target, what, "%s with %d bytes free" % (label, leave), args, keys, victim, total):
                    counts["committed"] += 1
                else:
                    counts["refused"] += 1
            shutil.rmtree(filler)
            # Space back: the same edits commit (those not committed yet).
            for label, args, keys, victim in edits(w, k):
                if keys.get("vmailbox", [""])[0] in w.table("vmailbox") and label == "mailbox add":
                    continue
                if label == "alias add" and keys["virtual"][0] in w.table("virtual"):
                    continue
                if label == "mailbox del" and victim not in w.table("vmailbox"):
                    continue
                r = w.run(*args)
                case(r.returncode == 0, "%s full, %s once space is back: %s" % (what, label, r.stderr.strip()[-300:]))
            k += 1
        print("fulldisk: %s: %d edits on a full tmpfs (%d committed in the room left, %d refused), "
              "then again with room" % (what, counts["committed"] + counts["refused"], counts["committed"],
                                        counts["refused"]))
        print("fulldisk: %s: e.g. %s" % (what, said.get(what)))
    finally:
        subprocess.run(["umount", "-l", target])


def main():
    levels = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    entries = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    if os.getuid() != 0:
        print("fulldisk: not root (it mounts a tmpfs), skipped")
        return 77
    if not world.postmap():
        print("fulldisk: postmap not found, skipped")
        return 77
    with world.scratch("full") as tmp:
        probe = os.path.join(tmp, "probe")
        os.makedirs(probe)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", probe],
                          capture_output=True).returncode != 0:
            print("fulldisk: cannot mount a tmpfs here, skipped")
            return 77
        subprocess.run(["umount", probe])
        t0 = time.monotonic()
        for what in ("Postfix directory", "state directory", "mail base"):
            campaign(tmp, what, entries, levels)
        print("fulldisk: %.0f s" % (time.monotonic() - t0))
        return tally.close()


if __name__ == "__main__":
    sys.exit(main())
