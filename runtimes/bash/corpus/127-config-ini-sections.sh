cat > settings.ini <<'EOF'
[server]
host=example.org
port=443
[client]
retries=3
timeout=30
[server]
tls=yes
EOF
awk -F= '/^\[/{sec=substr($0,2,length($0)-2); next} NF==2{print sec "." $1 " = " $2}' settings.ini | sort
echo "--- sed section extract"
sed -n '/^\[client\]/,/^\[/{/^[a-z]/p}' settings.ini
