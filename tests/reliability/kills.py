# Random kills (issue 10): commits SIGKILLed at random moments on a large
# tree, slow reloads included; after each kill a read command, then the
# checks of a whole commit. Usage: kills.py KILLS [ENTRIES]
# Each round picks an edit (mailbox add, mailbox del of a mailbox with mail,
# alias add, alias del, domain add, an apply batch of three), learns from
# its dry run which bytes each file would get, starts the commit and kills
# it (the process alone, or its whole process group as a power cut would)
# at a random moment: a quarter before the commit's journal exists, most
# while it exists, the rest after (the first commit of each kind is timed
# to learn how long those phases last; the phases are then found by
# watching the journal, so that a loaded machine does not move the kills
# out of them). Half the rounds have slow reloads (0.3-1.5 s). Rounds go
# on until KILLS commits were killed. Then:
#  - the read command (`show`) exits 0, and when the kill left a journal
#    it recovers it and says so on stderr, or says that a commit was
#    interrupted (then an edit's recovery is run to go on checking);
#  - no journal, no temporary file anywhere in the tree;
#  - every file is wholly old or wholly new, and the commit's files all
#    old or all new together (a mix is a half commit);
#  - the maps answer what their sources say for the keys the edit touched;
#  - no message lost: the count under the mail base plus the archive is
#    the same, a removed mailbox's maildir is wholly in the archive, a kept
#    one wholly in the base; an added mailbox has its maildir exactly when
#    the maps name it.
# Ends with "kills: N passed, M failed" (one case per round). Seeded
# (RELIABILITY_SEED) for the choice of edits and moments.
import os
import random
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import world  # noqa: E402

SEED = 20261206


def read_command_recovered(err):
    low = err.lower()
    return "interrupted" in low or "rolled back" in low or "finished" in low


