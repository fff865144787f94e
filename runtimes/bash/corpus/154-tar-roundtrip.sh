mkdir -p src/sub
echo "alpha" > src/a.txt
echo "beta" > src/sub/b.txt
printf 'bin\x00ary' > src/sub/c.bin
tar czf backup.tgz -C src .
tar tzf backup.tgz | sort
mkdir restore
tar xzf backup.tgz -C restore
for f in a.txt sub/b.txt sub/c.bin; do
  cmp -s "src/$f" "restore/$f" && echo "$f identical"
done
