true && echo a || echo b
false && echo a || echo b
true || echo never && echo "runs (left-assoc)"
false || false || echo "third"
mkdir d && cd d && echo "in d" && cd ..
[ -d nope ] && echo no || { echo "fallback"; echo "group"; }
x=0; true && x=1; echo "x=$x"