class Campaign:
    def __init__(self, w, rnd):
        self.w = w
        self.rnd = rnd
        self.with_mail = list(w.with_mail)   # present mailboxes that hold mail
        self.added = []                      # mailboxes this campaign added
        self.aliases = []                    # aliases this campaign added
        self.seq = 0
        self.total_msgs = sum(w.count_messages())
        self.windows = {}                    # kind -> (before, during, after) the journal
        self.stats = {"rounds": 0, "calibration": 0, "mixed": 0, "before": 0, "during": 0, "after": 0, "killed": 0, "group": 0, "alone": 0, "slow": 0,
                      "finished_first": 0, "old": 0, "new": 0, "journal": 0,
                      "read_recovered": 0, "read_said": 0}

    def pick(self):
        """An edit: (args, kind, subject, batch file or None)."""
        self.seq += 1
        n = self.seq
        dom = "dom%03d.example" % self.rnd.randrange(100)
        choice = self.rnd.choice(["add", "add", "del", "alias", "aliasdel", "domain", "apply"])
        if choice == "del" and len(self.with_mail) > 1:
            return ["mailbox", "del", self.rnd.choice(self.with_mail)], "del", None
        if choice == "aliasdel" and self.aliases:
            return ["alias", "del", self.rnd.choice(self.aliases)], "aliasdel", None
        if choice == "alias":
            return ["alias", "add", "rk%06d@%s" % (n, dom), "user000000@dom000.example"], "alias", None
        if choice == "domain":
            return ["domain", "add", "rk%06d.example" % n], "domain", None
        if choice == "apply" and len(self.with_mail) > 1:
            victim = self.rnd.choice(self.with_mail)
            batch = os.path.join(self.w.top, "batch")
            with open(batch, "w") as f:
                f.write("mailbox add rk%06d@%s --password-hash '%s'\n" % (n, dom, world.HASH))
                f.write("alias add rka%06d@%s rk%06d@%s\n" % (n, dom, n, dom))
                f.write("mailbox del %s\n" % victim)
            return ["apply", batch], "apply", (n, dom, victim)
        return ["mailbox", "add", "rk%06d@%s" % (n, dom), "--password-hash", world.HASH], "add", None

    def wait_for(self, p, cond, deadline):
        """Poll (2 ms) until cond() or the process ends or deadline."""
        while p.poll() is None and not cond() and time.monotonic() < deadline:
            time.sleep(0.002)

    def round(self):
        """One edit, killed at a random moment, unless it is the first of
        its kind (then timed: the calibration of that kind); returns
        (label, failures)."""
        w = self.w
        args, kind, extra = self.pick()
        new = world.dry_run_new(w, args)
        if new is None:
            return self.round()
        old = w.shas()
        calibrate = kind not in self.windows
        slow = not calibrate and self.rnd.random() < 0.5
        reload_delay = self.rnd.uniform(0.3, 1.5) if slow else 0
        w.set_reload_delay(reload_delay)
        group = self.rnd.random() < 0.5
        journal = os.path.join(w.state, "journal")
        t0 = time.monotonic()
        p = w.popen(*args, start_new_session=True)
        killed = False
        phase = "timed"
        if calibrate:
            seen = []
            while p.poll() is None:
                if os.path.exists(journal):
                    seen.append(time.monotonic() - t0)
                time.sleep(0.002)
            end = time.monotonic() - t0
            # Before the journal, while it exists, after it (this kind's).
            self.windows[kind] = (seen[0] if seen else end, seen[-1] - seen[0] if seen else 0,
                                  end - seen[-1] if seen else 0)
        else:
            # A quarter before the journal exists (staging, backups, the
            # temporary files: a time drawn over that phase), most while it
            # exists (installs, maps, maildirs, reloads: from its
            # appearance), the rest after it is gone (audit, digests). The
            # phases are found by watching the journal, so that a loaded
            # machine does not move the kills out of them.
            pre, during, after = self.windows[kind]
            x = self.rnd.random()
            limit = t0 + 60
            if x < 0.25:
                phase = "before the journal"
                time.sleep(self.rnd.uniform(0, pre))
            elif x < 0.85:
                phase = "during the journal"
                self.wait_for(p, lambda: os.path.exists(journal), limit)
                time.sleep(self.rnd.uniform(0, during + reload_delay))
            else:
                phase = "after the journal"
                self.wait_for(p, lambda: os.path.exists(journal), limit)
                self.wait_for(p, lambda: not os.path.exists(journal), limit)
                time.sleep(self.rnd.uniform(0, after))
            if p.poll() is None:
                try:
                    if group:
                        os.killpg(p.pid, signal.SIGKILL)
                    else:
                        os.kill(p.pid, signal.SIGKILL)
                    killed = True
                except ProcessLookupError:
                    pass
        delay = time.monotonic() - t0
        out, err = p.communicate()
        fails = []
        label = "%s (%s, %s, at %.2f s%s%s)" % (
            " ".join(a if len(a) < 40 else a[:12] + "..." for a in args),
            "killed" if killed else "calibration" if calibrate else "finished first", phase, delay,
            ", whole group" if group else ", process alone", ", slow reload" if slow else "")
        if not killed and p.returncode != 0:
            fails.append("the commit failed on its own: %s" % err.strip()[-300:])
        journal, temps = w.journal(), w.temps()
        # The read command, as an administrator would run next.
        subject = args[2] if kind != "apply" else extra[2]
        r = w.run("list", "domains") if kind == "domain" else w.run("show", subject)
        if r.returncode not in (0, 1):
            fails.append("the read command exited %d: %s" % (r.returncode, r.stderr.strip()[-300:]))
        if journal:
            self.stats["journal"] += 1
            if not w.journal():
                self.stats["read_recovered"] += 1
                if not read_command_recovered(r.stderr):
                    fails.append("the read command recovered the interrupted commit without saying so")
            elif read_command_recovered(r.stderr):
                self.stats["read_said"] += 1
            else:
                fails.append("the read command neither recovered the interrupted commit nor said one was"
                             " interrupted: %r" % r.stderr.strip()[-200:])
        elif temps and w.temps():
            fails.append("the read command left the temporary files of the interrupted commit: %s"
                         % ", ".join(w.temps()))
        if w.journal() or w.temps():
            # Recovered by an edit (which always recovers first), so that
            # the recovery itself is checked below.
            w.run("domain", "add", "recover.example", "--dry-run")
        # Children left running by a kill of the process alone (postmap, a
        # reload) finish before the tree is looked at.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.killpg(p.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        fails += self.check(kind, args, extra, old, new)
        self.stats["rounds"] += 1
        if calibrate:
            self.stats["calibration"] += 1
        elif killed:
            self.stats["killed"] += 1
            self.stats["group" if group else "alone"] += 1
            self.stats[phase.split()[0]] += 1
            self.stats["slow"] += slow
        else:
            self.stats["finished_first"] += 1
        return label, fails

    def check(self, kind, args, extra, old, new):
        w = self.w
        fails = []
        if w.journal():
            fails.append("a journal is left")
        t = w.temps()
        if t:
            fails.append("temporary files left: %s" % ", ".join(t))
        now = w.shas()
        newsha = {p: world.hashlib.sha256(b).hexdigest() for p, b in new.items()}
        states = set()
        for p in w.files:
            if now[p] == old[p]:
                if p in new and newsha[p] != old[p]:
                    states.add("old")
            elif p in new and now[p] == newsha[p]:
                states.add("new")
            else:
                fails.append("%s is neither the old nor the new version" % p)
        if len(states) > 1:
            self.stats["mixed"] += 1
            fails.append("half a commit: some files old, some new")
        committed = states == {"new"}
        self.stats["new" if committed else "old"] += 1
        # The maps against their sources, for the keys the edit touched.
        keys = {"vmailbox": set(), "virtual": set()}
        if kind in ("add", "del"):
            keys["vmailbox"].add(args[2])
        elif kind in ("alias", "aliasdel"):
            keys["virtual"].add(args[2])
        elif kind == "apply":
            n, dom, victim = extra
            keys["vmailbox"] |= {"rk%06d@%s" % (n, dom), victim}
            keys["virtual"].add("rka%06d@%s" % (n, dom))
        fails += w.maps_disagree(keys)
        # Mail: nothing lost, each maildir wholly on one side.
        base_n, arch_n = w.count_messages()
        if base_n + arch_n != self.total_msgs:
            fails.append("messages: %d under the base and the archive, %d before" % (base_n + arch_n, self.total_msgs))
        victims = [args[2]] if kind == "del" else [extra[2]] if kind == "apply" else []
        for v in victims:
            there = os.path.isdir(w.maildir(v))
            if committed and there:
                fails.append("%s is removed but its maildir is still in the base" % v)
            if not committed and not there:
                fails.append("%s is still a mailbox but its maildir left the base" % v)
            if committed:
                self.with_mail.remove(v)
        added = [args[2]] if kind == "add" else ["rk%06d@%s" % extra[:2]] if kind == "apply" else []
        for a in added:
            there = os.path.isdir(w.maildir(a))
            if committed != there:
                fails.append("%s: maildir %s, mailbox %s" % (a, "present" if there else "absent",
                                                            "committed" if committed else "not committed"))
            if committed:
                self.added.append(a)
        if kind == "alias" and committed:
            self.aliases.append(args[2])
        if kind == "aliasdel" and committed:
            self.aliases.remove(args[2])
        return fails


