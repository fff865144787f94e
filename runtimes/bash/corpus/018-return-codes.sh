f() { return "$1"; }
for c in 0 1 42 255; do
  f "$c"
  echo "f $c -> $?"
done
g() { false; }
g; echo "g -> $?"
h() { true; return; }
h; echo "h -> $?"
