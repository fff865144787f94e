printf 'only\n' > f
exec 3< f
read -r x <&3; echo "1: $? [$x]"
read -r x <&3; echo "2: $? [$x]"
exec 3<&-
read -r y < /dev/null; echo "devnull: $?"
