cat > nginx.conf <<'EOF'
server {
    listen 80;
    server_name old.example.com;
    root /var/www/old;
}
EOF
sed -i -E 's/(server_name )[^;]+;/\1new.example.com;/; s#(root ).*;#\1/srv/new;#; s/listen 80;/listen 8080;/' nginx.conf
cat nginx.conf
grep -c 'new' nginx.conf
