set -x
x=5
echo "value $x"
f() { local y=$(( $1 * 2 )); echo "$y"; }
f 3
set +x
echo "trace off"
