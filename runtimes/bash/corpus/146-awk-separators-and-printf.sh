printf 'a:1:x\nb:2:y\nc:3:z\n' > f
awk -F: '{printf "%-3s|%03d|%s\n", $1, $2, toupper($3)}' f
awk -F: -v OFS=- '{$1 = $1; print}' f
awk 'BEGIN {FS=":"; n=0} {n += $2} END {print "total", n}' f
awk -F: '{a[NR] = $1} END {for (i = NR; i >= 1; i--) printf "%s", a[i]; print ""}' f
awk 'BEGIN {printf "%5.1f%%\n", 12.345}'
