cat > inv.csv <<'EOF'
item,qty,price
apple,3,0.5
watermelon,1,3.25
fig,12,0.2
EOF
printf '%-12s %5s %8s\n' ITEM QTY TOTAL
tail -n +2 inv.csv | while IFS=, read -r item qty price; do
  total=$(awk -v q="$qty" -v p="$price" 'BEGIN{printf "%.2f", q*p}')
  printf '%-12s %5d %8s\n' "$item" "$qty" "$total"
done
printf '%s\n' "$(printf '%.0s-' {1..27})"
