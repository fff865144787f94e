# 8.7 Programmable Completion Builtins: compgen, complete, compopt (what works without an interactive line).
#### compgen-words
compgen -W 'apple banana apricot' ap
#### compgen-words-all
compgen -W 'x y z'
#### compgen-no-match-status
compgen -W 'a b' z; echo "status $?"
#### compgen-variables
abc_one=1 abc_two=2; compgen -v abc_
#### compgen-functions
fx_a() { :; }; fx_b() { :; }; compgen -A function fx_
#### compgen-builtins
compgen -b ec
#### compgen-keywords
compgen -k th
#### compgen-aliases
alias al_x=1 al_y=2; compgen -a al_
#### compgen-files
mkdir w && cd w && touch f1 f2 g; compgen -f f | sort
#### compgen-directories
mkdir w && cd w && mkdir d1 d2 && touch d3; compgen -d d | sort
#### compgen-commands-builtin
compgen -c ech | sort -u | head -3
#### compgen-prefix-suffix
compgen -P '<' -S '>' -W 'a b'
#### compgen-filter-x
compgen -W 'a1 b1 a2' -X 'a*'
#### compgen-filter-negated
compgen -W 'a1 b1 a2' -X '!a*'
#### compgen-export
export EXP_ONE=1; compgen -e EXP_
#### compgen-wordlist-expansion
v='p q'; compgen -W '$v r'
#### compgen-capital-g-glob
mkdir w && cd w && touch x.c y.h; compgen -G '*.c'
#### compgen-users-skip
compgen -u root | head -1
#### compgen-signals
compgen -A signal SIGUS
#### compgen-shopt
compgen -A shopt nullg
#### compgen-setopt
compgen -A setopt pipe
#### compgen-helptopic
compgen -A helptopic compg
#### compgen-invalid
compgen -Z; echo "status $?"
#### complete-register-print
complete -W 'start stop' svc; complete -p svc
#### complete-function-print
_c() { :; }; complete -F _c cmd; complete -p cmd
#### complete-options-print
complete -o nospace -o default -W 'a' x; complete -p x
#### complete-remove
complete -W 'a' x; complete -r x; complete -p x; echo "status $?"
#### complete-list-all
complete -W 'a' one; complete -W 'b' two; complete -p | sort
#### complete-missing
complete -p nosuch; echo "status $?"
#### compopt-outside
compopt -o nospace; echo "status $?"
#### compopt-outside-plus
compopt +o nospace; echo "status $?"
#### compgen-function-completion
_f() { COMPREPLY=(one two); }; compgen -F _f 2>/dev/null; echo "status $?"
#### compgen-a-variable-sorted
zz_b=1 zz_a=2; compgen -A variable zz_
#### complete-default-e
complete -D -W 'dflt'; complete -p -D
#### complete-special-specs-printed
complete -D -F f -o nospace -W "a b"; complete -p -D; complete -E -W x; complete -p -E; complete -I -A function; complete -p -I
