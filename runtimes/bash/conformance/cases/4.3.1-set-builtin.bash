# 4.3.1 The Set Builtin: -e -u -o pipefail -x -f -C -a -n -v -h -B -E -T, set -o listing, positional setting.
#### errexit-stops
set -e; echo a; false; echo b
#### errexit-status
set -e; (exit 3); echo never
#### errexit-if-condition-exempt
set -e; if false; then :; fi; echo survived
#### errexit-and-list-exempt
set -e; false && true; echo survived
#### errexit-or-list-exempt
set -e; false || true; echo survived
#### errexit-last-in-and-list
set -e; true && false; echo never
#### errexit-negated-exempt
set -e; ! true; echo survived
#### errexit-while-condition
set -e; while false; do :; done; echo survived
#### errexit-pipeline-last
set -e; false | true; echo survived
#### errexit-pipefail
set -eo pipefail; false | true; echo never
#### errexit-subshell
set -e; (false; echo not-in-sub); echo never
#### errexit-subshell-exempt-or
set -e; (false; echo in-sub) || echo fallback
#### errexit-function-in-condition
set -e; f() { false; echo still-in-f; }; if f; then echo f-ok; fi
#### errexit-cmdsub-assignment
set -e; v=$(false); echo never
#### errexit-cmdsub-in-arg
set -e; echo "x$(false)"; echo survived
#### errexit-local-masks
set -e; f() { local v=$(false); echo masked; }; f
#### errexit-arith-zero
set -e; ((0)); echo never
#### errexit-arith-let
set -e; i=0; let i++; echo never
#### errexit-plus-e
set -e; set +e; false; echo survived
#### errexit-in-eval
set -e; eval false; echo never
#### errexit-trap-exit
set -e; trap 'echo "exit $?"' EXIT; false
#### errexit-group
set -e; { false; echo no; }; echo never
#### errexit-case-body
set -e; case a in a) false;; esac; echo never
#### errexit-source
set -e; echo 'false; echo in-lib' > lib.sh; . ./lib.sh; echo never
#### nounset-var
set -u; echo "$undefined_var"; echo never
#### nounset-default-ok
set -u; echo "${undefined_var:-d}"
#### nounset-array-at-empty
set -u; a=(); echo "[${a[@]}]"; echo ok
#### nounset-array-element
set -u; a=(1); echo "${a[3]}"; echo never
#### nounset-length
set -u; echo "${#undefined_var}"; echo never
#### nounset-dollar-at
set -u; set --; echo "[$*][$@]"; echo ok
#### nounset-positional
set -u; echo "$1"; echo never
#### nounset-arith
set -u; echo $((undefined_var + 1)); echo never
#### nounset-plus-u
set -u; set +u; echo "[$undefined_var]"
#### nounset-assoc-missing-key
set -u; declare -A m; echo "${m[k]}"; echo never
#### pipefail-status
set -o pipefail; true | false | true; echo $?
#### pipefail-all-ok
set -o pipefail; true | true; echo $?
#### pipefail-off
set -o pipefail; set +o pipefail; false | true; echo $?
#### xtrace-simple
set -x; echo traced; x=1
#### xtrace-quoting
set -x; echo 'a b' "c" $'d\te'
#### xtrace-ps4
PS4='>> '; set -x; echo x
#### xtrace-nested-subshell
set -x; echo $(echo inner)
#### xtrace-arith-and-cond
set -x; (( 1 + 1 )); [[ a == a ]]
#### xtrace-function
set -x; f() { echo in-f; }; f
#### xtrace-off
set -x; set +x; echo quiet
#### xtrace-for-loop
set -x; for i in 1 2; do :; done
#### noglob
mkdir w && cd w && touch a; set -f; echo *; set +f; echo *
#### noclobber
set -C; echo 1 > f; echo 2 > f; echo "status $?"; echo 3 >| f; cat f
#### allexport
set -a; V=1; bash -c 'echo $V'
#### noexec
set -n; echo never
#### verbose
set -v; echo shown
#### set-positional
set a b c; echo "$# $2"
#### set-dash-resets-xv
set -x; set - a b; echo "$#"
#### set-o-listing
set -o | grep -E '^(errexit|nounset|pipefail|noglob)[[:space:]]'
#### set-plus-o
set -e; set +o | grep -E 'errexit|nounset'
#### set-invalid-option
set -Q; echo "status $?"
#### set-o-invalid
set -o nosuchopt; echo "status $?"
#### set-o-posix
set -o posix; [[ $SHELLOPTS == *posix* ]] && echo posix
#### set-hyphen-string
set -eu; echo "$-" | tr -d 'hB'
#### set-dashdash-no-args-clears
set -- a b; set --; echo $#
#### set-with-leading-dash-arg
set -- -a; echo "$1"
#### set-print-vars-has
xyz_var=1; set | grep -c '^xyz_var=1$'
#### noclobber-append-ok
set -C; echo 1 > f; echo 2 >> f; cat f
#### errexit-function-returns-nonzero
set -e; f() { return 2; }; f; echo never
#### errexit-in-subshell-of-condition
set -e; if (false; echo ran); then echo then; fi
#### onecmd-t
set -t; echo one; echo two
#### braceexpand-off
set +B; echo {a,b}
#### keyword-option
set -k; echo a v=1; echo "[${v-unset}]"
#### hashall-off
set +h; echo ok
#### errtrace-option
set -o errtrace; [[ $- == *E* ]] && echo E
#### functrace-option
set -o functrace; [[ $- == *T* ]] && echo T
#### physical-option
mkdir -p r/s; ln -s r/s l 2>/dev/null; set -P; cd l 2>/dev/null && basename "$PWD"
#### xtrace-redirect-stdout
set -x; echo visible 2>/dev/null
#### xtrace-heredoc
set -x; cat <<EOT
body
EOT
#### errexit-pipeline-negated
set -e; ! false | false; echo survived
