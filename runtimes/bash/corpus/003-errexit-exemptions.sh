set -e
if false; then echo no; fi
false || echo "or-list rescued"
! true
echo "negated ok"
while false; do :; done
false && echo no
echo "still running"
x=$(false; echo sub)
echo "sub: $x"
