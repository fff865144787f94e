for w in apple Banana cherry 42 x.txt "" zz; do
  case $w in
    a*) r="starts with a" ;;
    [A-Z]*) r="capitalised" ;;
    *[0-9]*) r="has digit" ;;
    *.txt|*.md) r="text file" ;;
    "") r="empty" ;;
    ch?rry) r="cherry-ish" ;;
    *) r="other" ;;
  esac
  echo "'$w': $r"
done
