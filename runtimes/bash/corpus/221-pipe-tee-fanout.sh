seq 5 | tee copy.txt | awk '{s += $1} END {print "sum", s}'
wc -l < copy.txt
seq 3 | tee /dev/stderr | wc -l
