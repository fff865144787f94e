# sort of more input than one run (-S, or 32 MiB by default): runs spilled to temporary files and merged, with the
# same results as sorting in memory.
seq 1 200000 > numbers.txt
sort -S 100K -rn numbers.txt | head -3
seq 1 200000 | sort -S 64K -n | tail -2
cat numbers.txt numbers.txt | sort -S 100K -un | wc -l
sort -S 200K numbers.txt | head -3
shuf -n 0 numbers.txt; printf 'b\nB\na\nA\n' | sort -S 1b -f
seq 1 4500000 | sort -rn | head -1
ls /workspace/.kruntimes/tmp 2>/dev/null | wc -l
