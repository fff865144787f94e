s="a:b::c"
IFS=: read -ra p <<< "$s"; echo "${#p[@]}"
IFS=:; set -- $s; unset IFS; echo "$#"
s2="  lots   of   space  "
set -- $s2; echo "$# [$1]"
IFS=' ,'
set -- $(echo "x, y ,z")
unset IFS
printf '<%s>' "$@"; echo
