s="user=alice id=42"
if [[ $s =~ user=([a-z]+)\ id=([0-9]+) ]]; then
  echo "match: ${BASH_REMATCH[0]}"
  echo "user: ${BASH_REMATCH[1]}"
  echo "id: ${BASH_REMATCH[2]}"
fi
re='^v([0-9]+)\.([0-9]+)$'
for v in v1.2 v10.20 x1.2 v1.2.3; do
  if [[ $v =~ $re ]]; then echo "$v ok ${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"; else echo "$v no"; fi
done
[[ "a.c" =~ a.c ]] && echo "dot matches"
[[ "abc" =~ "a.c" ]] || echo "quoted is literal"
