false | true; echo "$?"
true | false; echo "$?"
true | (exit 42); echo "$?"
! false | false; echo "negated: $?"
