cat > gen.sh <<'EOF'
#!/bin/bash
for i in "$@"; do
  echo "arg: $i"
done
exit 4
EOF
bash gen.sh x "y z"
echo "gen status $?"
source <(echo 'sourced_var=42')
echo "$sourced_var"
