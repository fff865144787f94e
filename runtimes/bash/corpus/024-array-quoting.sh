a=("x y" "" "z")
printf '<%s>\n' "${a[@]}"
echo ---
printf '<%s>\n' ${a[@]}
echo ---
printf '<%s>\n' "${a[*]}"
IFS=,
printf '<%s>\n' "${a[*]}"
