x=global
f() {
  local x=local
  echo "in f: $x"
  g
}
g() { echo "in g (dynamic scope): $x"; }
f
echo "after f: $x"
h() { y=leaked; local z=kept; }
h
echo "y=$y z=${z-unset}"
