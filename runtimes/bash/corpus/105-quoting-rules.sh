a='single $HOME `x` \n'
echo "$a"
b="double \$ \" \\ \`"
echo "$b"
c=$'ansi\tc\x41\n'
printf '%s' "$c"
echo 'it'\''s'
echo "nested 'single' in double"
echo '"double" in single'
d="a  b"
echo $d; echo "$d"
