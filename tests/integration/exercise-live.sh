#!/bin/sh
# The exercises' server steps against real Postfix and Dovecot: with both
# running, exercise 1's delivery and login steps are todo until a message
# really arrives over SMTP and alice really logs in over IMAP, then done;
# exercise 4's mail step the same for bob. Once the servers are stopped, the
# steps that need them are skipped with the reason (a message already in
# the maildir stays a fact: delivery stays done until it is removed).
set -u
. "$top_srcdir/tests/integration/lib.sh"
LC_ALL=C; LANGUAGE=; export LC_ALL LANGUAGE
sandbox_demo_test
sandbox_postmap_all || exit 99
sandbox_start || exit 99

# step N ID: "STATE<TAB>WHY" of one step (the JSON prints a field a line).
step() {
	sandbox_vmailadm exercise "$1" --json |
		awk -F'"' -v s="$2" '$2 == "id" { id = $4 } $2 == "state" && id == s { st = $4 }
			$2 == "why" && id == s { print st "\t" $4 }'
}
# eventually N ID STATE: Dovecot's log process writes a moment after the login
# (asked again 30 s at most: only a failed test waits that long).
eventually() {
	_i=0
	while [ $_i -lt 300 ]; do
		case $(step "$1" "$2") in "$3	"*) return 0 ;; esac
		_i=$((_i + 1))
		sleep 0.1
	done
	is "$@"
}
is() { # is N ID STATE
	_r=$(step "$1" "$2")
	case $_r in "$3	"*) ;; *) no "exercise $1 step $2: expected $3, got: $_r" ;; esac
}

echo 'AlicePass123!' | sandbox_vmailadm mailbox add alice@andromed.cloud --password-stdin >/dev/null 2>&1 ||
	no "mailbox add alice"
is 1 entry done
is 1 built done
is 1 maildir done
# Postfix and Dovecot answer: nothing delivered, no login yet.
is 1 delivered todo
is 1 login todo
smtp_send tester@sandbox.test alice@andromed.cloud "Bienvenue" >/dev/null || no "SMTP to alice refused"
wait_queue_empty || no "queue not empty"
is 1 delivered done
is 1 login todo
# A wrong password is no login (its failure is in the log by then).
imap_login alice@andromed.cloud 'wrong' >/dev/null
sleep 1
is 1 login todo
n=$(imap_login alice@andromed.cloud 'AlicePass123!') || no "IMAP login of alice failed: $n"
eventually 1 login done
sandbox_vmailadm exercise 1 >/dev/null || no "exercise 1 does not exit 0 with every step done"

# Exercise 4's mail step: bob's message comes over SMTP.
echo 'BobPass123' | sandbox_vmailadm mailbox add bob@andromed.cloud --password-stdin >/dev/null 2>&1 ||
	no "mailbox add bob"
is 4 create done
is 4 mail todo
smtp_send tester@sandbox.test bob@andromed.cloud "Salut Bob" >/dev/null || no "SMTP to bob refused"
wait_queue_empty || no "queue not empty"
is 4 mail done
sandbox_vmailadm mailbox del bob@andromed.cloud --yes >/dev/null 2>&1 || no "mailbox del bob"
is 4 remove done
is 4 archived done

# No server answers any more: skipped, with the reason.
sandbox_stop || no "sandbox_stop"
is 1 delivered done
r=$(step 1 login)
case $r in "skipped	no Dovecot answers"*) ;; *) no "login without Dovecot: $r" ;; esac
find "$d/vhosts/andromed.cloud/alice/new" "$d/vhosts/andromed.cloud/alice/cur" -type f -delete
r=$(step 1 delivered)
case $r in "skipped	no Postfix answers"*) ;; *) no "delivery without Postfix: $r" ;; esac
exit $fail
