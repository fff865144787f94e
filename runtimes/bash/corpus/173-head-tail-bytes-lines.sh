seq 1 100 > f
head -n 3 f | paste -sd' '
tail -n 3 f | paste -sd' '
tail -n +98 f | paste -sd' '
head -n -97 f | paste -sd' '
head -c 10 f | od -c | head -n 1
printf 'abcdefgh' | tail -c 3; echo
wc -l < f
wc -c < f
wc -w <<< "one two three"
