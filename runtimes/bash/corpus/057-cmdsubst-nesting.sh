echo "outer $(echo "inner $(echo "innermost")")"
x=$(printf 'trailing\n\n\n')
echo "[$x]"
y=`echo backtick`
echo "$y"
z=`echo \`echo nested backtick\``
echo "$z"
n=$(( $(echo 6) * $(echo 7) ))
echo "$n"
