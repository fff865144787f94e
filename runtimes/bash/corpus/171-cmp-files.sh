printf 'abcdef' > x
printf 'abcXef' > y
cp x z
cmp -s x z && echo "x z same"
cmp -s x y || echo "x y differ: $?"
cmp x y
cmp -s x nofile 2>/dev/null; echo "missing: $?"
