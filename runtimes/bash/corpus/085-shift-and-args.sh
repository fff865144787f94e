set -- a b c d e
echo "$# $1"
shift
echo "$# $1"
shift 2
echo "$# $*"
shift 5 || echo "shift too far: $?"
echo "$# $*"
set --
echo "empty: $#"
