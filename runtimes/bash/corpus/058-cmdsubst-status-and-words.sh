out=$(exit 3)
echo "status=$?"
set -- $(echo "a b   c")
echo "$#"
set -- "$(echo "a b   c")"
echo "$#"
lines=$(printf 'l1\nl2\nl3')
echo "$lines" | wc -l
echo $lines
