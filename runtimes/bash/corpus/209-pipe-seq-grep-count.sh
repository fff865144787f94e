seq 1 100000 | grep -c 7
seq 1 100000 | grep -c '^9*$'
seq 1 1000 | grep -v 1 | wc -l
