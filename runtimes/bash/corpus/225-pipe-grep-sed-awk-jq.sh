cat > data.jsonl <<'EOF'
{"level":"info","msg":"start","ms":5}
{"level":"error","msg":"boom","ms":50}
{"level":"info","msg":"tick","ms":7}
{"level":"error","msg":"crash","ms":70}
EOF
grep '"error"' data.jsonl | jq -r '.msg' | sed 's/^/ERR: /' | sort
jq -r '.ms' data.jsonl | awk '{s += $1} END {print "total ms", s}'
jq -s -c 'map(select(.level=="info")) | map(.msg)' data.jsonl
