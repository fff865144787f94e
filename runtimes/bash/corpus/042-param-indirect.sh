name=greeting
greeting="hi there"
echo "${!name}"
arr=(x y z)
ref='arr[1]'
echo "${!ref}"
pre_a=1 pre_b=2 pre_c=3
echo "${!pre_@}"
for v in "${!pre_@}"; do echo "$v=${!v}"; done
declare -n nr=greeting
nr="changed via nameref"
echo "$greeting"
