n=0
while (( n < 3 )); do echo "while $n"; n=$((n + 1)); done
until (( n == 0 )); do echo "until $n"; n=$((n - 1)); done
while false; do echo never; done; echo "status $?"
k=5; while ((k--)); do :; done; echo "k=$k"
