cat > events.json <<'EOF'
[{"type":"click","user":"a"},{"type":"view","user":"b"},{"type":"click","user":"b"},
 {"type":"click","user":"a"},{"type":"view","user":"a"}]
EOF
jq -c 'group_by(.type) | map({type: .[0].type, n: length})' events.json
jq -r '[.[].user] | unique | .[]' events.json
jq -r 'map(select(.user == "a")) | length' events.json
jq -r '.[] | [.type, .user] | @csv' events.json | sort | uniq -c
