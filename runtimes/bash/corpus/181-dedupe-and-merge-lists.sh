printf 'b\na\nc\na\n' > l1
printf 'c\nd\nb\n' > l2
sort -u l1 l2
echo ---
sort l1 | uniq -d
echo ---
comm -23 <(sort -u l1) <(sort -u l2)
echo ---
cat l1 l2 | sort | uniq -c | awk '$1 > 1 {print $2}'
