echo "first" | tee out1 out2
echo "second" | tee -a out1 > /dev/null
cat out1
echo ---
cat out2
seq 3 | tee count.src | tail -n 1
wc -l < count.src
sleep 0.01
