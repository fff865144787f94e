cat > app.conf <<'EOF'
# application settings
name = demo-app
port=8080

  debug = true
path=/srv/data   # trailing comment
empty=
EOF
declare -A conf
while IFS= read -r line; do
  line=${line%%#*}
  [[ $line =~ ^[[:space:]]*$ ]] && continue
  key=${line%%=*}; val=${line#*=}
  key=${key//[[:space:]]/}
  val="${val#"${val%%[![:space:]]*}"}"; val="${val%"${val##*[![:space:]]}"}"
  conf[$key]=$val
done < app.conf
for k in $(printf '%s\n' "${!conf[@]}" | sort); do echo "$k=[${conf[$k]}]"; done
