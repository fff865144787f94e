readonly LIMIT=10
echo "$LIMIT"
LIMIT=20
echo "after failed assignment: $LIMIT"
readonly -p | grep -c LIMIT
unset LIMIT
echo "still: $LIMIT"
