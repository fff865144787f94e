# 6.5 Shell Arithmetic: operators, precedence, bases, overflow, errors (in $(( )), (( )), let and declare -i).
#### add-sub-mul
echo $((2+3)) $((2-3)) $((2*3))
#### division-truncates
echo $((7/2)) $((-7/2)) $((7/-2))
#### modulo
echo $((7%3)) $((-7%3)) $((7%-3))
#### power
echo $((2**10)) $((3**0)) $((0**0))
#### power-negative-exponent
echo $((2**-1)); echo after
#### precedence
echo $((2+3*4)) $(((2+3)*4)) $((2**3**2)) $((-2**2))
#### unary-minus-plus
echo $((-(-3))) $((- -3)) $((+-3))
#### logical
echo $((1&&0)) $((1||0)) $((!5)) $((!0))
#### logical-short-circuit
x=0; echo $((0 && (x=1))) $x; echo $((1 || (x=2))) $x
#### bitwise
echo $((5&3)) $((5|3)) $((5^3)) $((~5))
#### shifts
echo $((1<<4)) $((256>>3)) $((-16>>2))
#### comparison
echo $((1<2)) $((2<=1)) $((3>2)) $((3>=3)) $((1==1)) $((1!=1))
#### ternary
echo $((1?2:3)) $((0?2:3))
#### ternary-nested
x=5; echo $((x<0 ? -1 : x==0 ? 0 : 1))
#### assignment-ops
x=10; ((x+=5)); echo $x; ((x-=3)); echo $x; ((x*=2)); echo $x; ((x/=4)); echo $x; ((x%=4)); echo $x
#### assignment-bit-ops
x=1; ((x<<=3)); echo $x; ((x>>=1)); echo $x; ((x|=1)); echo $x; ((x&=6)); echo $x; ((x^=7)); echo $x
#### pre-post-increment
i=5; echo $((i++)) $i $((++i)) $((i--)) $((--i))
#### comma-operator
echo $((1,2,3))
#### hex
echo $((0xff)) $((0XFF)) $((0x1F))
#### octal
echo $((017)) $((010+1))
#### base-notation
echo $((2#1010)) $((8#17)) $((16#ff)) $((36#zz)) $((64#_))
#### base-64-chars
echo $((64#a)) $((64#A)) $((64#@))
#### invalid-octal
echo $((08)); echo "after $?"
#### invalid-base-digit
echo $((2#12)); echo after
#### base-too-large
echo $((65#1)); echo after
#### overflow-wraps
echo $((9223372036854775807 + 1))
#### overflow-multiply
echo $((4611686018427387904 * 4))
#### min-int-division
echo $(( -9223372036854775808 / -1 ))
#### min-int-modulo
echo $(( -9223372036854775808 % -1 ))
#### big-literal
echo $((99999999999999999999))
#### division-by-zero
echo $((5/0)); echo not reached
#### modulo-by-zero
echo $((5%0)); echo not reached
#### division-by-zero-in-let
let 'x=1/0'; echo "status $?"
#### division-by-zero-in-arith-cmd
((x = 2 % 0)); echo "status $?"
#### variable-references
a=3; echo $((a)) $(($a)) $((a+a))
#### variable-recursive-expression
a='b+1'; b=2; echo $((a*2))
#### variable-recursive-loop
a=a; echo $((a)); echo after
#### variable-invalid-content
v='1 2'; echo $((v)); echo after
#### variable-string-content
v=hello; echo $((v))
#### unset-variable-zero
unset u; echo $((u*5))
#### nounset-in-arith
set -u; unset u; echo $((u+1)); echo after
#### empty-expression
echo "[$(( ))]"
#### whitespace-newlines
echo $((
1 +
2 ))
#### let-basic
let x=2+3 y=x*2; echo $x $y
#### let-status
let 0; echo $?; let 1; echo $?
#### let-quoted
let "z = 1 + 2"; echo $z
#### let-no-args
let; echo "status $?"
#### let-multiple-last-status
let 1 0; echo $?
#### declare-integer
declare -i n=10; n=n+5; echo $n
#### declare-integer-base
declare -i n=16#10; echo $n
#### declare-integer-invalid
declare -i n; n='1 +'; echo "status $? $n"
#### arith-cmd-status
((0)); echo $?; ((-1)); echo $?
#### arith-with-array-elements
a=(1 2 3); echo $((a[0]+a[1]*a[2])) $((${#a[@]}*2))
#### arith-assoc-key
declare -A m=([k]=4); echo $((m[k]*2))
#### arith-array-assignment-index
(( b[1+1] = 5 )); echo "${!b[@]} ${b[2]}"
#### syntax-error-operand
echo $((1 2)); echo after
#### syntax-error-unclosed
echo $(( (1+2 )); echo after
#### syntax-error-assign-to-number
echo $((1=2)); echo after
#### syntax-error-bad-char
echo $((1 @ 2)); echo after
#### increment-non-variable
echo $((1++)); echo after
#### negative-modulo-sign
echo $((-5 % 3)) $((5 % -3))
#### precedence-bitwise-vs-compare
echo $((1 | 2 == 2)) $((4 & 6 != 0))
#### assign-returns-value
echo $((x = y = 3)) $x $y
#### arith-in-index-with-side-effect
i=0; a=(a b c); echo "${a[i++]}${a[i++]}" $i
#### arith-leading-zero-var
v=010; echo $((v)) $((10#$v))
#### base-10-prefix-negative
v=-08; echo $((10#${v#-}))
#### float-error
echo $((1.5)); echo after
#### exponent-overflow
echo $((2**63)) $((2**64)) $((10**20))
#### unary-on-assignment
x=3; echo $((-x)) $((!x)) $((~x))
#### parenthesised-assignment
echo $(( (x=4) + x ))
#### deep-nesting
echo $(((((((1+1)))))))
#### arith-cmd-in-condition-chain
x=3; ((x > 2)) && ((x < 5)) && echo range
#### declare-i-assign-string-expr
declare -i n; n=3; n+=n*2; echo $n
#### let-increment
i=0; let i++ i++; echo $i
#### arith-expansion-in-arith
a=2; echo $(( $((a*3)) + 1 ))
#### char-constant-error
echo $(("a")); echo after
#### space-around-operators
echo $(( 3   *   ( 2 + 1 ) ))
#### empty-arith-command
(( )); echo "status $?"; ((  )) || echo false; echo "[$((  ))]"
#### arith-assoc-key-assign
declare -A m; (( m[k] = 5, m[j] += 2 )); echo "${m[k]} ${m[j]} ${#m[@]}"; k=j; echo $(( m[$k] ))
#### arith-indexed-subscript-expression
a=(10 20 30); i=1; echo $(( a[i+1] )) $(( a[i] * 2 )); (( a[i-1] = 7 )); echo "${a[@]}"
#### error-division-by-variable
a=4 b=0; echo $(( a / b )); echo after
#### error-division-then-more
echo $(( 1/0+3 )); echo after
#### error-missing-paren
echo $(( (1 + 2 )); echo after
#### error-conditional-colon
echo $(( 1 ? 2 )); echo after
#### error-conditional-expression-expected
echo $(( 1 ? : 2 )); echo after
#### error-preincrement-number
echo $(( ++1 )); echo after
#### error-hex-invalid
echo $(( 0xg )); echo after
#### error-in-let-syntax
let 'x = 1 +'; echo "status $?"
#### error-in-for-arith
for (( i = 0; i < 1/0; i++ )); do echo loop; done; echo "status $?"
#### error-in-array-subscript
a=(1 2); echo "${a[1/0]}"; echo after
#### error-operand-expected-start
echo $(( * 2 )); echo after
#### error-assign-to-expression
echo $(( (a) = 2 )); echo after
#### error-compound-assign-divide
x=5; (( x /= 0 )); echo "status $? $x"
