mkdir -p a/x b
echo 1 > a/one; echo 2 > a/x/two
tar cf - -C a . | tar xf - -C b
(cd a && find . -type f | sort | xargs sha256sum) > a.sums
(cd b && sha256sum -c --quiet ../a.sums) && echo "b matches a"
echo changed > b/one
(cd b && sha256sum -c ../a.sums 2>/dev/null | grep -c FAILED)
