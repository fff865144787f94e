cat > lib.sh <<'EOF'
LIB_VERSION=1.2
lib_greet() { echo "lib says hi to $1"; }
return 0
echo "not reached after return"
EOF
source lib.sh
echo "$LIB_VERSION"
lib_greet you
cat > args.sh <<'EOF'
echo "sourced with $# args: $*"
EOF
. ./args.sh one two
