# 6.6 Aliases (scripts need `shopt -s expand_aliases`, on a line before the alias is used).
#### define-list
alias ll='ls -l'; alias ll
#### list-all
alias b='echo b' a='echo a'; alias
#### alias-p
alias x='echo x'; alias -p
#### not-expanded-default
alias hi='echo hello'
hi 2>/dev/null; echo "status $?"
#### expanded-with-option
shopt -s expand_aliases
alias hi='echo hello'
hi
#### same-line-not-expanded
shopt -s expand_aliases
alias hi='echo hello'; hi 2>/dev/null; echo "status $?"
#### trailing-space-chains
shopt -s expand_aliases
alias run='echo ' word='expanded'
run word
#### no-trailing-space-no-chain
shopt -s expand_aliases
alias run='echo' word='expanded'
run word
#### with-arguments
shopt -s expand_aliases
alias say='echo said:'
say a b
#### unalias
shopt -s expand_aliases
alias x='echo x'
unalias x
x 2>/dev/null; echo "status $?"
#### unalias-a
alias a=1 b=2; unalias -a; alias; echo "status $?"
#### unalias-missing
unalias nosuch; echo "status $?"
#### alias-missing
alias nosuch; echo "status $?"
#### recursive-not-infinite
shopt -s expand_aliases
alias echo='echo prefixed'
echo x
#### quoted-not-expanded
shopt -s expand_aliases
alias hi='echo hello'
'hi' 2>/dev/null; echo "status $?"; \hi 2>/dev/null; echo "status $?"
#### in-function-defined-after
shopt -s expand_aliases
f() { hi; }
alias hi='echo hello'
f 2>/dev/null; echo "status $?"
#### in-function-defined-before
shopt -s expand_aliases
alias hi='echo hello'
f() { hi; }
f
#### alias-with-pipe
shopt -s expand_aliases
alias upper='tr a-z A-Z'
echo abc | upper
#### alias-with-semicolon
shopt -s expand_aliases
alias two='echo one; echo two'
two
#### alias-invalid-name
alias 'a b=echo x'; echo "status $?"
#### alias-value-quotes
alias q="echo 'single quoted'"; alias q
#### alias-keyword
shopt -s expand_aliases
alias cond='if true; then echo yes; fi'
cond
#### alias-after-command-not-expanded
shopt -s expand_aliases
alias hi='echo hello'
echo hi
#### alias-bash-aliases-array
alias z='echo z'; echo "${BASH_ALIASES[z]}"
#### alias-in-subshell
shopt -s expand_aliases
alias hi='echo hello'
( hi )
#### alias-in-cmdsub
shopt -s expand_aliases
alias hi='echo hello'
echo "$(hi)"
#### alias-redefine
shopt -s expand_aliases
alias x='echo 1'
alias x='echo 2'
x
#### alias-type
shopt -s expand_aliases; alias x='echo 1'; type x
#### alias-command-v
shopt -s expand_aliases; alias x='echo 1'; command -v x
#### alias-posix-mode
set -o posix
alias hi='echo posix-alias'
hi
#### alias-eval-same-line
shopt -s expand_aliases
alias hi='echo hello'; eval hi
