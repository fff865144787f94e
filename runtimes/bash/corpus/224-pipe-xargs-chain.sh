seq 10 | xargs -n 3 | awk '{print NF ": " $0}'
printf 'a b c\n' | xargs -n 1 | sort -r | xargs
seq 3 | xargs -I{} echo file{}.txt | xargs touch
ls file*.txt
