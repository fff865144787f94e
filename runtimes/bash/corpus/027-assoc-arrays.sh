declare -A color
color[apple]=red
color[banana]=yellow
color[grape]=purple
color["kiwi fruit"]=green
echo "count=${#color[@]}"
for k in "${!color[@]}"; do printf '%s=%s\n' "$k" "${color[$k]}"; done | sort
[[ -v color[apple] ]] && echo "apple set"
[[ -v color[plum] ]] || echo "plum unset"
unset 'color[banana]'
printf '%s\n' "${!color[@]}" | sort
