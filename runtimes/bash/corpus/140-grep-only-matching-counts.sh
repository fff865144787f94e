cat > access.log <<'EOF'
10.0.0.1 GET /a
10.0.0.2 GET /b
10.0.0.1 POST /c
10.0.0.3 GET /a
10.0.0.1 GET /b
EOF
grep -oE '^[0-9.]+' access.log | sort | uniq -c | sort -k1,1nr -k2
grep -o '/[a-z]' access.log | sort | uniq -c
grep -Eo '(GET|POST)' access.log | sort | uniq -c
