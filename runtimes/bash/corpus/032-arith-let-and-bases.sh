let a=5+3 b=a*2
echo "$a $b"
let "c = b / 3"
echo "$c"
echo $(( 0x1f )) $(( 0777 )) $(( 2#1011 )) $(( 36#zz )) $(( 16#ff ))
printf '%x %o %X\n' 255 8 48879
let z=0; echo "let z=0 -> $?"
