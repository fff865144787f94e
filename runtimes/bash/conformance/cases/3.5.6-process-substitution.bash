# 3.5.6 Process Substitution.
#### read-from
cat <(echo hi)
#### read-two
paste <(printf 'a\nb\n') <(printf '1\n2\n')
#### while-read-from
while read -r l; do echo "got $l"; done < <(printf 'x\ny\n')
#### variables-survive
n=0; while read -r l; do n=$((n+1)); done < <(seq 3); echo $n
#### write-to
echo data > >(cat > out.txt); wait; sleep 0.01; cat out.txt
#### diff-two
diff <(printf 'a\n') <(printf 'a\n') && echo same
#### mapfile-from
mapfile -t a < <(printf '1\n2\n3\n'); echo "${#a[@]}"
#### path-form
f=<(true); case $f in /dev/fd/*|/proc/*) echo fd-path;; *) echo other;; esac
#### exit-status-not-propagated
cat <(exit 3); echo $?
#### sort-uniq
sort <(printf 'b\na\nb\n') | uniq
