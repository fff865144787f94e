yes | head -n 3
yes hello | head -n 2
yes | head -n 1000 | wc -l
