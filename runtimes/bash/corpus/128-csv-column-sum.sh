cat > sales.csv <<'EOF'
region,product,units,price
north,widget,10,2.50
south,gadget,5,10.00
north,gadget,3,10.00
east,widget,7,2.50
south,widget,12,2.50
EOF
echo "total units: $(tail -n +2 sales.csv | cut -d, -f3 | paste -sd+ | python3 -c 'print(eval(input()))')"
tail -n +2 sales.csv | awk -F, '{rev[$1] += $3 * $4} END {for (r in rev) printf "%s %.2f\n", r, rev[r]}' | sort
