data="a=1
b=2
c=3"
while IFS== read -r k v; do
  declare "conf_$k=$v"
done <<< "$data"
echo "$conf_a $conf_b $conf_c"
count=0
while read -r _; do ((++count)); done <<< "$data"
echo "lines=$count"
