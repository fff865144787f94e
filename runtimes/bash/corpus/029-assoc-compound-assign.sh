declare -A cfg=([host]=localhost [port]=8080 [debug]=false)
cfg+=([port]=9090 [user]=admin)
for k in $(printf '%s\n' "${!cfg[@]}" | sort); do
  echo "$k -> ${cfg[$k]}"
done
declare -p cfg >/dev/null && echo declared
