mkdir data
seq 1 1000 > data/numbers.txt
printf 'hello\n' > data/hello.txt
( cd data && sha256sum hello.txt numbers.txt ) > sums.txt
tar czf data.tar.gz data
rm -r data
tar xzf data.tar.gz
( cd data && sha256sum -c ../sums.txt )
