declare -i n=5
n+=3
echo "$n"
n="n * 2"
echo "$n"
n=abc
echo "abc -> $n"
declare -i m=0x10
echo "$m"
