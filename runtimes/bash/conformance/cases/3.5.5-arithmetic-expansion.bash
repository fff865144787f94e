# 3.5.5 Arithmetic Expansion: $(( )) in words (the operators themselves are in 6.5).
#### basic
echo $((1+2))
#### spaces
echo $(( 7 - 10 ))
#### variables-without-dollar
a=3 b=4; echo $((a*b)) $(($a*$b))
#### nested
echo $(( (1+2) * $((3+4)) ))
#### quoted-in-string
echo "sum=$((2+2))"
#### parameter-inside
v=5; echo $(( ${v} + ${#v} ))
#### cmdsub-inside
echo $(( $(echo 6) / 2 ))
#### unset-is-zero
unset z; echo $((z + 1))
#### empty-is-zero
e=; echo $((e + 1))
#### string-var-recursive
a=b; b=c; c=7; echo $((a))
#### invalid-expression
echo $((1 +)); echo after
#### division-by-zero
echo $((1/0)); echo after
#### division-by-zero-status
(echo $((1/0))); echo "status $?"
#### assignment-inside
echo $((x=5)) $x
#### old-bracket-form
echo $[1+2]
#### double-quotes-inside
echo $(( "1" + 2 ))
#### word-splitting-result
n=$((10)); printf '<%s>' $n; echo
#### negative-result
echo $((3-10))
#### hex-octal-output-decimal
echo $((0x10)) $((010)) $((2#101))
#### invalid-number
echo $((09)); echo after
#### bad-base
echo $((64#@)) $((37#1)); echo after
#### arith-in-array-index
a=(a b c d); i=1; echo ${a[$((i+1))]}
#### unary-ops
echo $((-5)) $((+5)) $((!0)) $((~0))
#### large
echo $((2**62)) $((2**63)) $((2**64))
#### ternary
x=5; echo $((x>3 ? 1 : 0))
#### comma
echo $((a=1, b=a+1, a+b))
