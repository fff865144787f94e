cat > data.json <<'EOF'
{"name": "demo", "version": "1.4.2", "tags": ["a", "b", "c"],
 "owner": {"login": "octo", "id": 7}, "private": false}
EOF
jq -r '.name' data.json
jq '.owner.id' data.json
jq -r '.tags[]' data.json
jq -c '.tags' data.json
jq '.tags | length' data.json
jq -r '.owner | keys[]' data.json
jq '.private' data.json
jq -r '.missing // "default"' data.json
