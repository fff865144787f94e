items=(alpha beta "gamma delta")
json=$(printf '%s\n' "${items[@]}" | jq -R . | jq -sc .)
echo "$json"
echo "$json" | jq -r 'length'
jq -n --arg a "quote\"d" '{s: $a}' -c
printf '{"k":"%s","n":%d}\n' key 5 | jq -c .
