# bc as scripts use it: arithmetic piped in, scale, comparisons for if, bases, -l, here-strings, files.
a=7; b=3
echo "$a / $b" | bc
echo "scale=2; $a / $b" | bc
ratio=$(echo "scale=4; 1/3" | bc); echo "ratio=$ratio"
if [ "$(echo "2.5 > 1.75" | bc)" -eq 1 ]; then echo "2.5 is larger"; fi
echo "10 % 4; 2^16; -2^2; sqrt(144)" | bc
bc <<< "obase=16; 255"
bc <<< "ibase=2; 101010"
echo "3.14159 * 2" | bc
echo "x=5; x*=3; x; x++; x" | bc
bc -l <<< "scale=6; e(1); l(10); 4*a(1)"
printf 'total=0\nfor (i=1; i<=10; i++) total += i\ntotal\n' > sum.bc
bc sum.bc < /dev/null
echo "2^200" | bc
echo '"done\n"' | bc
echo "1/0" | bc 2>/dev/null; echo "status $?"
