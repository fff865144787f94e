for n in 1 2 3; do
  case $n in
    1) echo "one" ;&
    2) echo "one or two" ;;
    3) echo "three" ;;&
    [0-9]) echo "a digit" ;;
  esac
done
