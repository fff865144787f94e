mkdir w && cd w
printf 'abc\n%.0s' {1..100} > f.txt
gzip -k f.txt
ls
gzip -t f.txt.gz && echo "valid gzip"
printf 'not gzip' > bad.gz
gzip -t bad.gz 2>/dev/null || echo "bad.gz is invalid"
zcat f.txt.gz | uniq -c
