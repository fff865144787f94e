a=(zero one two three four)
unset 'a[1]'
unset 'a[3]'
echo "count=${#a[@]}"
echo "indices=${!a[@]}"
echo "values=${a[@]}"
a[10]=ten
for i in "${!a[@]}"; do echo "$i=${a[$i]}"; done
unset a
echo "after unset: ${#a[@]}"
