seq 1 20 > n
grep -A1 -x 5 n
echo ---
grep -B2 -x 12 n
echo ---
grep -C1 -x 18 n
echo ---
printf 'cat\ncatalog\nthe cat sat\nconcat\n' > w
grep -w cat w
echo ---
grep -x cat w
grep -F -e 'a.l' -e 'sat' w
