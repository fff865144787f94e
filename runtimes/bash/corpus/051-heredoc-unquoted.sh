name=World
cat <<EOF
Hello, $name!
Sum: $((2 + 3))
Cmd: $(echo substituted)
Escaped: \$name and \`backticks\`
EOF
