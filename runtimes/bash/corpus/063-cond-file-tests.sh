mkdir d
echo content > f
: > empty
for p in d f empty nope; do
  printf '%s:' "$p"
  [[ -e $p ]] && printf ' e'
  [[ -f $p ]] && printf ' f'
  [[ -d $p ]] && printf ' d'
  [[ ! -d $p && -s $p ]] && printf ' s'
  [[ -r $p ]] && printf ' r'
  echo
done
