mkdir w && cd w
seq 1 5000 > numbers.txt
cp numbers.txt orig.txt
gzip numbers.txt
ls
zcat numbers.txt.gz | tail -n 2
gunzip numbers.txt.gz
cmp numbers.txt orig.txt && echo "roundtrip identical"
gzip -c orig.txt | gzip -d | wc -l
echo "stdin data" | gzip | gunzip
