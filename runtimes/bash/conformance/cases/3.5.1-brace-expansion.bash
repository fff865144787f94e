# 3.5.1 Brace Expansion.
#### list
echo a{b,c,d}e
#### list-empty-element
echo a{,b}c
#### nested
echo {a,b{1,2}}x
#### sequence-numeric
echo {1..5}
#### sequence-reverse
echo {5..1}
#### sequence-step
echo {1..10..3} {10..1..4}
#### sequence-negative
echo {-2..2}
#### sequence-zero-pad
echo {01..10}
#### sequence-zero-pad-mixed
echo {1..010..3}
#### sequence-letters
echo {a..e} {e..a}
#### sequence-letters-step
echo {a..k..3}
#### sequence-mixed-invalid
echo {a..5}
#### sequence-step-zero
echo {1..3..0}
#### sequence-negative-step
echo {1..7..-2}
#### product
echo {a,b}{1,2}
#### preamble-postscript
echo pre{A,B}post
#### single-element-literal
echo {a} {a,}
#### empty-braces
echo {} x{}y
#### quoted-no-expansion
echo "{a,b}" '{1..3}' \{a,b\}
#### escaped-comma
echo {a\,b,c}
#### variable-not-expanded-first
n=3; echo {1..$n}
#### variable-in-list
v=X; echo {$v,b}
#### dollar-brace-not-brace-expansion
v=1; echo ${v}{a,b}
#### sequence-in-for
for i in {1..3}; do printf '%s;' "$i"; done; echo
#### mkdir-pattern
mkdir -p d/{a,b}/{x,y}; find d -type d | sort
#### brace-off
set +B; echo {a,b}; set -B; echo {a,b}
#### brace-with-glob-chars
echo {*,?}x
#### unbalanced
echo {a,b
#### unbalanced-close
echo a,b}
#### comma-only
echo {,}
#### sequence-large-step
echo {0..100..25}
#### sequence-pad-negative
echo {-05..05..5}
#### nested-sequence
echo {a,{1..3}}
#### in-assignment-not-expanded
v={a,b}; echo "$v"
#### in-array-assignment
a=({x,y}{1,2}); echo "${#a[@]} ${a[*]}"
#### leading-dollar-brace
echo \${a,b}
#### sequence-letter-case
echo {X..c}
#### sequence-single
echo {3..3} {z..z}
