cmd='echo "evaluated $((1+1))"'
eval "$cmd"
for i in 1 2 3; do eval "var_$i=$((i * i))"; done
echo "$var_1 $var_2 $var_3"
eval 'x=5; y=$((x * 2))'
echo "$y"
name=dyn; eval "$name=value"; echo "$dyn"
eval "false"; echo "status $?"
