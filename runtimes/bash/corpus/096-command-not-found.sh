echo before
nosuchcommand arg
echo "status $?"
./missing-script.sh
echo "status $?"
