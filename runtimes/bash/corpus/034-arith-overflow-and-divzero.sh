echo $(( 9223372036854775807 + 1 ))
echo $(( -9223372036854775807 - 1 ))
echo $(( 1 / 0 ))
echo "not reached in this statement"
