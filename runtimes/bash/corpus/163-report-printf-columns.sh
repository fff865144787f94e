cat > hosts.txt <<'EOF'
web-1 up 120
db-1 down 0
cache-1 up 3600
worker-12 up 45
EOF
printf '%-10s | %-5s | %8s\n' HOST STATE UPTIME
printf '%s\n' "-----------+-------+---------"
up=0
while read -r h s u; do
  printf '%-10s | %-5s | %8d\n' "$h" "$s" "$u"
  [[ $s == up ]] && up=$((up + 1))
done < hosts.txt
printf '%d/%d up (%d%%)\n' "$up" "$(wc -l < hosts.txt)" $((up * 100 / 4))
