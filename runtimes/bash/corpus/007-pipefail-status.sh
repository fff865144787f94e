false | true
echo "without pipefail: $?"
set -o pipefail
false | true
echo "with pipefail: $?"
true | (exit 3) | true
echo "middle: $?"
(exit 2) | (exit 5) | true
echo "rightmost failing: $?"
