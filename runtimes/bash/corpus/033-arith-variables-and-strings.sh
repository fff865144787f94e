x=3 y=4
echo $(( x * x + y * y ))
s="x + y"
echo $(( s ))
ref=x
echo $(( ref + 1 ))
n="010"
echo $(( 10#$n + 1 ))
unset u
echo $(( u + 1 ))
