set -e
false | true
echo "pipeline ending in true is fine under set -e"
true | false || echo "failure handled"
true | false
echo "not reached"
