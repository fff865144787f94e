printf 'one\ntwo\nthree\n' > f
mapfile -t lines < f
echo "${#lines[@]}: ${lines[1]}"
readarray -t -s 1 -n 1 mid < f
echo "${mid[@]}"
mapfile lines2 < f
printf '[%s]' "${lines2[0]}"; echo
mapfile -t fromcmd < <(seq 3)
echo "${fromcmd[*]}"
