cat > items.json <<'EOF'
[
  {"id": 1, "name": "apple", "price": 1.2, "stock": 10},
  {"id": 2, "name": "pear", "price": 0.8, "stock": 0},
  {"id": 3, "name": "mango", "price": 2.5, "stock": 4}
]
EOF
jq -r '.[] | select(.stock > 0) | .name' items.json
jq -c 'map({name, value: (.price * .stock)})' items.json
jq '[.[].stock] | add' items.json
jq -r 'sort_by(.price) | .[].name' items.json
jq -r '.[] | "\(.id)\t\(.name)"' items.json
jq 'map(select(.name | startswith("m"))) | length' items.json
