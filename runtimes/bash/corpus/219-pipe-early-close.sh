seq 1 1000000 | head -n 2
yes | head -c 5; echo
seq 1 100000 | grep -m 1 99
echo "pipe survived"
