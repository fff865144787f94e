yes abcdefghij | head -c 1000000 | wc -c
yes | head -n 100000 | sort -u
seq 1 50000 | sort -rn | head -n 1
