for ((i = 0; ; i++)); do echo "$i"; done | head -n 3
echo "status: ${PIPESTATUS[1]}"
