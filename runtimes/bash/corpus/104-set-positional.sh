set -- "first arg" second
echo "$1|$2|$#"
set -- "$@" third
echo "$#: $3"
args=("$@")
set -- "${args[@]:1}"
echo "$*"
set -- $(seq 5)
echo "sum: $(( $1 + $2 + $3 + $4 + $5 ))"
