printf 'first line\nsecond line\n  indented\nno newline at end' > in.txt
n=0
while IFS= read -r line; do
  n=$((n + 1))
  echo "$n: [$line]"
done < in.txt
echo "total $n"
while IFS= read -r line || [[ -n $line ]]; do echo "got [$line]"; done < in.txt | tail -n 1