def main():
    kills = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    entries = int(sys.argv[2]) if len(sys.argv) > 2 else int(os.environ.get("RELIABILITY_ENTRIES", 100000))
    if not world.postmap():
        print("kills: postmap not found, skipped")
        return 77
    rnd = random.Random(int(os.environ.get("RELIABILITY_SEED", SEED)))
    tally = world.Tally("kills")
    with world.scratch("kills") as tmp:
        t0 = time.monotonic()
        w = world.World(os.path.join(tmp, "w"), entries, mailboxes_with_mail=max(50, kills))
        c = Campaign(w, rnd)
        print("kills: a tree of %d mailboxes, %d aliases, %d passwd entries; %d messages in %d maildirs (%.0f s)"
              % (entries, entries, entries, c.total_msgs, len(w.with_mail), time.monotonic() - t0))
        # Rounds until `kills` commits were killed (the first of each kind
        # is timed, not killed; some finish before their moment comes).
        i = 0
        while c.stats["killed"] < kills and i < 3 * kills + 10:
            i += 1
            label, fails = c.round()
            tally.case(not fails, "round %d: %s: %s" % (i, label, "; ".join(fails)))
        s = c.stats
        print("kills: %d rounds, %d of them timing a kind of edit; %d killed (%d before the journal, %d while "
              "it existed, %d after; %d whole process group, %d process alone; %d during a slow reload), "
              "%d finished before their moment"
              % (s["rounds"], s["calibration"], s["killed"], s["before"], s["during"], s["after"], s["group"],
                 s["alone"], s["slow"], s["finished_first"]))
        print("kills: afterwards %d wholly old, %d wholly new, %d mixed; %d journals left, %d recovered by "
              "the read command; messages %d (base + archive), %d before; %.0f s"
              % (s["old"], s["new"], s["mixed"], s["journal"], s["read_recovered"], sum(w.count_messages()),
                 c.total_msgs, time.monotonic() - t0))
        return tally.close()


if __name__ == "__main__":
    sys.exit(main())
