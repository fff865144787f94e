cat > Cargo.toml <<'EOF'
[package]
name = "thing"
version = "2.3.4"
EOF
echo '{"version": "2.3.4"}' > package.json
v1=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml)
v2=$(jq -r .version package.json)
[[ $v1 == "$v2" ]] && echo "versions agree: $v1"
IFS=. read -r maj min pat <<< "$v1"
new="$maj.$((min + 1)).0"
sed -i "s/^version = \".*\"/version = \"$new\"/" Cargo.toml
jq --arg v "$new" '.version = $v' package.json > p.tmp && mv p.tmp package.json
grep version Cargo.toml; jq -c . package.json
