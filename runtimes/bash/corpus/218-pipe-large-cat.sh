seq 1 200000 > big
cat big | cat | cat | wc -l
cat big | sha256sum | cut -c1-16
head -c 1000000 /dev/zero | cat | wc -c
yes 'a fairly long line of text to make the pipe buffer fill up' | head -n 20000 | tail -n 1
