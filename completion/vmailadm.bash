# bash completion for vmailadm(1): commands, subcommands, options, hosted
# domains and addresses. Everything is asked of vmailadm itself (its --help
# and its lists, in the C locale), so this file never repeats the command
# table and never drifts from it. Installed as
# $(datadir)/bash-completion/completions/vmailadm.

# _vmailadm_ask WORDS...: vmailadm's output for WORDS, with the --config of
# the line being completed, no message.
_vmailadm_ask() {
	LC_ALL=C LANGUAGE= "${_vmailadm_prog:-vmailadm}" "${_vmailadm_cfg[@]}" "$@" 2>/dev/null
}

# The first column of a list, without its header.
_vmailadm_column() {
	_vmailadm_ask list "$1" | awk 'NR > 1 && $1 != "" { print $1 }'
}

_vmailadm() {
	local cur=${COMP_WORDS[COMP_CWORD]} i cmd= at=0
	_vmailadm_prog=${COMP_WORDS[0]}
	_vmailadm_cfg=()
	COMPREPLY=()
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-c|--config) _vmailadm_cfg=(--config "${COMP_WORDS[i + 1]}"); ((i++)) ;;
		--config=*) _vmailadm_cfg=("${COMP_WORDS[i]}") ;;
		--theme) ((i++)) ;;
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; at=$i; break ;;
		esac
	done
	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--config --json --theme --help --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_vmailadm_ask --help |
				sed -n '/^Commands:/,/^$/p' | awk '/^  [a-z]/ { print $1 }')" -- "$cur"))
		fi
		return
	fi
	# Operands typed so far (options and their values left out roughly);
	# the first one may name a subcommand.
	local n=0 first=
	for ((i = at + 1; i < COMP_CWORD; i++)); do
		[[ ${COMP_WORDS[i]} == -* ]] && continue
		((n++ == 0)) && first=${COMP_WORDS[i]}
	done
	# The command's usage line: "Usage: vmailadm mailbox add|del|... ADDRESS ..."
	local usage sub
	usage=$(_vmailadm_ask "$cmd" --help | sed -n '1s/^Usage: vmailadm //p')
	if [[ $cur == -* ]]; then
		# the subcommand's options when one is named (mailbox add --help)
		COMPREPLY=($(compgen -W "$(_vmailadm_ask "$cmd" ${first:+"$first"} --help |
			grep -o -- '--[a-z][a-z-]*' | sort -u) --help" -- "$cur"))
		return
	fi
	sub=$(printf '%s\n' "$usage" | awk '{ print $2 }')
	if [[ $n -eq 0 && $sub == *"|"* && $sub != *[A-Z]* ]]; then
		COMPREPLY=($(compgen -W "${sub//|/ }" -- "$cur"))   # add|del|... or the list kinds
		return
	fi
	case $cmd in
	list|domain|catchall)
		COMPREPLY=($(compgen -W "$(_vmailadm_column domains)" -- "$cur")) ;;
	mailbox|alias|show|trace)
		COMPREPLY=($(compgen -W "$(_vmailadm_column mailboxes) $(_vmailadm_column aliases)" -- "$cur")) ;;
	stats)
		COMPREPLY=($(compgen -W "$(_vmailadm_column domains) $(_vmailadm_column mailboxes)" -- "$cur")) ;;
	sysalias)
		COMPREPLY=($(compgen -W "$(_vmailadm_column sysaliases)" -- "$cur")) ;;
	demo|apply|import)
		COMPREPLY=($(compgen -f -- "$cur")) ;;
	esac
}
complete -F _vmailadm vmailadm
