cat > .env <<'EOF'
DB_HOST=db.internal
DB_PORT=5432
DB_NAME="orders"
EOF
set -a
. ./.env
set +a
echo "postgres://$DB_HOST:$DB_PORT/$DB_NAME"
env | grep '^DB_' | sort
