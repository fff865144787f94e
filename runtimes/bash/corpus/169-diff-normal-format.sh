printf 'one\ntwo\nthree\nfour\n' > a
printf 'one\n2\nthree\nfour\nfive\n' > b
diff a b
echo "status $?"
diff a a && echo "same"
diff -q a b >/dev/null || echo "differ"
