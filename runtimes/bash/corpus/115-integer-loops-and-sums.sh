sum=0
for i in $(seq 1 100); do sum=$((sum + i)); done
echo "sum=$sum"
evens=0
for ((i = 0; i <= 100; i += 2)); do ((evens += i)); done
echo "evens=$evens"
p=1; for i in {1..20}; do ((p *= 2)); done; echo "2^20=$p"
