arr=(pear Apple banana apple Cherry)
sorted=($(printf '%s\n' "${arr[@]}" | sort))
echo "${sorted[*]}"
min=${arr[0]}
for x in "${arr[@]}"; do [[ $x < $min ]] && min=$x; done
echo "min=$min"
