cat > config.yaml <<'EOF'
version: 1.0.0
debug: false
name: old-name
replicas: 2
EOF
sed -i 's/^debug: false/debug: true/' config.yaml
sed -i -e 's/old-name/new-name/' -e '/^replicas/s/[0-9]\+/5/' config.yaml
sed -i '1i # generated' config.yaml
sed -i '$a trailer: end' config.yaml
cat config.yaml
