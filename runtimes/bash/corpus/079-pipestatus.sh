true | false | true
echo "${PIPESTATUS[@]}"
(exit 3) | (exit 0) | (exit 7)
echo "${PIPESTATUS[0]} ${PIPESTATUS[2]}"
false
echo "${PIPESTATUS[@]}"
printf 'a\n' | grep -q a
echo "${PIPESTATUS[*]}"
