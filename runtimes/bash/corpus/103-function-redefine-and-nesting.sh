f() { echo v1; }
f
f() { echo v2; }
f
outer() {
  inner() { echo "inner defined by outer"; }
  inner
}
outer
inner
declare -F | sort
