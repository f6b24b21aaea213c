# Concurrency (issue 10): committers that overlap lose nothing, and a file
# edited by hand between staging and commit is merged or refused, never
# overwritten. Usage: concurrency.py ROUNDS [ENTRIES]
#  - two processes, ROUNDS commits each (mailbox add and alias add in turn),
#    at the same time: every commit exits 0 (the second committer waits
#    for the lock), every address is in its source and its map answers it;
#  - twenty processes at once (a mailbox each): the same;
#  - hand edits: a commit is held between its staging and its commit (the
#    test holds the commit lock), the file is edited by hand, the lock is
#    released: the hand edit is still there afterwards, and the commit
#    either merged (its change there too, the maps built from the merged
#    source) or refused with the conflict named and nothing written.
# Ends with "concurrency: N passed, M failed" (one case per check).
import fcntl
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import world  # noqa: E402

tally = world.Tally("concurrency")
case = tally.case


def committers(w, nproc, rounds, tag):
    """nproc processes, rounds commits each; returns the addresses added,
    per map, and the failed commits' messages."""
    script = os.path.join(w.top, "committer-%s" % tag)
    with open(script, "w") as f:
        # One shell per committer: its commits run one after the other,
        # alongside the other committers'.
        f.write('''#!/bin/sh
i=0
while [ $i -lt "$3" ]; do
  if [ $((i %% 2)) -eq 0 ] || [ "$3" -eq 1 ]; then
    "$VMAILADM" --config "%s" mailbox add "$1-$i@$2" --password-hash '%s' </dev/null >/dev/null 2>"$4.err" ||
      { echo "mailbox add $1-$i@$2: $(cat "$4.err")"; }
  else
    "$VMAILADM" --config "%s" alias add "$1-$i@$2" "$1-$((i - 1))@$2" </dev/null >/dev/null 2>"$4.err" ||
      { echo "alias add $1-$i@$2: $(cat "$4.err")"; }
  fi
  i=$((i + 1))
done
''' % (w.cfg, world.HASH, w.cfg))
    env = dict(os.environ, VMAILADM=world.VMAILADM)
    procs = []
    for k in range(nproc):
        who = "%s%02d" % (tag, k)
        procs.append((who, subprocess.Popen(["/bin/sh", script, who, "dom%03d.example" % (k % 100), str(rounds),
                                             os.path.join(w.top, who)], stdout=subprocess.PIPE, text=True, env=env)))
    boxes, aliases, errors = [], [], []
    for who, p in procs:
        out, _ = p.communicate()
        errors += [l for l in out.splitlines() if l]
        for i in range(rounds):
            addr = "%s-%d@dom%03d.example" % (who, i, int(who[len(tag):]) % 100)
            (boxes if i % 2 == 0 or rounds == 1 else aliases).append(addr)
    return boxes, aliases, errors


def check_present(w, boxes, aliases, what):
    vm, va = w.table("vmailbox"), w.table("virtual")
    lost = [a for a in boxes if a not in vm] + [a for a in aliases if a not in va]
    case(not lost, "%s: %d changes lost from the sources: %s" % (what, len(lost), " ".join(lost[:10])))
    bad = w.maps_disagree({"vmailbox": boxes, "virtual": aliases})
    case(not bad, "%s: maps disagree with their sources: %s" % (what, "; ".join(bad[:5])))
    with open(os.path.join(w.top, "etc", "dovecot", "users")) as f:
        users = {l.split(":", 1)[0] for l in f}
    nopw = [a for a in boxes if a not in users]
    case(not nopw, "%s: %d mailboxes without their passwd-file entry: %s" % (what, len(nopw), " ".join(nopw[:10])))
    t = w.temps()
    case(not t and not w.journal(), "%s: left behind: %s" % (what, " ".join(t) or "a journal"))


def held_commit(w, args, edit, expect):
    """Run args while the test holds the lock, so that the commit is staged
    and waits; edit(w) edits by hand; then the lock goes. expect(w, r)
    returns the failures."""
    lock = open(os.path.join(w.state, "lock"), "a+")
    fcntl.flock(lock, fcntl.LOCK_EX)
    p = w.popen(*args)
    # Staged and waiting: it has the lock file open (take_lock opens it
    # once the operations are staged and the plan shown).
    deadline = time.monotonic() + 60
    waiting = False
    while time.monotonic() < deadline and p.poll() is None and not waiting:
        try:
            for fd in os.listdir("/proc/%d/fd" % p.pid):
                if os.readlink("/proc/%d/fd/%s" % (p.pid, fd)) == lock.name:
                    waiting = True
        except OSError:
            pass
        time.sleep(0.02)
    edit(w)
    fcntl.flock(lock, fcntl.LOCK_UN)
    lock.close()
    out, err = p.communicate()
    r = subprocess.CompletedProcess(args, p.returncode, out, err)
    if not waiting:
        return ["the commit never waited for the lock: %s" % err.strip()[-300:]]
    return expect(w, r)


def append(path, text):
    with open(path, "a") as f:
        f.write(text)


def replace(path, old, new):
    with open(path) as f:
        s = f.read()
    if old not in s:
        raise RuntimeError("%s: %r not found" % (path, old))
    with open(path, "w") as f:
        f.write(s.replace(old, new))


def neighbour(w, addr):
    """The address on the line after addr's in vmailbox."""
    keys = list(w.table("vmailbox"))
    return keys[keys.index(addr) + 1]


