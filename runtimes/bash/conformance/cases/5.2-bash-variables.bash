# 5.1 Bourne Shell Variables and 5.2 Bash Variables (only deterministic properties).
#### bash-versinfo
echo "${BASH_VERSINFO[0]} ${BASH_VERSINFO[1]}"
#### bash-version-prefix
case $BASH_VERSION in 5.2.*) echo five-two;; *) echo other;; esac
#### bash-variable-set
[ -n "$BASH" ] && echo set
#### lineno
echo $LINENO
echo $LINENO
#### lineno-in-function
f() {
  echo $LINENO
}
f
#### lineno-after-multiline
x='a
b'
echo $LINENO
#### funcname-array
f() { echo "${#FUNCNAME[@]} ${FUNCNAME[0]}"; }; f
#### funcname-main
f() { echo "${FUNCNAME[@]}"; }; g() { f; }; g
#### bash-source
f() { echo "${BASH_SOURCE[0]}"; }; f
#### bash-source-sourced
echo 'echo "${BASH_SOURCE[0]} ${BASH_SOURCE[1]}"' > lib.sh; . ./lib.sh
#### bash-lineno
f() { echo "${BASH_LINENO[0]}"; }
f
#### pipestatus
false | true | false; echo "${PIPESTATUS[*]}"
#### pipestatus-single
(exit 3); echo "${PIPESTATUS[*]}"
#### pipestatus-reset
true; echo "${PIPESTATUS[*]}"
#### pipestatus-negated
! false | (exit 2); echo "${PIPESTATUS[*]} $?"
#### ifs-default
printf '%s' "$IFS" | od -An -c
#### ppid-numeric
case $PPID in ''|*[!0-9]*) echo bad;; *) echo numeric;; esac
#### uid-numeric
case $UID in ''|*[!0-9]*) echo bad;; *) echo numeric;; esac
#### euid-equals-uid
[ "$UID" = "$EUID" ] && echo same
#### random-seed-repeatable
RANDOM=42; a=$RANDOM$RANDOM; RANDOM=42; b=$RANDOM$RANDOM; [ "$a" = "$b" ] && echo repeatable
#### random-range
r=$RANDOM; (( r >= 0 && r <= 32767 )) && echo in-range
#### seconds-small
(( SECONDS < 5 )) && echo small
#### seconds-assign
SECONDS=100; (( SECONDS >= 100 && SECONDS < 105 )) && echo assigned
#### shlvl
bash -c 'echo $(( SHLVL - $1 ))' _ "$SHLVL"
#### optind-initial
echo "$OPTIND"
#### pwd-oldpwd
mkdir d; cd d; [ "$OLDPWD" = "$HOME" ] && echo oldpwd; [ "$PWD" = "$HOME/d" ] && echo pwd
#### home
[ "$HOME" = "$PWD" ] && echo home-is-start
#### path
echo "$PATH"
#### ps4-default
echo "[$PS4]"
#### ps1-noninteractive
echo "[${PS1-unset}]"
#### bashopts
echo "$BASHOPTS" | tr : '\n' | grep -c .
#### shellopts
echo "$SHELLOPTS"
#### shellopts-after-set
set -u; echo "$SHELLOPTS"
#### bash-subshell
echo $BASH_SUBSHELL; (echo $BASH_SUBSHELL; (echo $BASH_SUBSHELL))
#### bash-subshell-cmdsub
echo $(echo $BASH_SUBSHELL)
#### bash-argc-argv
shopt -s extdebug; f() { echo "${BASH_ARGC[0]} ${BASH_ARGV[*]}"; }; f a b
#### bash-cmds
echo "${#BASH_CMDS[@]}"
#### bash-aliases
shopt -s expand_aliases; alias ll='ls -l'; echo "${BASH_ALIASES[ll]}"
#### bash-aliases-keys
alias b='echo b' a='echo a'; for k in "${!BASH_ALIASES[@]}"; do echo "$k=${BASH_ALIASES[$k]}"; done | sort
#### bash-cmds-element
hash -r; hash cat; echo "${BASH_CMDS[cat]##*/}"
#### bash-command
trap 'echo "cmd: $BASH_COMMAND"' DEBUG; echo x; trap - DEBUG
#### bash-execution-string-unset
echo "[${BASH_EXECUTION_STRING-unset}]"
#### hostname-set
[ -n "$HOSTNAME" ] && echo set
#### hosttype-set
[ -n "$HOSTTYPE" ] && [ -n "$MACHTYPE" ] && [ -n "$OSTYPE" ] && echo set
#### ostype
echo "$OSTYPE"
#### histfile-noninteractive
echo "[${HISTFILE-unset}]"
#### reply-from-read
read <<< 'in reply'; echo "$REPLY"
#### epochseconds-numeric
case $EPOCHSECONDS in ''|*[!0-9]*) echo bad;; *) echo numeric;; esac
#### epochrealtime-format
case $EPOCHREALTIME in [0-9]*.[0-9][0-9][0-9][0-9][0-9][0-9]) echo format;; *) echo bad;; esac
#### srandom-range
[ -n "$SRANDOM" ] && (( SRANDOM >= 0 )) && echo ok
#### bashpid-numeric
case $BASHPID in ''|*[!0-9]*) echo bad;; *) echo numeric;; esac
#### bash-rematch
[[ ab =~ (a)(b) ]]; declare -p BASH_REMATCH
#### groups-array
[ "${#GROUPS[@]}" -ge 1 ] && echo has-groups
#### dirstack
echo "${#DIRSTACK[@]}"
#### optarg-unset
echo "[${OPTARG-unset}]"
#### columns-lines-unset
echo "[${COLUMNS-u}] [${LINES-u}]"
#### funcnest
FUNCNEST=3; f() { f; }; f; echo "status $?"
#### ifs-unset-behaviour
unset IFS; read -r a b <<< '  x   y  '; echo "[$a][$b]"
#### underscore-initial
echo "$_" | sed 's|.*/||'
#### bash-argv0
echo "$BASH_ARGV0"
#### lc-all
echo "$LC_ALL"
#### env-exported-list
env | grep -v '^_=' | grep -v '^SHLVL=' | cut -d= -f1 | sort
#### shlvl-value
echo "$SHLVL"
#### term-unset
echo "[${TERM-unset}]"
#### mailcheck
echo "[${MAILCHECK-u}]"
#### opterr
echo "$OPTERR"
#### histcmd-noninteractive
echo "[${HISTCMD-u}]" | tr -d 0-9
#### bash-loadables
echo "[${BASH_LOADABLES_PATH-unset}]"
#### timeformat-unset
echo "[${TIMEFORMAT-unset}]"
#### funcname-in-trap-return
f() { trap 'echo "ret from ${FUNCNAME[0]}"; trap - RETURN' RETURN; }; f
#### lineno-in-subshell
(
echo $LINENO
)
#### bash-lineno-nested
f() { g; }; g() { echo "${BASH_LINENO[*]}"; }
f
#### optind-after-getopts
set -- -a -b x; while getopts ab o; do :; done; echo $OPTIND
#### ifs-affects-dollar-star-only-first-char
IFS=':;'; set -- a b; echo "$*"
#### pipestatus-after-subshell-pipeline
(exit 2) | (exit 3); s=("${PIPESTATUS[@]}"); echo "${s[*]}"
#### random-seed-values
RANDOM=42; echo $RANDOM $RANDOM $RANDOM; RANDOM=0; echo $RANDOM; RANDOM=-5; echo $RANDOM
#### random-seed-in-function-and-subshell
f() { RANDOM=$1; echo $RANDOM; }; f 7; f 7; (RANDOM=9; echo $RANDOM); RANDOM=9; echo $RANDOM
#### random-seed-arithmetic
RANDOM=1+2; a=$RANDOM; RANDOM=3; b=$RANDOM; [ "$a" = "$b" ] && echo evaluated; n=0; RANDOM=n; c=$RANDOM; RANDOM=0; [ "$c" = "$RANDOM" ] && echo zero
#### seconds-assign-zero
sleep 1; SECONDS=0; echo $SECONDS
#### hostname-is-uname-n
[ "$HOSTNAME" = "$(uname -n)" ] && echo same; HOSTNAME=given bash -c 'echo $HOSTNAME'
#### groups-is-id-g
[ "${GROUPS[0]}" = "$(id -g)" ] && [ "${GROUPS[*]}" = "$(id -G)" ] && echo same
#### bash-source-nested-sourced
echo 'echo "${BASH_SOURCE[*]}"; . ./b.sh' > a.sh; echo 'echo "${BASH_SOURCE[*]} ${#BASH_SOURCE[@]}"' > b.sh; . ./a.sh; echo "${#BASH_SOURCE[@]} ${BASH_SOURCE[0]}"
