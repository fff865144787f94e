printf 'line1\nline2\n' > in
cat < in | wc -l
{ read -r a; read -r b; echo "$b/$a"; } < in
exec 5< in
read -r x <&5; echo "fd5: $x"
cat <&5
exec 5<&-
