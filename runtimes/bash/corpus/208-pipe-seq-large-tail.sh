seq 1 100000 | tail -n 1
seq 1 100000 | wc -l
seq 1 100000 | head -n 1
