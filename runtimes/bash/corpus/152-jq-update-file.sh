cat > pkg.json <<'EOF'
{"name": "lib", "version": "0.9.0", "deps": {"a": "1.0"}}
EOF
jq '.version = "1.0.0" | .deps.b = "2.0"' pkg.json > pkg.new && mv pkg.new pkg.json
jq -S . pkg.json
jq -r '.deps | to_entries[] | "\(.key)@\(.value)"' pkg.json
jq -e '.deps.c' pkg.json >/dev/null; echo "missing key exit: $?"
