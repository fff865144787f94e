cat > service.log <<'EOF'
[INFO] boot
[WARN] slow disk
[INFO] ready
[ERROR] db timeout
[ERROR] db timeout
[INFO] request
[DEBUG] x=1
EOF
for level in DEBUG INFO WARN ERROR; do
  printf '%-6s %d\n' "$level" "$(grep -c "^\[$level\]" service.log)"
done
echo "unique errors:"
grep '^\[ERROR\]' service.log | sort -u | sed 's/^\[ERROR\] /  /'
