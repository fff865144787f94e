printf '10\n9\n100\n-1\n9\n' > n
sort n | paste -sd' '
sort -n n | paste -sd' '
sort -rn n | paste -sd' '
sort -un n | paste -sd' '
printf 'b 2\na 10\nc 1\n' | sort -k2 -n
printf 'B\na\nC\nb\n' | sort | paste -sd' '
printf 'B\na\nC\nb\n' | sort -f | paste -sd' '
sort -c n 2>/dev/null || echo "not sorted"
sort -n n | sort -nc && echo "sorted"
