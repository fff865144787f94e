mkdir files
touch files/{c,a,b}.dat files/z.txt
dats=(files/*.dat)
echo "${#dats[@]}: ${dats[*]}"
names=("${dats[@]##*/}")
echo "${names[*]%.dat}"
mapfile -t all < <(find files -type f | sort)
printf '%s\n' "${all[@]}"
