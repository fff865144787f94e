echo "a:b:c:d" | cut -d: -f2
echo "a:b:c:d" | cut -d: -f2-
echo "a:b:c:d" | cut -d: -f1,3
echo "abcdefgh" | cut -c3-5
echo "abcdefgh" | cut -c-3
printf 'x\ty\tz\n' | cut -f2
echo "no delimiter here" | cut -d: -f2
echo "no delimiter here" | cut -s -d: -f2 | wc -l
