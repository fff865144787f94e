cat > log.csv <<'EOF'
2024-01-01,GET,/index,200
2024-01-01,POST,/login,302
2024-01-02,GET,/index,200
2024-01-02,GET,/missing,404
2024-01-03,GET,/index,500
2024-01-03,POST,/login,200
EOF
cut -d, -f2 log.csv | sort | uniq -c
echo ---
cut -d, -f4 log.csv | sort | uniq -c | sort -k1,1nr -k2,2 | head -n 2
echo ---
cut -d, -f3 log.csv | sort -u
