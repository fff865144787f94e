touch a b
[[ -e a && -e b ]] && echo "both exist"
: > c
[[ -s c ]] || echo "c is empty"
echo data >> c
[[ -s c ]] && echo "c has data"
cp c d; cmp -s c d && echo "copy same"
mv d e; [[ ! -e d && -e e ]] && echo "moved"
