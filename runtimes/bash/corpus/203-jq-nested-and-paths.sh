cat > cfg.json <<'EOF'
{"services": {"web": {"port": 80, "replicas": 2}, "db": {"port": 5432, "replicas": 1}}}
EOF
jq -r '.services | to_entries[] | "\(.key):\(.value.port)"' cfg.json | sort
jq '[.services[].replicas] | add' cfg.json
jq -c '[paths(scalars)] | length' cfg.json
jq -r '.services | keys | join(",")' cfg.json
jq '.services.web.port += 1 | .services.web.port' cfg.json
jq -r 'if .services.cache then "has cache" else "no cache" end' cfg.json
