x=1
(x=2; echo "inside: $x")
echo "outside: $x"
mkdir d
(cd d && echo "sub pwd: ${PWD##*/}")
echo "parent pwd base: ${PWD##*/}" | sed 's/:.*//'
[ -d d ] && echo "d exists"
(exit 9)
echo "subshell status: $?"
