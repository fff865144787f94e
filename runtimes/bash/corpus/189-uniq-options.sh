printf 'a\na\nb\nc\nc\nc\nd\n' > f
uniq f | paste -sd' '
uniq -c f
uniq -d f | paste -sd' '
uniq -u f | paste -sd' '
printf 'A\na\nB\n' | uniq -i | paste -sd' '
