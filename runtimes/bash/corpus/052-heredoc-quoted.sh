name=World
cat <<'EOF'
Hello, $name!
No $((2 + 3)) here
Nor $(echo this)
EOF
cat <<"END"
double-quoted delimiter: $name
END
