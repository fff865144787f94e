a=(one two three)
echo "${a[0]} ${a[2]}"
echo "len=${#a[@]}"
a+=(four "five six")
echo "len=${#a[@]}"
for x in "${a[@]}"; do echo "[$x]"; done
echo "last=${a[-1]}"
echo "indices=${!a[*]}"
