mkdir w && cd w
printf 'part one\n' | gzip > all.gz
printf 'part two\n' | gzip >> all.gz
zcat all.gz
for i in 1 2 3; do seq "$i" > "f$i"; done
gzip f1 f2 f3
ls
zcat f*.gz | wc -l
