seq 1 50 | grep 3 | sort -rn | head -n 4 | paste -sd,
printf 'b\na\nc\nb\na\nb\n' | sort | uniq -c | sort -rn | awk '{print $2 "=" $1}'
seq 100 | awk '$1 % 7 == 0' | tail -n 3 | tr '\n' ' '; echo
