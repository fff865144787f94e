mkdir r
printf '%0100d' 0 > r/hundred
printf 'x' > r/one
: > r/zero
seq 1 1000 > r/seq
for f in r/*; do
  printf '%-10s %6d bytes %4d lines\n' "${f#r/}" "$(wc -c < "$f")" "$(wc -l < "$f")"
done
echo "total bytes: $(cat r/* | wc -c)"
