declare -r RO=fixed
declare -x EXPORTED=yes
declare -a arr=(1 2)
declare -i num=7
declare -p RO EXPORTED arr num
env | grep '^EXPORTED='
declare +x EXPORTED
env | grep -c '^EXPORTED=' || echo "no longer exported"
echo "still set: $EXPORTED"
