parse() {
  local OPTIND opt verbose=0 name=anon
  while getopts ":vn:" opt; do
    case $opt in
      v) verbose=$((verbose + 1)) ;;
      n) name=$OPTARG ;;
      :) echo "missing arg for -$OPTARG"; return 2 ;;
      \?) echo "unknown -$OPTARG"; return 2 ;;
    esac
  done
  shift $((OPTIND - 1))
  echo "verbose=$verbose name=$name rest=$*"
}
parse -v -n bob file1 file2
parse -vv -nalice
parse -x
parse -n
parse -- -v