def hand_edits(w):
    virtual, vmailbox = w.maps["virtual"], w.maps["vmailbox"]
    users = os.path.join(w.top, "etc", "dovecot", "users")

    def merged(keys_new, hand_lines, path):
        def expect(w, r):
            fails = []
            with open(path) as f:
                text = f.read()
            for l in hand_lines:
                if l not in text:
                    fails.append("the hand edit %r was overwritten" % l)
            if r.returncode != 0:
                fails.append("the commit did not merge the hand edit: %s" % r.stderr.strip()[-300:])
            for name, k in keys_new:
                if k not in w.table(name):
                    fails.append("the commit's %s is not in %s" % (k, name))
            hand_keys = {"vmailbox" if path == vmailbox else "virtual": [l.split()[0] for l in hand_lines]} \
                if path in (virtual, vmailbox) else {}
            fails += w.maps_disagree(dict(hand_keys, **{n: [k] for n, k in keys_new}))
            return fails
        return expect

    def refused_or_merged(hand_line, path, key, name):
        def expect(w, r):
            fails = []
            with open(path) as f:
                text = f.read()
            if hand_line not in text:
                fails.append("the hand edit %r was overwritten (exit %d: %s)"
                             % (hand_line, r.returncode, r.stderr.strip()[-200:]))
            if r.returncode != 0 and not r.stderr.strip():
                fails.append("refused without a word")
            if r.returncode == 0:
                # Merged: the maps were built from the merged source (refused,
                # the map is as the hand left it: a hand edit is not postmapped).
                fails += w.maps_disagree({name: [key]})
            return fails
        return expect

    cases = [
        # Another alias added by hand in the same file: merged.
        ("an alias added by hand beside a staged alias add",
         ["alias", "add", "he1@dom001.example", "user000001@dom001.example"],
         lambda w: append(virtual, "hand1@dom001.example\tuser000101@dom001.example\n"),
         merged([("virtual", "he1@dom001.example")], ["hand1@dom001.example\tuser000101@dom001.example"], virtual)),
        # A mailbox added by hand in the passwd-file while a mailbox add waits.
        ("a passwd-file entry added by hand beside a staged mailbox add",
         ["mailbox", "add", "he2@dom002.example", "--password-hash", world.HASH],
         lambda w: append(users, "hand2@dom002.example:{PLAIN}x:5000:5000::/x::\n"),
         merged([("vmailbox", "he2@dom002.example")], ["hand2@dom002.example:{PLAIN}x"], users)),
        # The same alias given another target by hand: merged or refused,
        # the hand's target kept.
        ("the staged alias's own line changed by hand",
         ["alias", "add", "alias000003@dom003.example", "user000005@dom005.example"],
         lambda w: replace(virtual, "alias000003@dom003.example\t", "alias000003@dom003.example\thandtarget@x.example, "),
         refused_or_merged("handtarget@x.example", virtual, "alias000003@dom003.example", "virtual")),
        # The line after the one a staged mailbox del removes, changed by
        # hand: merged (the neighbour's change kept) or refused.
        ("the line beside a staged mailbox del changed by hand",
         ["mailbox", "del", w.with_mail[-1]],
         lambda w: replace(vmailbox, "%s\t" % neighbour(w, w.with_mail[-1]),
                           "%s\thand4/" % neighbour(w, w.with_mail[-1])),
         refused_or_merged("hand4/", vmailbox, w.with_mail[-1], "vmailbox")),
        # The mailbox a staged add creates, added by hand first: refused,
        # the hand's line kept.
        ("the address of a staged mailbox add added by hand",
         ["mailbox", "add", "he5@dom005.example", "--password-hash", world.HASH],
         lambda w: append(vmailbox, "he5@dom005.example\thand5/\n"),
         refused_or_merged("he5@dom005.example\thand5/", vmailbox, "he5@dom005.example", "vmailbox")),
    ]
    for what, args, edit, expect in cases:
        fails = held_commit(w, args, edit, expect)
        case(not fails, "hand edit: %s: %s" % (what, "; ".join(fails)))
        if w.temps() or w.journal():
            case(False, "hand edit: %s: left %s" % (what, " ".join(w.temps()) or "a journal"))
    return len(cases)


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    entries = int(sys.argv[2]) if len(sys.argv) > 2 else int(os.environ.get("RELIABILITY_ENTRIES", 100000))
    if not world.postmap():
        print("concurrency: postmap not found, skipped")
        return 77
    with world.scratch("conc") as tmp:
        t0 = time.monotonic()
        w = world.World(os.path.join(tmp, "w"), entries, mailboxes_with_mail=5)
        # 2 x rounds: each waits for the other's lock; 30 s (the default)
        # is far more than one commit takes.
        boxes, aliases, errors = committers(w, 2, rounds, "two")
        case(not errors, "2 x %d: %d commits failed: %s" % (rounds, len(errors), "; ".join(errors[:5])))
        check_present(w, boxes, aliases, "2 x %d" % rounds)
        t1 = time.monotonic()
        print("concurrency: 2 processes x %d commits on %d entries: %d mailboxes, %d aliases (%.0f s)"
              % (rounds, entries, len(boxes), len(aliases), t1 - t0))
        # 20 at once: the last waits for 19 commits; lock_wait is raised
        # to what that takes on a slow machine (the default 30 s is for a
        # person waiting, not for a queue of twenty).
        with open(w.cfg, "a") as f:
            f.write("lock_wait: 600\n")
        b20, a20, e20 = committers(w, 20, 1, "twenty")
        case(not e20, "20 at once: %d commits failed: %s" % (len(e20), "; ".join(e20[:5])))
        check_present(w, b20, a20, "20 at once")
        t2 = time.monotonic()
        print("concurrency: 20 processes at once: %d mailboxes (%.0f s)" % (len(b20), t2 - t1))
        n = hand_edits(w)
        print("concurrency: %d hand edits between staging and commit (%.0f s)" % (n, time.monotonic() - t2))
        return tally.close()


if __name__ == "__main__":
    sys.exit(main())
