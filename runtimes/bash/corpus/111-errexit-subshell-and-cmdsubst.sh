set -e
(false; echo "not printed")  || echo "subshell failed: $?"
v=$(echo partial; false) || echo "cmdsubst failed, got [$v]"
echo "continuing"
(
  set -e
  echo "inner start"
  false
  echo "inner not reached"
)
echo "outer not reached"
