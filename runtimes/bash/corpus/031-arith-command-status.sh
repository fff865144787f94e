(( 0 )); echo "(( 0 )) -> $?"
(( 1 )); echo "(( 1 )) -> $?"
(( 5 - 5 )); echo "(( 5-5 )) -> $?"
i=0
(( i++ )); echo "i++ from 0 -> $? (i=$i)"
(( i++ )); echo "i++ from 1 -> $? (i=$i)"
n=10
if (( n > 5 && n % 2 == 0 )); then echo "even and big"; fi
