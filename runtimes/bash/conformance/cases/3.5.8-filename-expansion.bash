# 3.5.8 Filename Expansion: *, ?, [...], 3.5.8.1 pattern matching, extglob, globstar and the glob options.
#### star
mkdir w && cd w && touch b a c; echo *
#### question
mkdir w && cd w && touch a1 a22 b1; echo a?
#### bracket
mkdir w && cd w && touch a b c d; echo [a-c]
#### bracket-negate
mkdir w && cd w && touch a b c; echo [!a] [^b]
#### bracket-class
mkdir w && cd w && touch a 1 B _; echo [[:digit:]] [[:upper:]] [[:alpha:]]
#### no-match-literal
mkdir w && cd w; echo *.none
#### nullglob
mkdir w && cd w; shopt -s nullglob; echo [*.none] x
#### failglob
mkdir w && cd w; shopt -s failglob; echo *.none; echo "status $?"
#### dotfiles-hidden
mkdir w && cd w && touch .h v; echo *
#### dotfiles-explicit
mkdir w && cd w && touch .h v; echo .*
#### dotglob
mkdir w && cd w && touch .h v; shopt -s dotglob; echo *
#### sorted-order
mkdir w && cd w && touch B a C b; echo *
#### directory-slash
mkdir w && cd w && mkdir d1 d2 && touch f; echo */
#### path-components
mkdir -p w/a/x w/b/y && cd w && touch a/x/1 b/y/2; echo */*/*
#### quoted-no-glob
mkdir w && cd w && touch a; echo "*" '*' \*
#### partially-quoted
mkdir w && cd w && touch 'a*b' axb; echo a"*"b
#### noglob
mkdir w && cd w && touch a; set -f; echo *; set +f; echo *
#### globstar
mkdir -p w/a/b && cd w && touch a/b/f.txt a/g.txt h.txt; shopt -s globstar; echo **/*.txt
#### globstar-off
mkdir -p w/a/b && cd w && touch a/b/f.txt a/g.txt h.txt; echo **/*.txt
#### globstar-dirs
mkdir -p w/a/b && cd w; shopt -s globstar; echo **/
#### extglob-at
shopt -s extglob
mkdir w && cd w && touch a.c a.h a.o; echo *.@(c|h)
#### extglob-not
shopt -s extglob
mkdir w && cd w && touch a.c a.h a.o; echo !(*.o)
#### extglob-plus-star-question
shopt -s extglob
mkdir w && cd w && touch ab aab b; echo +(a)b; echo *(a)b; echo ?(a)b
#### extglob-case
shopt -s extglob
case foo.txt in *.@(txt|md)) echo doc;; *) echo other;; esac
#### nocaseglob
mkdir w && cd w && touch ABC abd; shopt -s nocaseglob; echo a*
#### glob-in-variable
mkdir w && cd w && touch x1 x2; p='x*'; echo $p
#### glob-in-array
mkdir w && cd w && touch x1 x2; a=(x*); echo ${#a[@]}
#### glob-in-for
mkdir w && cd w && touch x1 x2; for f in x*; do echo "$f"; done
#### glob-no-match-for
mkdir w && cd w; for f in *.q; do echo "[$f]"; done
#### globignore
mkdir w && cd w && touch a.c b.o c.c; GLOBIGNORE='*.o'; echo *
#### bracket-special-chars
mkdir w && cd w && touch a- a] ab; echo a[]-] a[-]
#### bracket-range-reverse
mkdir w && cd w && touch a b; echo [z-a]x
#### slash-not-matched-by-star
mkdir -p w/d && cd w && touch d/f; echo *f
#### glob-escape-backslash
mkdir w && cd w && touch '*' a; echo \*
#### pattern-in-case-bracket
case b in [abc]) echo in;; esac; case '[' in [[]) echo bracket;; esac
#### pattern-matching-test
[[ abc == a*c ]] && echo yes; [[ abc == "a*c" ]] || echo no
#### glob-dot-dot
mkdir w && cd w; echo .?
#### globasciiranges
mkdir w && cd w && touch a B; echo [a-z]
#### glob-hidden-with-dotglob-dot-dirs
mkdir w && cd w && touch .x; shopt -s dotglob; echo .*
#### extglob-nested
shopt -s extglob
[[ abab == +(ab) ]] && echo rep; [[ ac == @(a|b)@(c|d) ]] && echo seq
#### star-star-without-globstar
mkdir -p w/a && cd w && touch a/f top; echo **
#### glob-after-var-expansion-nullglob
mkdir w && cd w; shopt -s nullglob; v='*.x'; echo [$v]
#### extglob-same-line-is-syntax-error
shopt -s extglob; echo @(a|b)
echo not reached
