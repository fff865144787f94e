cat > tmpl.txt <<'EOF'
Dear {{name}},
Your order {{order}} ships on {{day}}.
Unknown: {{other}}
EOF
declare -A vals=([name]=Ada [order]=A-17 [day]=Monday)
out=$(<tmpl.txt)
for k in "${!vals[@]}"; do out=${out//"{{$k}}"/${vals[$k]}}; done
echo "$out"
echo ---
sed -e 's/{{name}}/Bob/' -e 's/{{[a-z]*}}/?/g' tmpl.txt
