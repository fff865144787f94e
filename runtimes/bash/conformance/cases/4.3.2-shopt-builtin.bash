# 4.3.2 The Shopt Builtin.
#### default-list
shopt | awk '{print $1, $2}'
#### query-q
shopt -q extglob; echo "extglob $?"; shopt -q nullglob; echo "nullglob $?"
#### set-and-print
shopt -s nullglob; shopt nullglob
#### unset
shopt -s dotglob; shopt -u dotglob; shopt dotglob
#### p-format
shopt -p nullglob extglob
#### invalid-name
shopt -s nosuchopt; echo "status $?"
#### o-set-options
shopt -o errexit; shopt -os errexit; shopt -o errexit
#### nullglob-effect
mkdir w && cd w; shopt -s nullglob; a=(*.x); echo ${#a[@]}
#### failglob-effect
mkdir w && cd w; shopt -s failglob; echo *.x; echo "status $?"
#### dotglob-effect
mkdir w && cd w && touch .a b; shopt -s dotglob; echo *
#### extglob-effect
shopt -s extglob
mkdir w && cd w && touch a.c b.o; echo !(*.o)
#### globstar-effect
mkdir -p w/x/y && cd w && touch x/y/z; shopt -s globstar; echo **
#### nocasematch-case
shopt -s nocasematch; case ABC in abc) echo matched;; esac
#### nocasematch-regex
shopt -s nocasematch; [[ ABC =~ ^abc$ ]] && echo regex
#### nocaseglob-effect
mkdir w && cd w && touch Abc; shopt -s nocaseglob; echo a*
#### lastpipe
shopt -s lastpipe; echo piped | read -r v; echo "[$v]"
#### lastpipe-off
echo piped | read -r v; echo "[$v]"
#### expand-aliases-effect
shopt -s expand_aliases
alias hi='echo hello'
hi
#### expand-aliases-off
alias hi='echo hello'
hi; echo "status $?"
#### xpg-echo
shopt -s xpg_echo; echo 'a\nb'
#### sourcepath-off
mkdir b; echo 'echo found' > b/lib.sh; PATH=$PWD/b:$PATH; shopt -u sourcepath; . lib.sh; echo "status $?"
#### inherit-errexit
set -e; shopt -s inherit_errexit; v=$(false; echo no); echo "[$v]"
#### nullglob-and-failglob
mkdir w && cd w; shopt -s nullglob failglob; echo *.x; echo "status $?"
#### extdebug-declare-capital-f
shopt -s extdebug; f() { :; }; declare -F f
#### extdebug-declare-capital-f-line-and-file
shopt -s extdebug
echo x
g() {
  :
}
declare -F g
printf 'echo lib\nh() { :; }\n' > lib.sh; . ./lib.sh; declare -F h
#### globasciiranges
mkdir w && cd w && touch a B; shopt -s globasciiranges; echo [A-Z]
#### nocaseglob-bracket
mkdir w && cd w && touch X; shopt -s nocaseglob; echo [x]
#### shopt-multiple-set
shopt -s nullglob dotglob; shopt -p nullglob dotglob
#### shopt-print-unset-status
shopt -q nullglob extglob; echo $?
#### checkwinsize-default
shopt -p checkwinsize
#### localvar-unset
shopt -s localvar_unset; x=g; f() { local x=l; g; echo "f:[${x-u}]"; }; g() { unset x; }; f
#### patsub-replacement
v=abc; shopt -u patsub_replacement; echo "${v/b/&}"
#### shift-verbose
shopt -s shift_verbose; set -- a; shift 2; echo "status $?"
#### compat-options-absent
shopt -p compat31 compat32 2>/dev/null | head -2
#### assoc-expand-once
shopt -s assoc_expand_once; declare -A m; k='a'; m[$k]=1; echo "${m[a]}"
#### extglob-default-off
shopt -p extglob
#### dotglob-no-dot-dirs
mkdir w && cd w && touch .h; shopt -s dotglob; echo *
#### globskipdots
mkdir w && cd w; echo .*
#### nullglob-unquoted-var
mkdir w && cd w; shopt -s nullglob; v='*.q'; echo "[$v]" [$v]
#### interactive-comments-default
shopt -p interactive_comments
#### localvar-unset-then-assign
shopt -s localvar_unset; x=g; f() { local x=l; g; echo "f:[${x-u}]"; x=2; echo "f2:$x"; }; g() { unset x; }; f; echo "top:$x"
#### localvar-unset-off-reveals-global
x=g; f() { local x=l; g; echo "f:[${x-u}]"; }; g() { unset x; }; f; echo "top:$x"
