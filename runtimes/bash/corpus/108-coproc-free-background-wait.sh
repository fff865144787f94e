( echo "bg job output" > bg.txt ) &
wait $!
echo "wait status $?"
cat bg.txt
( exit 5 ) &
wait $!
echo "bg exit $?"
